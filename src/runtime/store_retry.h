// CallStoreWithRetry: the runtime's answer to a store that hiccups (disk full for a moment, a
// busy database). Transient errors (Unavailable, InsufficientStorage, Internal) are retried a few
// times with growing pauses; definitive answers (Conflict, NotFound, FailedPrecondition,
// InvalidArgument) return at once. If every try fails the caller gives up and the job's lease
// expires, so the rescuer returns it to the queue: at-least-once, never lost. Thread-safe
// (stateless).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <thread>

#include "core/status.h"
#include "observability/log.h"

namespace conveyor {

inline bool IsTransient(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kInsufficientStorage ||
         s.code() == StatusCode::kInternal;
}

inline const Status& StatusOf(const Status& s) { return s; }
template <class T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}

// `f` returns a Result<T> or a Status.
template <class F>
auto CallStoreWithRetry(std::string_view op, std::string_view job_id, F&& f) -> decltype(f()) {
  static constexpr int kPausesMs[] = {10, 50, 250, 1000};
  for (int pause_ms : kPausesMs) {
    auto r = f();
    if (r.ok() || !IsTransient(StatusOf(r))) return r;
    log::Warn("store.retrying",
              {{"op", op}, {"job_id", job_id}, {"error", StatusOf(r).ToString()}});
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
  }
  return f();
}

}  // namespace conveyor
