// StoreOnStatements: the Store methods whose logic both backends share (store_job_ops.h),
// implemented once over a backend's job statements, so SqliteStore and PostgresStore write only
// how they run an operation and the methods whose logic is their own:
//
//   class SqliteStore final : public StoreOnStatements<SqliteStore, SqliteJobStatements> { ... };
//
// `Derived` runs an operation on one of its connections (befriend this base to keep them private):
//   template <class T> Result<T> Read(fn);               // fn(Connection&) -> Result<T>
//   template <class T> Result<T> Write(fn, int weight);  // inside a write transaction; weight:
//                                                       // about how many rows it writes
// `Statements` is constructible from that connection (the `Db` of store_job_ops.h).
// Static dispatch (CRTP): no virtual call beyond the Store seam's own.
//
// Thread-safety: that of Derived (every Store method may be called from any thread).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "store/store.h"
#include "store/store_job_ops.h"

namespace conveyor {

template <class Derived, class Statements>
class StoreOnStatements : public Store {
 public:
  Result<Job> JobGet(const std::string& id) final {
    return self().template Read<Job>([&](auto& c) { return store_ops::JobGet(Statements(c), id); });
  }
  Result<JobPage> JobList(const JobListParams& p) final {
    return self().template Read<JobPage>(
        [&](auto& c) { return store_ops::JobList(Statements(c), p); });
  }
  Result<std::vector<JobEvent>> JobEventList(const std::string& id) final {
    return self().template Read<std::vector<JobEvent>>(
        [&](auto& c) { return store_ops::JobEventList(Statements(c), id); });
  }

  Result<std::vector<Job>> JobClaim(const JobClaimParams& p) final {
    return self().template Write<std::vector<Job>>(
        [&](auto& c) { return store_ops::JobClaim(Statements(c), p); }, std::max(1, p.max));
  }
  Result<std::vector<Status>> JobCompleteMany(const JobCompleteManyParams& p) final {
    return self().template Write<std::vector<Status>>(
        [&](auto& c) { return store_ops::JobCompleteMany(Statements(c), p); },
        std::max<int>(1, static_cast<int>(p.completions.size())));
  }
  Result<Job> JobFail(const JobFailParams& p) final {
    return self().template Write<Job>([&](auto& c) { return store_ops::JobFail(Statements(c), p); },
                                      1);
  }
  Result<HeartbeatOutcome> JobHeartbeat(const JobHeartbeatParams& p) final {
    return self().template Write<HeartbeatOutcome>(
        [&](auto& c) { return store_ops::JobHeartbeat(Statements(c), p); }, 1);
  }
  Result<Job> JobCancel(const JobCancelParams& p) final {
    return self().template Write<Job>(
        [&](auto& c) { return store_ops::JobCancel(Statements(c), p); }, 1);
  }
  Result<Job> JobCancelAck(const JobCancelAckParams& p) final {
    return self().template Write<Job>(
        [&](auto& c) { return store_ops::JobCancelAck(Statements(c), p); }, 1);
  }
  Result<Job> JobRetry(const JobRetryParams& p) final {
    return self().template Write<Job>(
        [&](auto& c) { return store_ops::JobRetry(Statements(c), p); }, 1);
  }

 private:
  Derived& self() { return static_cast<Derived&>(*this); }
};

}  // namespace conveyor
