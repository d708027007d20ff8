#include "runtime/work/attempt.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <system_error>
#include <utility>

namespace conveyor {
namespace {

int64_t ToNs(Attempt::SteadyTime t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

Attempt::Attempt(Job job, SteadyTime claimed_at) : last_beat(claimed_at), job_(std::move(job)) {}

const std::string& Attempt::lease_token() const {
  static const std::string kNone;
  return job_.lease ? job_.lease->token : kNone;
}

void Attempt::ReportProgress(double percent, std::string message) {
  std::lock_guard<std::mutex> lock(mu_);
  // NaN has no place on 0..100 and would fail the store's CHECK: the message still goes out.
  if (!std::isnan(percent)) progress_.percent = std::clamp(percent, 0.0, 100.0);
  progress_.message = std::move(message);
  progress_dirty_.store(true, std::memory_order_release);
}

void Attempt::SetStep(std::string step) {
  std::lock_guard<std::mutex> lock(mu_);
  progress_.step = std::move(step);
  progress_dirty_.store(true, std::memory_order_release);
}

Result<std::string> Attempt::ArtifactDir() {
  if (artifact_root_.empty()) return JobContext::ArtifactDir();
  const std::string dir = (std::filesystem::path(artifact_root_) / job_.id).string();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  // Unavailable, not permanent: a full or read-only disk may be fixed before the next attempt.
  if (ec) return Status::Unavailable("cannot create artifact directory " + dir + ": " + ec.message());
  return dir;
}

std::optional<std::string> Attempt::result_ref() const {
  if (result_file_.empty()) return std::nullopt;
  return job_.id + "/" + result_file_;
}

void Attempt::MarkStarted(SteadyTime now) {
  const auto deadline = now + std::chrono::seconds(job_.timeout_s);
  // Never 0, which means "not started".
  deadline_ns_.store(std::max<int64_t>(1, ToNs(deadline)));
}

bool Attempt::PastDeadline(SteadyTime now) const {
  const int64_t d = deadline_ns_.load();
  return d != 0 && ToNs(now) >= d;
}

Attempt::Progress Attempt::TakeProgress() {
  std::lock_guard<std::mutex> lock(mu_);
  progress_dirty_.store(false, std::memory_order_release);
  return std::exchange(progress_, Progress{});
}

JobHeartbeatParams Attempt::TakeHeartbeat(TimeMs now, TimeMs lease_ms) {
  Progress progress = TakeProgress();
  return JobHeartbeatParams{.id = id(),
                            .lease_token = lease_token(),
                            .lease_expires_at = now + lease_ms,
                            .progress = progress.percent,
                            .message = std::move(progress.message),
                            .current_step = std::move(progress.step),
                            .now = now};
}

}  // namespace conveyor
