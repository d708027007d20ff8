#include "runtime/job_transitions.h"

#include <algorithm>

namespace conveyor {

using observability::JobEventKind;
using observability::JobTransition;

namespace {

double Seconds(TimeMs ms) { return static_cast<double>(std::max<TimeMs>(ms, 0)) / 1000.0; }

}  // namespace

void PublishSubmitted(const std::vector<InsertOutcome>& outcomes) {
  for (const InsertOutcome& o : outcomes) {
    if (o.is_new) observability::Publish({.kind = JobEventKind::kSubmitted, .job = o.job});
  }
}

void PublishStarted(const std::vector<Job>& claimed) {
  for (const Job& job : claimed) {
    std::optional<double> wait;
    if (job.started_at) wait = Seconds(*job.started_at - std::max(job.created_at, job.run_at));
    observability::Publish({.kind = JobEventKind::kStarted, .job = job, .wait_seconds = wait});
  }
}

void PublishAttemptEnd(JobEventKind kind, const Job& job, std::optional<TimeMs> started_at,
                       TimeMs finished, std::string_view error) {
  std::optional<double> ran;
  if (started_at) ran = Seconds(finished - *started_at);
  observability::Publish({.kind = kind, .job = job, .run_seconds = ran, .error = error});
}

void PublishFailed(const Job& after, std::optional<TimeMs> started_at, TimeMs finished,
                   std::string_view error) {
  const JobEventKind kind =
      after.state == JobState::kRetrying ? JobEventKind::kRetrying : JobEventKind::kFailed;
  PublishAttemptEnd(kind, after, started_at, finished, error);
}

void PublishPlain(JobEventKind kind, const Job& job) {
  observability::Publish({.kind = kind, .job = job});
}

}  // namespace conveyor
