// SqliteJobStatements: the jobs-table statements of SqliteStore on one connection, in the shape
// the shared operations of store_job_ops.h call them (the contract of each is written there).
// Writes run on the writer thread inside the batch transaction and the operation's savepoint
// (SqliteWriter), whose one writer already excludes every other write, so a load takes no lock.
// Reads run on a read-only pool connection. A reference to the connection: cheap to copy, valid
// while the connection is.
//
// Thread-safety: none of its own; the connection's owner serialises use.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/job.h"
#include "core/status.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/store.h"
#include "store/store_claim.h"
#include "store/store_dependency_rules.h"
#include "store/store_job_ops.h"
#include "store/store_job_rules.h"

namespace conveyor {

class SqliteJobStatements {
 public:
  explicit SqliteJobStatements(SqliteConnection& c) : c_(c) {}

  // Reads and single-row writes (sqlite_job_statements.cc).
  Result<JobRow> JobLoad(const std::string& id, store_ops::JobLock lock);
  Status JobStaleLease(const std::string& id);
  Result<JobRow> JobUpdate(store_ops::JobUpdateKind what, int64_t seq, TimeMs now);
  Status JobEventAppend(int64_t job_seq, TimeMs at, std::optional<JobState> from, JobState to,
                        int attempt, std::string_view message);
  Result<std::vector<JobEvent>> JobEventsOf(int64_t job_seq);
  // The live event feed's reads (contracts in store.h).
  Result<std::vector<JobEventRow>> JobEventRowsAfter(int64_t after_seq, int limit);
  Result<int64_t> JobEventsMaxSeq();
  Result<std::vector<JobProgressRow>> JobRunningProgressRows(int limit);
  Result<std::optional<int64_t>> JobSeqOf(const std::string& id);
  Result<std::vector<Job>> JobPageRows(const JobListParams& p, int64_t before_seq);
  Status DeliveryEnqueue(const JobRow& job, JobState to, TimeMs now);
  void JobsClaimable() {}  // one process: the runtime wakes itself
  Result<JobRow> JobFailUpdate(const store_ops::JobFailWrite& w);
  Result<std::optional<HeartbeatOutcome>> JobHeartbeatUpdate(const JobHeartbeatParams& p);

  // The claim and the queues (sqlite_job_claim.cc; contracts in store_claim.h and
  // store_queue_ops.h).
  Result<std::vector<store_ops::ClaimQueueRow>> ClaimQueues(TimeMs now);
  Result<std::vector<RateLimitRow>> ClaimRateLimits() { return RateLimitsRead(); }
  Result<std::vector<store_ops::ClaimCandidate>> ClaimSelect(const store_ops::ClaimSelectParams& s);
  Result<std::vector<JobRow>> ClaimMark(const std::string& seqs, const JobClaimParams& p);
  Status RateLimitUse(const RateLimitRow& row);
  Result<std::vector<QueueSettings>> QueuesRead();
  Result<std::optional<QueueSettings>> QueueRead(const std::string& name);
  Status QueueWrite(const QueueSettings& q);
  Result<std::vector<RateLimitRow>> RateLimitsRead();
  Result<bool> RateLimitWrite(const RateLimitSetParams& p);
  Result<std::vector<QueueStats>> QueueStatsRows(TimeMs now);

  // The lease's batches (sqlite_job_lease.cc).
  Result<std::unordered_set<std::string>> JobCompleteRows(std::string completions, TimeMs now);

  // The insert (sqlite_job_insert.cc).
  Status JobsWithKeys(const std::vector<TenantKey>& keys, KeyHolders& found);
  Status JobKeysRelease(const std::vector<TenantKey>& keys, TimeMs created_at_most);
  Result<bool> JobInsertRows(const std::vector<const Job*>& jobs, TimeMs now);

  // Dependencies (sqlite_job_dependencies.cc; the contract is in store_dependencies.h).
  Result<std::vector<DependencyTarget>> DependencyMark(const std::vector<std::string>& ids);
  Status DependencyEdgesInsert(const std::string& edges);
  Result<std::vector<DependencyEdge>> DependentsBlockedOn(const std::string& seqs);
  Result<std::optional<JobRow>> DependentRelease(int64_t seq, TimeMs now);
  Result<std::optional<JobRow>> DependentCancel(int64_t seq, std::string_view error, TimeMs now);

 private:
  // The statement positioned on job `id`'s row (bound as ?1); NotFoundJob when there is none.
  Result<SqliteStatement> JobRowById(std::string_view sql, const std::string& id);
  // Runs an UPDATE ... RETURNING CONVEYOR_JOB_COLUMNS expected to touch exactly one row.
  template <class Bind>
  Result<JobRow> JobUpdateOne(std::string_view sql, const Bind& bind);
  // Runs a dependent's guarded UPDATE ... RETURNING seq, id, state, attempt, webhook_url.
  template <class Bind>
  Result<std::optional<JobRow>> DependentUpdate(std::string_view sql, const Bind& bind);

  SqliteConnection& c_;
};

}  // namespace conveyor
