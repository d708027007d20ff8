#include "runtime/schedule/schedule_service.h"

#include <utility>

#include "runtime/schedule/zoned_cron.h"
#include "runtime/submit_validator.h"

namespace conveyor {
namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// The next tick after `now`, or the ZonedCron error (its message names cron or timezone).
Result<std::optional<TimeMs>> NextTick(const std::string& cron, const std::string& tz, TimeMs now) {
  Result<ZonedCron> z = ZonedCron::Make(cron, tz);
  if (!z.ok()) return z.status();
  return z->NextAfter(now);
}

Status NotAllowed(std::string_view field, std::string_view why) {
  return Status::InvalidArgument("job." + std::string(field) +
                                 " is not allowed in a schedule's job: " + std::string(why));
}

}  // namespace

ScheduleService::ScheduleService(Store& store, const Clock& clock, const TypeCatalog& types)
    : store_(store), clock_(clock), types_(types) {}

Status ScheduleService::ValidateName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= kMaxScheduleNameLength;
  for (char c : name) ok = ok && IsNameChar(c);
  if (ok) return Status::Ok();
  return Status::InvalidArgument("name must be 1 to " + std::to_string(kMaxScheduleNameLength) +
                                 " characters, each a letter, digit, '.', '_' or '-'");
}

Status ScheduleService::ValidateCatchUp(std::string_view catch_up) {
  if (catch_up == "latest" || catch_up == "none") return Status::Ok();
  return Status::InvalidArgument(
      "catch_up must be \"latest\" (after downtime the most recent missed tick fires once) or "
      "\"none\" (missed ticks do not fire)");
}

Status ScheduleService::ValidateJob(const JobSpec& spec, TimeMs now) const {
  if (spec.run_at) return NotAllowed("run_at", "each tick's job runs at the tick");
  if (spec.expires_at) return NotAllowed("expires_at", "an absolute expiry ends every tick");
  if (spec.idempotency_key) {
    return NotAllowed("idempotency_key", "each tick's key is schedule:<name>:<tick>");
  }
  if (!spec.depends_on.empty()) return NotAllowed("depends_on", "ticks cannot wait on one job");
  return ValidateSubmitSpec(spec, types_, now, "job.");
}

std::string ScheduleService::TickKey(const std::string& name, TimeMs tick) {
  return "schedule:" + name + ":" + std::to_string(tick);
}

Result<Schedule> ScheduleService::Create(const ScheduleDraft& d) {
  const TimeMs now = clock_.NowMs();
  if (Status s = ValidateName(d.name); !s.ok()) return s;
  if (Status s = ValidateCatchUp(d.catch_up); !s.ok()) return s;
  Result<std::optional<TimeMs>> next = NextTick(d.cron, d.timezone, now);
  if (!next.ok()) return next.status();
  if (Status s = ValidateJob(d.job.spec, now); !s.ok()) return s;
  Schedule s{.name = d.name,
             .cron = d.cron,
             .timezone = d.timezone,
             .job = d.job.json,
             .paused = d.paused,
             .next_run_at = *next,
             .catch_up = d.catch_up,
             .created_at = now,
             .updated_at = now};
  return store_.ScheduleUpsert({.schedule = std::move(s)});
}

Result<Schedule> ScheduleService::Update(const std::string& name, const ScheduleChanges& c) {
  const TimeMs now = clock_.NowMs();
  Result<Schedule> current = store_.ScheduleGet(name);
  if (!current.ok()) return current.status();
  Schedule s = *std::move(current);
  const bool resumed = s.paused && c.paused == false;
  if (c.cron) s.cron = *c.cron;
  if (c.timezone) s.timezone = *c.timezone;
  if (c.paused) s.paused = *c.paused;
  if (c.catch_up) {
    if (Status st = ValidateCatchUp(*c.catch_up); !st.ok()) return st;
    s.catch_up = *c.catch_up;
  }
  Result<std::optional<TimeMs>> next = NextTick(s.cron, s.timezone, now);
  if (!next.ok()) return next.status();
  if (c.job) {
    if (Status st = ValidateJob(c.job->spec, now); !st.ok()) return st;
    s.job = c.job->json;
  }
  // A new expression or zone, or a resume, counts from now; otherwise the pending tick stays.
  if (c.cron || c.timezone || resumed) s.next_run_at = *next;
  s.updated_at = std::max(now, s.updated_at + 1);  // a new value, so a stale advance misses
  return store_.ScheduleUpsert(
      {.schedule = std::move(s), .mode = ScheduleUpsertParams::Mode::kReplace});
}

Result<Schedule> ScheduleService::Get(const std::string& name) {
  if (Status s = ValidateName(name); !s.ok()) return Status::NotFound("no schedule named that");
  return store_.ScheduleGet(name);
}

Result<std::vector<Schedule>> ScheduleService::List(const ScheduleListParams& p) {
  if (p.limit < 1 || p.limit > 1000) {
    return Status::InvalidArgument("limit must be between 1 and 1000");
  }
  return store_.ScheduleList(p);
}

Status ScheduleService::Delete(const std::string& name) {
  if (Status s = ValidateName(name); !s.ok()) return Status::NotFound("no schedule named that");
  return store_.ScheduleDelete(name);
}

Result<std::vector<TimeMs>> ScheduleService::Preview(const Schedule& s, TimeMs after, int count) {
  Result<ZonedCron> z = ZonedCron::Make(s.cron, s.timezone);
  if (!z.ok()) return z.status();
  std::vector<TimeMs> out;
  for (int i = 0; i < std::min(count, kMaxSchedulePreview); ++i) {
    std::optional<TimeMs> t = z->NextAfter(after);
    if (!t) break;
    out.push_back(*t);
    after = *t;
  }
  return out;
}

}  // namespace conveyor
