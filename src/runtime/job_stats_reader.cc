#include "runtime/job_stats_reader.h"

#include <algorithm>
#include <utility>

namespace conveyor {

JobStatsReader::JobStatsReader(JobReader& reader, const Clock& clock, Runner run, TimeMs reuse_ms)
    : reader_(reader), clock_(clock), run_(std::move(run)), reuse_ms_(reuse_ms) {}

void JobStatsReader::Read(Done done) {
  std::unique_lock<std::mutex> lock(mu_);
  if (last_ && clock_.NowMs() < last_until_) {
    JobStats reused = *last_;
    lock.unlock();
    done(std::move(reused));
    return;
  }
  waiting_.push_back(std::move(done));
  if (reading_) return;  // the read in flight answers this caller too
  reading_ = true;
  lock.unlock();
  run_([this] { RunRead(); });
}

void JobStatsReader::RunRead() {
  const TimeMs started = clock_.NowMs();
  Answer answer = reader_.JobStatsGet({});
  std::vector<Done> waiting;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const TimeMs now = clock_.NowMs();
    // An error is not reused: the next caller reads again.
    if (answer.ok()) {
      last_ = *answer;
      last_until_ = now + std::max(reuse_ms_, now - started);
    }
    waiting.swap(waiting_);
    reading_ = false;
  }
  for (Done& done : waiting) done(answer);
}

}  // namespace conveyor
