// Reading a phase's jobs back after its run (the scheduling phases judge each job by its own
// times): GET /api/v1/jobs pages of 1,000 by cursor, reduced to the times a phase needs, and
// the lateness figures they report. Throws BenchFailure on an unexpected answer. Main thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/suite/bench_context.h"
#include "bench/suite/bench_jobs.h"

namespace conveyor::bench {

struct JobTimes {
  std::string idempotency_key;  // empty: none
  std::string status;
  int64_t run_at_ms = 0;  // 0: absent
  int64_t created_at_ms = 0;
  int64_t started_at_ms = 0;
  int64_t finished_at_ms = 0;
  // The noop handler's own start ({"started_at_us": N} in its result), the instant the latency
  // phase also measures; 0 for other types or before it ran.
  int64_t handler_start_us = 0;

  // The handler's start when known, else the store's started_at (ms); 0 if it never started.
  int64_t StartUs() const;
};

// Every job matching `filter` (a query string such as "type=noop"), at most `max_jobs`.
std::vector<JobTimes> ListJobs(HttpClient& client, const std::string& filter, size_t max_jobs);

// Reports "<what> p50", "p99" and "max" of `lateness_us` (sorted in place), each beside
// `ceiling`; no target (the issue gives none).
void ReportLateness(BenchContext& ctx, const std::string& what, std::vector<int32_t>& lateness_us,
                    const std::string& ceiling);

// Sleeps `seconds`, waking every 100 ms to honour an interrupt.
void SleepInterruptibly(double seconds);

}  // namespace conveyor::bench
