// The operations of PostgresStore whose logic is its own, one function per Store method, each run
// on a given connection inside the transaction PostgresStore opened for it (so they may fail
// after writing: the transaction is rolled back). Claims and rescues lock their rows with SKIP
// LOCKED; batches are one statement each. The operations whose logic both stores share are
// templates in store_job_ops.h, run over PgJobStatements (pg_job_statements.h).
//
// Thread-safety: none of their own; the connection's holder serialises use.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/job.h"
#include "core/status.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_job_row.h"
#include "store/postgres/pg_job_statements.h"
#include "store/store.h"

namespace conveyor::pg_ops {

// --- jobs (pg_job_insert.cc, pg_job_lease.cc, pg_job_reads.cc) ---
Result<std::vector<InsertOutcome>> JobInsertMany(PgConnection& c, const JobInsertManyParams& p);
Result<int> JobReleaseMany(PgConnection& c, const JobReleaseManyParams& p);
Result<std::vector<std::string>> JobRescueExpired(PgConnection& c, const JobRescueExpiredParams& p);
Result<std::optional<TimeMs>> JobNextRunAt(PgConnection& c);
// Expiry (pg_job_lease.cc).
Result<std::vector<std::string>> JobExpireDue(PgConnection& c, const JobExpireDueParams& p);
Result<std::optional<TimeMs>> JobNextExpiry(PgConnection& c);
// Retention (pg_job_retention.cc).
Result<JobPruneOutcome> JobPrune(PgConnection& c, const JobPruneParams& p);
Result<std::map<JobState, int64_t>> JobCountByState(PgConnection& c);
Result<JobStats> JobStatsGet(PgConnection& c, const JobStatsParams& p);

// ["a","b"], or NULL for an empty list (meaning "no filter" in the claim). (pg_job_reads.cc)
PgParam JsonArrayOrNull(const std::vector<std::string>& items);

}  // namespace conveyor::pg_ops
