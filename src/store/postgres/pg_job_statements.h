// PgJobStatements: the jobs-table statements of PostgresStore on one connection, in the shape the
// shared operations of store_job_ops.h call them (the contract of each is written there). Loads
// for a transition lock the row (FOR UPDATE), so the decision made in C++ holds until COMMIT.
// A reference to the connection: cheap to copy, valid while the connection is. The header needs
// no libpq, so PostgresStore's header can name it.
//
// Thread-safety: none of its own; the connection's holder serialises use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/job.h"
#include "core/status.h"
#include "store/store.h"
#include "store/store_claim.h"
#include "store/store_dependency_rules.h"
#include "store/store_job_ops.h"
#include "store/store_job_rules.h"

namespace conveyor {

class PgConnection;

class PgJobStatements {
 public:
  explicit PgJobStatements(PgConnection& c) : c_(c) {}

  // Reads and single-row writes (pg_job_statements.cc).
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
  void JobsClaimable();
  Result<JobRow> JobFailUpdate(const store_ops::JobFailWrite& w);
  Result<std::optional<HeartbeatOutcome>> JobHeartbeatUpdate(const JobHeartbeatParams& p);

  // The claim and the queues (pg_job_claim.cc; contracts in store_claim.h and
  // store_queue_ops.h).
  Result<std::vector<store_ops::ClaimQueueRow>> ClaimQueues(TimeMs now);
  Result<std::vector<RateLimitRow>> ClaimRateLimits();
  Result<std::vector<store_ops::ClaimCandidate>> ClaimSelect(const store_ops::ClaimSelectParams& s);
  Result<std::vector<JobRow>> ClaimMark(const std::string& seqs, const JobClaimParams& p);
  Status RateLimitUse(const RateLimitRow& row);
  Result<std::vector<QueueSettings>> QueuesRead();
  Result<std::optional<QueueSettings>> QueueRead(const std::string& name);
  Status QueueWrite(const QueueSettings& q);
  Result<std::vector<RateLimitRow>> RateLimitsRead();
  Result<bool> RateLimitWrite(const RateLimitSetParams& p);
  Result<std::vector<QueueStats>> QueueStatsRows(TimeMs now);

  // The lease's batches (pg_job_lease.cc).
  Result<std::unordered_set<std::string>> JobCompleteRows(std::string completions, TimeMs now);

  // The insert (pg_job_insert.cc).
  Status JobsWithKeys(const std::vector<TenantKey>& keys, KeyHolders& found);
  Status JobKeysRelease(const std::vector<TenantKey>& keys, TimeMs created_at_most);
  Result<bool> JobInsertRows(const std::vector<const Job*>& jobs, TimeMs now);

  // Dependencies (pg_job_dependencies.cc; the contract is in store_dependencies.h).
  Result<std::vector<DependencyTarget>> DependencyMark(const std::vector<std::string>& ids);
  Status DependencyEdgesInsert(const std::string& edges);
  Result<std::vector<DependencyEdge>> DependentsBlockedOn(const std::string& seqs);
  Result<std::optional<JobRow>> DependentRelease(int64_t seq, TimeMs now);
  Result<std::optional<JobRow>> DependentCancel(int64_t seq, std::string_view error, TimeMs now);

 private:
  PgConnection& c_;
};

}  // namespace conveyor
