// report.generate: a report on the jobs created in a period — counts by state, type and queue,
// run-time (finished − started) and wait (started − created) percentiles, the most frequent
// failure reasons — written as two artifacts, report.json and report.csv. It reads jobs, so it
// is registered by whoever owns the store (`conveyor serve`).
//
// Payload: {"since": RFC 3339 (default: `until` − 24 h), "until": RFC 3339 (default: now),
//           "format": "json" (default) | "csv" — which file result_ref names; both are written}.
// Result:  {"jobs": N, "since", "until", "by_state": {...}, "duration_ms": {"count", "p50",
//           "p90", "p99", "max"}, "wait_ms": {...}, "artifact": "report.json",
//           "artifacts": ["report.json", "report.csv"]}.
// The scan pages through JobReader::JobList newest first and stops after the first page that lies
// wholly before `since`, so its cost is the period's jobs (plus a page), not the table's.
// Cancellable between pages.
//
// It is given a JobReader, not the whole Store: a report reads jobs, never writes one.
// Thread-safety: holds references to a thread-safe JobReader (the Store) and Clock; Run() may be
// called from many threads at once.
#pragma once

#include <string_view>

#include "core/clock.h"
#include "handlers/handler.h"
#include "handlers/handler_registry.h"
#include "store/store.h"

namespace conveyor {

class ReportHandler final : public Handler {
 public:
  ReportHandler(JobReader& jobs, const Clock& clock) : jobs_(jobs), clock_(clock) {}

  std::string_view type() const override { return "report.generate"; }
  Status ValidatePayload(const boost::json::value& payload) const override;
  std::string_view PayloadSchema() const override;
  Result<std::string> Run(JobContext& ctx) override;

 private:
  JobReader& jobs_;
  const Clock& clock_;
};

// Registers report.generate and the seeds' names for it, generate_report_job (seed 003) and
// generate_report (seed 002), as aliases. InvalidArgument when `registry` already serves one.
Status RegisterReportHandler(HandlerRegistry& registry, JobReader& jobs, const Clock& clock);

}  // namespace conveyor
