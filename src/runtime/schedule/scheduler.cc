#include "runtime/schedule/scheduler.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "core/time_format.h"
#include "observability/log.h"
#include "runtime/schedule/schedule_service.h"
#include "runtime/schedule/zoned_cron.h"

namespace conveyor {
namespace {

constexpr int kDuePage = 100;
// After a pass that left a schedule due (the store refused its job), wait this long rather than
// spin on it.
constexpr std::chrono::milliseconds kRetryWait{100};

// Under catch_up "none", whether `tick` was missed rather than merely reached a little late:
// a later tick than the one due came round (a whole period passed unfired), or it is more than
// kMissedAfter old.
bool Missed(const Schedule& s, TimeMs tick, TimeMs now) {
  if (s.catch_up != "none") return false;
  return tick != s.next_run_at || now - tick > Scheduler::kMissedAfter.count();
}

}  // namespace

Scheduler::Scheduler(Store& store, const Clock& clock, JobService& jobs, TemplateParser parse)
    : PeriodicService(kMaxWait),
      store_(store),
      clock_(clock),
      jobs_(jobs),
      parse_(std::move(parse)) {}

Scheduler::~Scheduler() { Stop(); }

int Scheduler::FireOnce() {
  created_ = 0;
  advanced_ = 0;
  const TimeMs now = clock_.NowMs();
  Result<std::vector<Schedule>> due = store_.ScheduleListDue({.now = now, .limit = kDuePage});
  if (!due.ok()) {
    log::Warn("schedule.list_failed", {{"error", due.status().ToString()}});
    return 0;
  }
  // One page per pass: a full page means the next wake-up (NextWait: the earliest is due) is
  // at once, so hundreds of due schedules still drain without starving Stop().
  for (const Schedule& s : *due) Fire(s, now);
  return created_;
}

void Scheduler::Fire(const Schedule& s, TimeMs now) {
  Result<ZonedCron> z = ZonedCron::Make(s.cron, s.timezone);
  std::optional<TimeMs> tick;
  std::optional<TimeMs> next;
  if (z.ok()) {
    // next_run_at itself counts (the floor is exclusive); the latest tick up to now fires.
    tick = z->LatestBetween(s.next_run_at.value_or(now) - 1, now);
    next = z->NextAfter(std::max(now, tick.value_or(now)));
  } else {
    // Stored rules were valid when written; a zone the system no longer has stops the schedule.
    log::Error("schedule.invalid", {{"schedule", s.name}, {"error", z.status().ToString()}});
  }
  if (tick && Missed(s, *tick, now)) {
    log::Info("schedule.tick_missed",
              {{"schedule", s.name}, {"tick", FormatRfc3339(*tick)}, {"catch_up", "none"}});
    tick.reset();  // advance without firing; last_run_at stays the last tick that fired
  }
  if (tick && !SubmitTick(s, *tick)) return;
  Result<bool> advanced = store_.ScheduleAdvance({.name = s.name,
                                                  .expected_next_run_at = s.next_run_at.value_or(0),
                                                  .expected_updated_at = s.updated_at,
                                                  .next_run_at = next,
                                                  .last_run_at = tick ? tick : s.last_run_at});
  if (advanced.ok() && *advanced) ++advanced_;
  if (!advanced.ok()) {
    // The job (if any) is in: the next pass finds the same key and advances then.
    log::Warn("schedule.advance_failed",
              {{"schedule", s.name}, {"error", advanced.status().ToString()}});
  }
}

bool Scheduler::SubmitTick(const Schedule& s, TimeMs tick) {
  const std::string at = FormatRfc3339(tick);
  Result<JobSpec> spec = parse_(s.job);
  if (!spec.ok()) {
    log::Warn("schedule.tick_skipped",
              {{"schedule", s.name}, {"tick", at}, {"error", spec.status().ToString()}});
    return true;
  }
  spec->idempotency_key = ScheduleService::TickKey(s.name, tick);
  std::vector<JobSpec> specs;
  specs.push_back(*std::move(spec));
  Result<std::vector<InsertOutcome>> r = jobs_.Submit(std::move(specs));
  if (r.ok()) {
    const InsertOutcome& o = r->front();
    if (o.is_new) ++created_;
    log::Info("schedule.fired", {{"schedule", s.name},
                                 {"tick", at},
                                 {"job_id", o.job.id},
                                 {"new", o.is_new ? "true" : "false"}});
    return true;
  }
  const StatusCode code = r.status().code();
  if (code == StatusCode::kUnavailable || code == StatusCode::kInsufficientStorage ||
      code == StatusCode::kInternal) {
    log::Warn("schedule.tick_retry",
              {{"schedule", s.name}, {"tick", at}, {"error", r.status().ToString()}});
    return false;
  }
  // Conflict: the key exists with another request (the template changed after another node
  // fired this tick): the tick has its job. InvalidArgument: the template no longer validates.
  log::Warn("schedule.tick_skipped",
            {{"schedule", s.name}, {"tick", at}, {"error", r.status().ToString()}});
  return true;
}

void Scheduler::RunOnce() {
  Result<bool> r = store_.LeaderTryAcquire();
  if (!r.ok() && !leader_error_) {
    log::Warn("schedule.leadership_unknown",
              {{"error", r.status().ToString()}, {"action", "firing nothing until it answers"}});
  }
  leader_error_ = !r.ok();
  leader_ = r.ok() && *r;
  if (!leader_) return;
  // An idle leader costs one index probe per wake-up.
  Result<std::optional<TimeMs>> next = store_.ScheduleNextRunAt();
  if (next.ok() && (!next->has_value() || **next > clock_.NowMs())) return;
  FireOnce();
}

std::chrono::milliseconds Scheduler::NextWait() {
  if (!leader_) return kMaxWait;
  Result<std::optional<TimeMs>> next = store_.ScheduleNextRunAt();
  if (!next.ok() || !next->has_value()) return kMaxWait;
  // +1: next_run_at <= now is due, so waking exactly at it finds the schedule due.
  const TimeMs wait = **next - clock_.NowMs() + 1;
  if (wait <= 0) return advanced_ > 0 ? std::chrono::milliseconds(1) : kRetryWait;
  return std::chrono::milliseconds(std::min<TimeMs>(wait, kMaxWait.count()));
}

}  // namespace conveyor
