// JobStatsReader: the statistics behind GET /admin/stats, read one at a time. The read scans every
// job (JobReader::JobStatsGet: about a second per million jobs on SQLite), so it runs where
// blocking is allowed (`run`, e.g. ExternalLeases::Post), and requests never multiply it: a caller
// arriving while a read runs gets that read's answer, and an answer is reused for a while after it
// (at least reuse_ms, and at least as long as its read took), so a client polling the route keeps
// the store at most half busy.
//
// Every caller gets exactly one answer: `done` runs once, on the thread that finished the read, or
// inline with a reused answer. Thread-safe; must outlive the reads it started.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "store/store.h"

namespace conveyor {

class JobStatsReader {
 public:
  using Answer = Result<JobStats>;
  using Done = std::function<void(Answer)>;
  // Runs a task on a thread that may block on the store.
  using Runner = std::function<void(std::function<void()>)>;

  JobStatsReader(JobReader& reader, const Clock& clock, Runner run, TimeMs reuse_ms = 1000);

  void Read(Done done);

 private:
  void RunRead();

  JobReader& reader_;
  const Clock& clock_;
  const Runner run_;
  const TimeMs reuse_ms_;
  std::mutex mu_;
  bool reading_ = false;          // GUARDED_BY(mu_)
  std::vector<Done> waiting_;     // GUARDED_BY(mu_)
  std::optional<JobStats> last_;  // GUARDED_BY(mu_)
  TimeMs last_until_ = 0;         // GUARDED_BY(mu_): last_ is answered until then
};

}  // namespace conveyor
