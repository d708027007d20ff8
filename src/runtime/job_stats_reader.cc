#include "runtime/job_stats_reader.h"

#include <utility>

namespace conveyor {

JobStatsReader::JobStatsReader(JobReader& reader, Runner run)
    : reader_(reader), run_(std::move(run)) {}

void JobStatsReader::Read(Done done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    waiting_.push_back(std::move(done));
    if (reading_) return;  // the running task reads again for this caller
    reading_ = true;
  }
  run_([this] { RunReads(); });
}

// One read per round for every caller waiting when it starts; rounds go on while callers arrive.
void JobStatsReader::RunReads() {
  for (;;) {
    std::vector<Done> callers;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (waiting_.empty()) {
        reading_ = false;
        return;
      }
      callers.swap(waiting_);
    }
    const Answer answer = reader_.JobStatsGet({});
    for (Done& done : callers) done(answer);
  }
}

}  // namespace conveyor
