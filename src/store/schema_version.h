// Where a store's schema stands against the migrations this binary knows: what `conveyor migrate
// --status` prints, and the check that keeps a binary off a database a newer binary migrated
// (migrations are forward-only: an older binary would read and write columns it does not know).
#pragma once

#include <vector>

#include "core/status.h"

namespace conveyor {

struct SchemaVersion {
  int store = 0;             // highest version recorded in the database; 0 when none is
  int binary = 0;            // highest version this binary's migrations reach
  std::vector<int> pending;  // versions this binary knows that the database has not recorded
};

// From the versions the database recorded and the ones this binary knows (its kMigrations).
SchemaVersion SchemaVersionOf(const std::vector<int>& recorded, const std::vector<int>& known);

// FailedPrecondition naming both versions when the database is newer than this binary; else OK.
Status CheckSchemaNotNewer(const SchemaVersion& v);

}  // namespace conveyor
