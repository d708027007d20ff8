// JobService: what the API and CLI ask of Conveyor — submit, read, cancel, retry. It turns
// client specs into stored jobs (ids, defaults, validation through the handler registry), and
// wakes the worker pool. No HTTP here, no SQL. Thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/job.h"
#include "core/status.h"
#include "runtime/runtime_config.h"
#include "store/store.h"

namespace conveyor {

class HandlerRegistry;
class WorkerPool;

// What a client asks for. Optional fields fall back to the job type's / the server's defaults.
struct JobSpec {
  std::string type;
  std::string queue = kDefaultQueue;
  boost::json::value payload = boost::json::object();
  int priority = kDefaultPriority;
  std::optional<int> max_attempts;
  std::optional<TimeMs> run_at;
  std::optional<TimeMs> expires_at;
  std::optional<int> timeout_s;
  std::optional<std::string> idempotency_key;
  std::optional<std::string> correlation_id;
  std::optional<std::string> webhook_url;
  std::vector<std::string> tags;
  std::vector<std::string> depends_on;
};

class JobService {
 public:
  // `pool` may be null (API-only node, or tests without workers).
  JobService(Store& store, const HandlerRegistry& handlers, const Clock& clock,
             RuntimeConfig config, WorkerPool* pool);

  // Validates every spec (InvalidArgument naming the job index and field) before storing any.
  // Calls `done` exactly once, possibly on another thread.
  void SubmitAsync(std::vector<JobSpec> specs,
                   std::function<void(Result<std::vector<InsertOutcome>>)> done);
  Result<std::vector<InsertOutcome>> Submit(std::vector<JobSpec> specs);

  // InvalidArgument for an id that is not a UUID; NotFound for an unknown one.
  Result<Job> Get(const std::string& id);
  Result<JobPage> List(const JobListParams& params);
  Result<std::vector<JobEvent>> Events(const std::string& id);
  Result<Job> Cancel(const std::string& id);
  Result<Job> Retry(const std::string& id);
  Status Ready();
  Result<std::map<JobState, int64_t>> Counts();

  // Turns one spec into a job ready to insert; exposed for tests.
  Result<Job> BuildJob(const JobSpec& spec, TimeMs now) const;

 private:
  Store& store_;
  const HandlerRegistry& handlers_;
  const Clock& clock_;
  RuntimeConfig config_;
  WorkerPool* pool_;
};

}  // namespace conveyor
