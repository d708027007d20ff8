// Stats JSON: the body of GET /admin/stats, in the shape seed 002's dashboard reads —
// status_breakdown (in the request's dialect), total, type_breakdown, avg_attempts_for_failed_jobs,
// recent_failures — plus this node's worker counters. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "core/dialect.h"
#include "store/store.h"

namespace conveyor::api {

// This node's worker pool counters (zero without local workers).
struct WorkerStats {
  int64_t running = 0;
  int64_t completed = 0;
  int64_t failed_attempts = 0;
};

// status_breakdown has one key per word of `dialect`, 0 when no job has it; states that share a
// word are summed (the `completed` dialect's PENDING counts SCHEDULED, PENDING and RETRYING jobs).
// Conveyor's own dialect lists the eight states.
void AppendStatsJson(const JobStats& stats, const WorkerStats& workers, Dialect dialect,
                     std::string* out);

}  // namespace conveyor::api
