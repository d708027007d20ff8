// The jobs-table operations of SqliteStore whose logic is its own, one function per Store method,
// each run on a given connection. Write operations run on the writer thread inside the batch
// transaction and their own savepoint (SqliteWriter), so they may return an error after writing:
// the savepoint undoes it. Read operations run on a read-only pool connection. The operations
// whose logic both stores share are templates in store_job_ops.h, run over SqliteJobStatements
// (sqlite_job_statements.h).
//
// Thread-safety: none of their own; the connection's owner serialises use.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/job.h"
#include "core/status.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_job_row.h"
#include "store/sqlite/sqlite_job_statements.h"
#include "store/store.h"

namespace conveyor::sqlite_ops {

// --- writes (sqlite_job_insert.cc, sqlite_job_lease.cc) ---
Result<std::vector<InsertOutcome>> JobInsertMany(SqliteConnection& c, const JobInsertManyParams& p);
Result<int> JobReleaseMany(SqliteConnection& c, const JobReleaseManyParams& p);
Result<std::vector<std::string>> JobRescueExpired(SqliteConnection& c,
                                                  const JobRescueExpiredParams& p);

// --- reads (sqlite_job_reads.cc) ---
Result<std::optional<TimeMs>> JobNextRunAt(SqliteConnection& c);
Result<std::map<JobState, int64_t>> JobCountByState(SqliteConnection& c);
Result<JobStats> JobStatsGet(SqliteConnection& c, const JobStatsParams& p);

// --- expiry (sqlite_job_expiry.cc) ---
Result<std::vector<std::string>> JobExpireDue(SqliteConnection& c, const JobExpireDueParams& p);
Result<std::optional<TimeMs>> JobNextExpiry(SqliteConnection& c);

// --- retention (sqlite_job_retention.cc) ---
Result<JobPruneOutcome> JobPrune(SqliteConnection& c, const JobPruneParams& p);

}  // namespace conveyor::sqlite_ops
