// The operations of PostgresStore, one function per Store method, each run on a given connection
// inside the transaction PostgresStore opened for it (so they may fail after writing: the
// transaction is rolled back). Transitions lock the job row (FOR UPDATE) or change it in one
// guarded statement; claims and rescues skip rows other transactions hold (SKIP LOCKED).
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
#include "store/store.h"

namespace conveyor::pg_ops {

// --- jobs: writes (pg_job_insert.cc, pg_job_lease.cc, pg_job_admin.cc) ---
Result<std::vector<InsertOutcome>> InsertJobs(PgConnection& c, const JobInsertManyParams& p);
Result<std::vector<Job>> ClaimJobs(PgConnection& c, const JobClaimParams& p);
Result<std::vector<Status>> CompleteJobs(PgConnection& c, const JobCompleteManyParams& p);
Result<Job> FailJob(PgConnection& c, const JobFailParams& p);
Result<HeartbeatOutcome> HeartbeatJob(PgConnection& c, const JobHeartbeatParams& p);
Result<int> ReleaseJobs(PgConnection& c, const JobReleaseManyParams& p);
Result<std::vector<std::string>> RescueExpiredJobs(PgConnection& c,
                                                   const JobRescueExpiredParams& p);
Result<Job> CancelJob(PgConnection& c, const JobCancelParams& p);
Result<Job> AckCancelJob(PgConnection& c, const JobCancelAckParams& p);
Result<Job> RetryJob(PgConnection& c, const JobRetryParams& p);

// --- jobs: reads (pg_job_reads.cc) ---
Result<Job> GetJob(PgConnection& c, const std::string& id);
Result<JobPage> ListJobs(PgConnection& c, const JobListParams& p);
Result<std::vector<JobEvent>> ListJobEvents(PgConnection& c, const std::string& id);
Result<std::optional<TimeMs>> NextRunAt(PgConnection& c);
Result<std::map<JobState, int64_t>> CountByState(PgConnection& c);

// --- deliveries (pg_delivery_ops.cc) ---
Result<std::vector<WebhookDelivery>> ClaimDeliveries(PgConnection& c, const DeliveryClaimParams& p);
Status RecordDelivery(PgConnection& c, const DeliveryRecordParams& p);
Result<std::vector<WebhookDelivery>> ListDeliveries(PgConnection& c, const std::string& job_id);
Result<WebhookDelivery> Redeliver(PgConnection& c, const DeliveryRedeliverParams& p);
Result<std::optional<TimeMs>> DeliveryNextAt(PgConnection& c);
Result<int64_t> DeliveryCountPending(PgConnection& c);

// --- nodes (pg_delivery_ops.cc) ---
Status HeartbeatNode(PgConnection& c, const NodeInfo& info);
Result<std::vector<NodeInfo>> ListNodes(PgConnection& c);

// --- helpers shared by the files above (pg_job_reads.cc) ---
// The job row with that id, locked for this transaction when `for_update`.
Result<JobRow> LoadJob(PgConnection& c, const std::string& id, bool for_update);
// Why a guarded update by (id, lease token) matched nothing: NotFound, or Conflict naming the
// state the job is in.
Status StaleLease(PgConnection& c, const std::string& id);
Status AppendEvent(PgConnection& c, int64_t job_seq, TimeMs at, std::optional<JobState> from,
                   JobState to, int attempt, std::string_view message);
// Runs an UPDATE ... RETURNING CONVEYOR_PG_JOB_COLUMNS expected to touch exactly one row.
Result<JobRow> UpdateOneJob(PgConnection& c, std::string_view sql, const PgParams& params);
// The webhook delivery a terminal transition of job `id` promises (nothing without a URL).
Status AddTerminalDelivery(PgConnection& c, const std::string& id, TimeMs now);
// ["a","b"], or NULL for an empty list (meaning "no filter" in the claim).
PgParam JsonArrayOrNull(const std::vector<std::string>& items);

}  // namespace conveyor::pg_ops
