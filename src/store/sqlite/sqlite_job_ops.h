// The jobs-table operations of SqliteStore, one function per Store method, each run on a given
// connection. Write operations run on the writer thread inside the batch transaction and their
// own savepoint (SqliteWriter), so they may return an error after writing: the savepoint undoes
// it. Read operations run on a read-only pool connection.
//
// Thread-safety: none of their own; the connection's owner serialises use.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/job.h"
#include "core/status.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_job_row.h"
#include "store/store.h"

namespace conveyor::sqlite_ops {

// --- writes (sqlite_job_insert.cc, sqlite_job_lease.cc, sqlite_job_admin.cc) ---
Result<std::vector<InsertOutcome>> JobInsertMany(SqliteConnection& c, const JobInsertManyParams& p);
Result<std::vector<Job>> JobClaim(SqliteConnection& c, const JobClaimParams& p);
Result<std::vector<Status>> JobCompleteMany(SqliteConnection& c, const JobCompleteManyParams& p);
Result<Job> JobFail(SqliteConnection& c, const JobFailParams& p);
Result<HeartbeatOutcome> JobHeartbeat(SqliteConnection& c, const JobHeartbeatParams& p);
Result<int> JobReleaseMany(SqliteConnection& c, const JobReleaseManyParams& p);
Result<std::vector<std::string>> JobRescueExpired(SqliteConnection& c,
                                                   const JobRescueExpiredParams& p);
Result<Job> JobCancel(SqliteConnection& c, const JobCancelParams& p);
Result<Job> JobCancelAck(SqliteConnection& c, const JobCancelAckParams& p);
Result<Job> JobRetry(SqliteConnection& c, const JobRetryParams& p);

// --- reads (sqlite_job_reads.cc) ---
Result<Job> JobGet(SqliteConnection& c, const std::string& id);
Result<JobPage> JobList(SqliteConnection& c, const JobListParams& p);
Result<std::vector<JobEvent>> JobEventList(SqliteConnection& c, const std::string& id);
Result<std::optional<TimeMs>> JobNextRunAt(SqliteConnection& c);
Result<std::map<JobState, int64_t>> JobCountByState(SqliteConnection& c);

// --- helpers shared by the files above (sqlite_job_reads.cc) ---
// The job row with that id; NotFound "job <id> not found".
Result<JobRow> LoadJob(SqliteConnection& c, const std::string& id);
// Why a guarded update by (id, lease token) matched nothing: NotFound, or Conflict naming the
// state the job is in.
Status StaleLease(SqliteConnection& c, const std::string& id);
// Appends one line to a job's audit trail.
Status AppendEvent(SqliteConnection& c, int64_t job_seq, TimeMs at, std::optional<JobState> from,
                   JobState to, int attempt, std::string_view message);
// Runs an UPDATE ... RETURNING CONVEYOR_JOB_COLUMNS expected to touch exactly one row.
Result<JobRow> UpdateOneJob(SqliteConnection& c, std::string_view sql,
                            const std::function<void(SqliteStatement&)>& bind);

}  // namespace conveyor::sqlite_ops
