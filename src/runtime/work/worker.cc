#include "runtime/work/worker.h"

#include <chrono>
#include <optional>
#include <utility>

#include "runtime/work/completion_committer.h"

namespace conveyor {

Worker::Worker(JobExecutor& executor, CompletionCommitter& committer, WorkerClaimer& claimer,
               std::function<void()> on_exit)
    : executor_(executor), committer_(committer), claimer_(claimer), on_exit_(std::move(on_exit)) {}

Worker::~Worker() { Join(); }

void Worker::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Worker::Join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::Loop() {
  std::optional<WorkerClaimer::Duration> last;
  while (std::shared_ptr<Attempt> attempt = claimer_.NextJob(last)) {
    const auto started = std::chrono::steady_clock::now();
    std::optional<JobCompletion> c = executor_.Run(*attempt);
    if (c) committer_.Add(std::move(attempt), std::move(*c));
    last = std::chrono::steady_clock::now() - started;
  }
  if (on_exit_) on_exit_();
}

}  // namespace conveyor
