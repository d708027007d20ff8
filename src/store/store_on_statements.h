// StoreOnStatements: the Store methods whose logic both backends share (store_job_ops.h),
// implemented once over a backend's job statements, so SqliteStore and PostgresStore write only
// how they run an operation and the methods whose logic is their own:
//
//   class SqliteStore final : public StoreOnStatements<SqliteStore, SqliteJobStatements> { ... };
//
// `Derived` runs an operation on one of its connections (befriend this base to keep them private):
//   template <class T> Result<T> Read(fn);               // fn(Connection&) -> Result<T>
//   template <class T> Result<T> Write(fn, int weight, CommitSync sync);  // inside a write
//       // transaction; weight: about how many rows it writes; sync: store/commit_sync.h
// `Statements` is constructible from that connection (the `Db` of store_job_ops.h).
// Static dispatch (CRTP): no virtual call beyond the Store seam's own.
//
// Thread-safety: that of Derived (every Store method may be called from any thread).
#pragma once

#include <algorithm>
#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "store/claim_planner.h"
#include "store/commit_sync.h"
#include "store/store.h"
#include "store/store_claim.h"
#include "store/store_job_ops.h"
#include "store/store_queue_ops.h"

namespace conveyor {

template <class Derived, class Statements>
class StoreOnStatements : public Store {
 public:
  Result<Job> JobGet(const std::string& id) final {
    return RunRead(store_ops::JobGet<Statements>, id);
  }
  Result<JobPage> JobList(const JobListParams& p) final {
    return RunRead(store_ops::JobList<Statements>, p);
  }
  Result<std::vector<JobEvent>> JobEventList(const std::string& id) final {
    return RunRead(store_ops::JobEventList<Statements>, id);
  }

  Result<std::vector<JobEventRow>> JobEventsAfter(int64_t after_seq, int limit) final {
    if (limit < 1 || limit > kMaxJobEventsRead) {
      return Status::InvalidArgument("job events: limit must be 1.." +
                                     std::to_string(kMaxJobEventsRead));
    }
    return self().template Read<std::vector<JobEventRow>>(
        [&](auto& c) { return Statements(c).JobEventRowsAfter(after_seq, limit); });
  }
  Result<int64_t> JobEventsLastSeq() final {
    return self().template Read<int64_t>([](auto& c) { return Statements(c).JobEventsMaxSeq(); });
  }
  Result<std::vector<JobProgressRow>> JobRunningProgress(int limit) final {
    if (limit < 1 || limit > kMaxProgressRead) {
      return Status::InvalidArgument("running progress: limit must be 1.." +
                                     std::to_string(kMaxProgressRead));
    }
    return self().template Read<std::vector<JobProgressRow>>(
        [&](auto& c) { return Statements(c).JobRunningProgressRows(limit); });
  }

  Result<std::vector<Job>> JobClaim(const JobClaimParams& p) final {
    std::optional<TimeMs> held;
    auto out = self().template Write<std::vector<Job>>(
        [&](auto& c) { return store_ops::JobClaim(Statements(c), p, planner_, held); },
        std::max(1, p.max), CommitSync::kDeferred);
    held_until_.store(out.ok() && held ? *held : kNotHeld, std::memory_order_relaxed);
    return out;
  }
  std::optional<TimeMs> JobClaimHeldUntil() const final {
    const TimeMs t = held_until_.load(std::memory_order_relaxed);
    return t == kNotHeld ? std::nullopt : std::optional<TimeMs>(t);
  }
  Result<std::vector<Status>> JobCompleteMany(const JobCompleteManyParams& p) final {
    return RunWrite(store_ops::JobCompleteMany<Statements>, p,
                    std::max<int>(1, static_cast<int>(p.completions.size())),
                    CommitSync::kDeferred);
  }
  Result<Job> JobFail(const JobFailParams& p) final {
    return RunWrite(store_ops::JobFail<Statements>, p);
  }
  Result<HeartbeatOutcome> JobHeartbeat(const JobHeartbeatParams& p) final {
    return RunWrite(store_ops::JobHeartbeat<Statements>, p, 1, CommitSync::kDeferred);
  }
  Result<Job> JobCancel(const JobCancelParams& p) final {
    return RunWrite(store_ops::JobCancel<Statements>, p);
  }
  Result<Job> JobCancelAck(const JobCancelAckParams& p) final {
    return RunWrite(store_ops::JobCancelAck<Statements>, p);
  }
  Result<Job> JobRetry(const JobRetryParams& p) final {
    return RunWrite(store_ops::JobRetry<Statements>, p);
  }

  Result<std::vector<QueueSettings>> QueueList() final {
    return self().template Read<std::vector<QueueSettings>>(
        [&](auto& c) { return store_ops::QueueList(Statements(c)); });
  }
  Result<QueueSettings> QueuePatch(const QueuePatchParams& p) final {
    return RunWrite(store_ops::QueuePatch<Statements>, p);
  }
  Result<std::vector<QueueStats>> QueueStatsGet(TimeMs now) final {
    return self().template Read<std::vector<QueueStats>>(
        [&](auto& c) { return Statements(c).QueueStatsRows(now); });
  }
  Result<std::vector<RateLimitRow>> RateLimitList() final {
    return self().template Read<std::vector<RateLimitRow>>(
        [&](auto& c) { return Statements(c).RateLimitsRead(); });
  }
  Status RateLimitSet(const RateLimitSetParams& p) final {
    Result<bool> r = self().template Write<bool>(
        [&](auto& c) -> Result<bool> {
          Status s = store_ops::RateLimitSet(Statements(c), p);
          if (!s.ok()) return s;
          return true;
        },
        1);
    return r.status();
  }

 private:
  static constexpr TimeMs kNotHeld = -1;
  // Shares claims among queues by weight; per store instance, so per node.
  ClaimPlanner planner_;
  std::atomic<TimeMs> held_until_{kNotHeld};

  // Runs the shared operation `op` on one of Derived's connections, wrapped in its statements.
  template <class T, class P>
  Result<T> RunRead(Result<T> (*op)(Statements, const P&), const P& p) {
    return self().template Read<T>([&](auto& c) { return op(Statements(c), p); });
  }
  template <class T, class P>
  Result<T> RunWrite(Result<T> (*op)(Statements, const P&), const P& p, int weight = 1,
                     CommitSync sync = CommitSync::kDurable) {
    return self().template Write<T>([&](auto& c) { return op(Statements(c), p); }, weight, sync);
  }
  Derived& self() { return static_cast<Derived&>(*this); }
};

}  // namespace conveyor
