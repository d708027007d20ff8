// The schedule row reader both stores share. Each backend's schedule SELECTs list the columns in
// the order written here (sqlite_schedules.cc, pg_schedules.cc). Pure; thread-safe.
#pragma once

#include "store/store.h"

// The columns every schedule SELECT and RETURNING lists, in the order ReadScheduleRow reads.
#define CONVEYOR_SCHEDULE_COLUMNS \
  "name, cron, timezone, job, paused, next_run_at, last_run_at, created_at, updated_at, catch_up"

namespace conveyor {

// REQUIRES: the columns are CONVEYOR_SCHEDULE_COLUMNS.
template <class Row>
Schedule ReadScheduleRow(const Row& r) {
  return Schedule{.name = r.Text(0),
                  .cron = r.Text(1),
                  .timezone = r.Text(2),
                  .job = r.Text(3),
                  .paused = r.Int(4) != 0,
                  .next_run_at = r.OptInt(5),
                  .last_run_at = r.OptInt(6),
                  .catch_up = r.Text(9),
                  .created_at = r.Int(7),
                  .updated_at = r.Int(8)};
}

// The message of kCreate's Conflict and ResourceExhausted, the same on both stores.
inline Status ScheduleExists(const std::string& name) {
  return Status::Conflict("a schedule named \"" + name +
                          "\" already exists: PATCH /api/v1/schedules/" + name +
                          " changes it, DELETE removes it");
}
inline Status ScheduleLimitReached(int64_t max) {
  return Status::ResourceExhausted("the store holds the maximum of " + std::to_string(max) +
                                   " schedules: delete one first");
}
inline Status ScheduleNotFound(const std::string& name) {
  return Status::NotFound("no schedule named \"" + name + "\"");
}

}  // namespace conveyor
