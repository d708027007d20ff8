#include "observability/job_transition.h"

#include <array>
#include <atomic>
#include <new>
#include <string>

#include "core/clock.h"
#include "core/secret_redaction.h"
#include "core/trace_context.h"
#include "observability/job_history.h"
#include "observability/log.h"
#include "observability/metrics.h"

namespace conveyor::observability {
namespace {

// The log's event names; JobEventName is the part after "job.".
constexpr std::array<std::string_view, 7> kEvents = {
    "job.submitted", "job.started",   "job.retrying", "job.succeeded",
    "job.failed",    "job.cancelled", "job.expired"};
constexpr size_t kEventPrefix = 4;  // "job."
// An attempt's error is kept in full on the job; the log line carries its start.
constexpr size_t kMaxErrorBytes = 300;
// Redacted before it is cut (a cut URL could hide its password from the redaction), but only
// this much of it: a long handler error costs no more than its start.
constexpr size_t kMaxRedactedBytes = 4096;

std::atomic<TransitionListener> g_listener{nullptr};

std::string_view EventOf(JobEventKind kind) { return kEvents[static_cast<size_t>(kind)]; }

// The first kMaxErrorBytes of the redacted error, cut on a UTF-8 character boundary, "…" after.
std::string ShortError(std::string_view error) {
  std::string text = RedactSecrets(error.substr(0, kMaxRedactedBytes));
  if (text.size() <= kMaxErrorBytes) return text;
  size_t cut = kMaxErrorBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text += "\u2026";
}

log::Line LineOf(const JobTransition& t) {
  const Job& job = t.job;
  log::Line line(EventOf(t.kind), 320);
  line.Str("job_id", job.id).Str("type", job.type).Str("queue", job.queue);
  line.Int("attempt", job.attempt);
  if (job.current_step && !job.current_step->empty()) line.Str("step", *job.current_step);
  if (job.correlation_id && !job.correlation_id->empty()) {
    line.Str("correlation_id", *job.correlation_id);
  }
  if (!job.tenant.empty()) line.Str("tenant", job.tenant);
  const std::string traceparent = JobTraceParent(job.traceparent, job.id);
  if (const std::string_view trace_id = TraceIdOf(traceparent); !trace_id.empty()) {
    line.Str("trace_id", trace_id);
  }
  if (t.wait_seconds) line.Seconds("wait_s", *t.wait_seconds);
  if (t.run_seconds) line.Seconds("duration_s", *t.run_seconds);
  if ((t.kind == JobEventKind::kRetrying || t.kind == JobEventKind::kFailed) &&
      !t.error.empty()) {
    line.Str("error", ShortError(t.error));
  }
  return line;
}

}  // namespace

std::string_view JobEventName(JobEventKind kind) { return EventOf(kind).substr(kEventPrefix); }

void Publish(const JobTransition& transition) {
  try {
    if (log::Enabled(log::Level::kInfo)) log::Write(log::Level::kInfo, LineOf(transition));
  } catch (const std::bad_alloc&) {
    // The transition is committed already; a line we have no memory to build is not worth
    // failing the caller over.
  }
  metrics::RecordJobTransition(transition);
  JobHistory::Global().Count(transition.kind, SystemClock::Default()->NowMs());
  if (TransitionListener listener = g_listener.load(std::memory_order_acquire)) listener();
}

void SetTransitionListener(TransitionListener listener) {
  g_listener.store(listener, std::memory_order_release);
}

}  // namespace conveyor::observability
