#include "store/schema_version.h"

#include <algorithm>
#include <string>

namespace conveyor {

SchemaVersion SchemaVersionOf(const std::vector<int>& recorded, const std::vector<int>& known) {
  SchemaVersion v;
  if (!recorded.empty()) v.store = *std::max_element(recorded.begin(), recorded.end());
  if (!known.empty()) v.binary = *std::max_element(known.begin(), known.end());
  for (int k : known) {
    if (std::find(recorded.begin(), recorded.end(), k) == recorded.end()) v.pending.push_back(k);
  }
  return v;
}

Status CheckSchemaNotNewer(const SchemaVersion& v) {
  if (v.store <= v.binary) return Status::Ok();
  return Status::FailedPrecondition(
      "the database's schema is at version " + std::to_string(v.store) +
      ", newer than this binary knows (version " + std::to_string(v.binary) +
      "): a newer Conveyor migrated it; run that version or newer (migrations only go forward)");
}

}  // namespace conveyor
