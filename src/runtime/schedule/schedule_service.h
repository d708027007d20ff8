// ScheduleService: what the API asks of Conveyor about cron schedules — create, read, list,
// change, delete — with every rule a schedule must keep before it is stored: its name, its cron
// (core/cron.h), its IANA time zone (zoned_cron.h) and its job template, judged exactly as a
// submit is (runtime/submit_validator.h) plus the template's own rules: no run_at, expires_at,
// idempotency_key or depends_on, since each tick sets its own time and key. The JSON of the
// template is the API's (api/schedule_request.h parses it, here and when the Scheduler fires).
// The next tick (next_run_at) is computed here on every change that moves it: create, a new cron
// or zone, resume (from now: a paused schedule does not catch up on its pause).
//
// Thread-safety: every method may be called from any thread (blocking store calls: callers keep
// them off I/O threads).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "runtime/job_spec.h"
#include "store/store.h"

namespace conveyor {

class TypeCatalog;

inline constexpr size_t kMaxScheduleNameLength = 128;
inline constexpr int kMaxSchedulePreview = 100;

// A job template: its JSON text (stored, re-parsed at every tick) and what it parsed to.
struct ScheduleJob {
  std::string json;
  JobSpec spec;
};

struct ScheduleDraft {
  std::string name;
  std::string cron;
  std::string timezone = "UTC";
  ScheduleJob job;
  bool paused = false;
  std::string catch_up = "latest";  // or "none" (Schedule::catch_up)
};

// PATCH: only the fields present change.
struct ScheduleChanges {
  std::optional<std::string> cron;
  std::optional<std::string> timezone;
  std::optional<ScheduleJob> job;
  std::optional<bool> paused;
  std::optional<std::string> catch_up;
};

class ScheduleService {
 public:
  // `types` judges the template's type as a submit would; both must outlive the service.
  ScheduleService(Store& store, const Clock& clock, const TypeCatalog& types);

  // InvalidArgument naming the field (name, cron, timezone, job.<field>); Conflict for a name
  // in use; ResourceExhausted past kMaxSchedules.
  Result<Schedule> Create(const ScheduleDraft& draft);
  Result<Schedule> Update(const std::string& name, const ScheduleChanges& changes);
  Result<Schedule> Get(const std::string& name);
  // InvalidArgument for a limit outside 1..1000.
  Result<std::vector<Schedule>> List(const ScheduleListParams& params);
  Status Delete(const std::string& name);

  // The next `count` ticks after `after` (fewer when the expression stops firing).
  static Result<std::vector<TimeMs>> Preview(const Schedule& schedule, TimeMs after, int count);
  // InvalidArgument naming `name` unless it is 1..128 of [A-Za-z0-9._-].
  static Status ValidateName(std::string_view name);
  // InvalidArgument naming `catch_up` unless it is "latest" or "none".
  static Status ValidateCatchUp(std::string_view catch_up);
  // The template's own rules and the submit rules, messages starting "job.".
  Status ValidateJob(const JobSpec& spec, TimeMs now) const;
  // The idempotency key of one tick's job: "schedule:<name>:<tick ms>".
  static std::string TickKey(const std::string& name, TimeMs tick);

 private:
  Store& store_;
  const Clock& clock_;
  const TypeCatalog& types_;
};

}  // namespace conveyor
