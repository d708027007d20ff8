// JobReportStats: what report.generate accumulates over the jobs of a period — counts by state,
// type and queue, run and wait times for percentiles, failure reasons — and its JSON and CSV
// forms.
//
// report.json: {"since", "until", "generated_at" (RFC 3339), "jobs": N,
//   "by_state": {"SUCCEEDED": 12, ...}, "by_type": {...}, "by_queue": {...},
//   "duration_ms": {"count": n, "p50": x, "p90": x, "p99": x, "max": x}, "wait_ms": {...},
//   "top_failures": [{"error": "...", "count": n}, ...]}   (FAILED jobs' errors, most first)
// report.csv: "section,key,value" rows — summary/jobs, state/<STATE>, type/<type>,
//   queue/<queue>, duration_ms/p50…, wait_ms/p50…, failure/<error> with the count as value.
// Percentiles are nearest-rank over every job in the period with both times set.
//
// Memory: 16 bytes per job for the times, up to kMaxFailureReasons distinct reasons (each cut
// to 200 bytes). Thread-safety: none; one per run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/job.h"

namespace conveyor {

inline constexpr size_t kMaxFailureReasons = 10000;
inline constexpr size_t kTopFailures = 10;

class JobReportStats {
 public:
  JobReportStats(TimeMs since, TimeMs until, TimeMs now) : since_(since), until_(until), now_(now) {}

  void Add(const Job& job);
  uint64_t jobs() const { return jobs_; }

  std::string ToJson() const;
  std::string ToCsv() const;
  // The result: jobs, since, until, by_state and the two percentile blocks.
  std::string SummaryJson(const std::vector<std::string>& artifacts) const;

  struct Percentiles {
    size_t count = 0;
    int64_t p50 = 0, p90 = 0, p99 = 0, max = 0;
  };
  // Nearest-rank percentiles of `values` (sorted in place).
  static Percentiles Compute(std::vector<int64_t>& values);

 private:
  std::vector<std::pair<std::string, uint64_t>> TopFailures() const;

  TimeMs since_, until_, now_;
  uint64_t jobs_ = 0;
  std::map<std::string, uint64_t> by_state_, by_type_, by_queue_;
  std::map<std::string, uint64_t> failures_;
  uint64_t other_failures_ = 0;  // reasons past kMaxFailureReasons
  mutable std::vector<int64_t> durations_, waits_;
};

}  // namespace conveyor
