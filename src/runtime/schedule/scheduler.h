// Scheduler: the leader-only service that turns due cron ticks into jobs. Each pass lists the
// schedules whose next_run_at passed (Store::ScheduleListDue), and for each one:
//   1. picks the tick to fire — the catch-up rule: after downtime (or a slow pass) only the MOST
//      RECENT missed tick fires, once; older missed ticks are skipped. A schedule with catch_up
//      "none" fires no missed tick: when a later tick than the due one came round, or the due
//      one is more than kMissedAfter old, nothing fires and the schedule moves on;
//   2. submits ONE job from the template through JobService (validated like any submit) with
//      the idempotency key "schedule:<name>:<tick ms>": two nodes firing the same tick, or a
//      retry after a crash between this step and the next, find the same job, never a second;
//   3. advances next_run_at past now with a compare-and-set (Store::ScheduleAdvance): a node
//      that read the row before another advanced it, or before a client edited it, changes
//      nothing.
// A tick whose template no longer validates (a type nobody serves any more) is logged and
// skipped; a store that cannot take the job leaves the tick due for the next pass.
// Wake-ups: it sleeps until the earliest next_run_at (Store::ScheduleNextRunAt), at most
// kMaxWait, so a schedule created or resumed meanwhile (the API does not wake it) fires at most
// that late. Leadership: like the Expirer, each pass asks Store::LeaderTryAcquire().
// Lifecycle: PeriodicService's (Start/Stop idempotent; Stop before Start is fine).
// Thread-safety: Start/Stop from any thread; FireOnce from one thread at a time.
#pragma once

#include <chrono>
#include <functional>
#include <string_view>

#include "core/clock.h"
#include "runtime/job_service.h"
#include "runtime/maintenance/periodic_service.h"
#include "store/store.h"

namespace conveyor {

class Scheduler final : public PeriodicService {
 public:
  static constexpr std::chrono::milliseconds kMaxWait{500};
  // Under catch_up "none", a due tick this much older than the pass counts as missed
  // (downtime), not as late.
  static constexpr std::chrono::milliseconds kMissedAfter{60000};
  // Turns a stored job template (JSON text) into a spec: the API's parser
  // (api/schedule_request.h), given by the node so templates are read the one way a submit is.
  using TemplateParser = std::function<Result<JobSpec>(std::string_view json)>;

  // All must outlive the scheduler.
  Scheduler(Store& store, const Clock& clock, JobService& jobs, TemplateParser parse);
  ~Scheduler() override;

  // One pass regardless of leadership; returns how many new jobs it created. For tests.
  int FireOnce();

 private:
  void RunOnce() override;
  std::chrono::milliseconds NextWait() override;
  // Fires one due schedule (counts into created_ and advanced_).
  void Fire(const Schedule& s, TimeMs now);
  // Submits the tick's job; false when the tick must stay due (the store did not take it).
  bool SubmitTick(const Schedule& s, TimeMs tick);

  Store& store_;
  const Clock& clock_;
  JobService& jobs_;
  const TemplateParser parse_;
  int created_ = 0;            // new jobs of the last pass (scheduler thread only)
  int advanced_ = 0;           // schedules the last pass advanced (scheduler thread only)
  bool leader_ = false;        // the last pass's answer (scheduler thread only)
  bool leader_error_ = false;  // the store failed to answer last time (scheduler thread only)
};

}  // namespace conveyor
