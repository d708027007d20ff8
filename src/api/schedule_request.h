// Schedule requests: the JSON of POST and PATCH /schedules turned into a ScheduleDraft or
// ScheduleChanges, and the job template read the one way a submit is (NormalizeSpec, messages
// prefixed "job."). Only the JSON is judged here: the body's shape, each field's type, unknown
// fields (refused, so nothing is accepted and ignored) and the template's size; the values'
// rules (name, cron, zone, the template's submit rules) are runtime/schedule/schedule_service.h's.
// Pure; thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "api/problem.h"
#include "core/status.h"
#include "runtime/schedule/schedule_service.h"

namespace conveyor::api {

inline constexpr size_t kMaxScheduleJobBytes = 64 * 1024;

// POST /schedules: {name, cron, timezone?, job, paused?, catch_up?}.
std::optional<ApiError> ParseScheduleCreate(std::string_view body, ScheduleDraft* out);
// PATCH /schedules/{name}: any of {cron, timezone, job, paused, catch_up}; `name` may repeat
// the path's.
std::optional<ApiError> ParseScheduleChanges(std::string_view body, std::string_view name,
                                             ScheduleChanges* out);
// A stored template (JSON text) as a spec: the Scheduler's TemplateParser. InvalidArgument with
// the "job."-prefixed message when it no longer parses.
Result<JobSpec> ParseScheduleJob(std::string_view json);

}  // namespace conveyor::api
