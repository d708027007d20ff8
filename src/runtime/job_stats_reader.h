// JobStatsReader: the statistics behind GET /admin/stats, read one at a time. The read scans every
// job (JobReader::JobStatsGet: seconds per million jobs on SQLite), so it runs where blocking is
// allowed (`run`, e.g. ExternalLeases::Post), and requests never multiply it: callers that arrive
// while a read runs wait for the next one, which answers all of them. However many clients poll,
// at most one read runs and every answer is at least as new as its request (a caller sees the jobs
// it submitted before asking).
//
// Every caller gets exactly one answer: `done` runs once, on the thread that ran the read.
// Thread-safe; must outlive the reads it started.
#pragma once

#include <functional>
#include <mutex>
#include <vector>

#include "core/status.h"
#include "store/store.h"

namespace conveyor {

class JobStatsReader {
 public:
  using Answer = Result<JobStats>;
  using Done = std::function<void(Answer)>;
  // Runs a task on a thread that may block on the store.
  using Runner = std::function<void(std::function<void()>)>;

  JobStatsReader(JobReader& reader, Runner run);

  void Read(Done done);

 private:
  void RunReads();

  JobReader& reader_;
  const Runner run_;
  std::mutex mu_;
  bool reading_ = false;       // GUARDED_BY(mu_): a RunReads task is posted or running
  std::vector<Done> waiting_;  // GUARDED_BY(mu_): callers for the next read
};

}  // namespace conveyor
