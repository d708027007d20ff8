// Schedules on PostgreSQL: the SQL and the operations (contracts in store.h).
#include "store/postgres/pg_schedules.h"

#include "store/store_schedule_rows.h"

namespace conveyor::pg_ops {
namespace {

// Inserts unless the name exists or the table is full: no row back then, and the caller tells
// which. Two nodes creating at once may each see room for one more: the limit bounds the table,
// it is not exact under concurrent creates.
constexpr const char* kInsert =
    "INSERT INTO schedules (" CONVEYOR_SCHEDULE_COLUMNS
    ")"
    " SELECT $1, $2, $3, $4, $5::boolean, $6::bigint, $7::bigint, $8::bigint, $9::bigint, $11"
    " WHERE (SELECT count(*) FROM schedules) < $10::bigint"
    " ON CONFLICT (name) DO NOTHING RETURNING " CONVEYOR_SCHEDULE_COLUMNS;
constexpr const char* kReplace =
    "UPDATE schedules SET cron = $2, timezone = $3, job = $4, paused = $5::boolean,"
    " next_run_at = $6::bigint, updated_at = $7::bigint, catch_up = $8 WHERE name = $1"
    " RETURNING " CONVEYOR_SCHEDULE_COLUMNS;
constexpr const char* kExists = "SELECT count(*) FROM schedules WHERE name = $1";
constexpr const char* kGet = "SELECT " CONVEYOR_SCHEDULE_COLUMNS " FROM schedules WHERE name = $1";
constexpr const char* kList = "SELECT " CONVEYOR_SCHEDULE_COLUMNS
                              " FROM schedules WHERE name COLLATE \"C\" > $1"
                              " ORDER BY name COLLATE \"C\" LIMIT $2::integer";
constexpr const char* kDelete = "DELETE FROM schedules WHERE name = $1 RETURNING name";
constexpr const char* kListDue =
    "SELECT " CONVEYOR_SCHEDULE_COLUMNS
    " FROM schedules"
    " WHERE NOT paused AND next_run_at <= $1::bigint ORDER BY next_run_at LIMIT $2::integer";
constexpr const char* kAdvance =
    "UPDATE schedules SET next_run_at = $2::bigint, last_run_at = $3::bigint"
    " WHERE name = $1 AND next_run_at = $4::bigint AND updated_at = $5::bigint RETURNING name";
constexpr const char* kNextRunAt =
    "SELECT min(next_run_at) FROM schedules WHERE NOT paused AND next_run_at IS NOT NULL";

#undef CONVEYOR_SCHEDULE_COLUMNS

PgParam PgBool(bool b) { return std::string(b ? "t" : "f"); }

Result<std::vector<Schedule>> Rows(Result<PgResult> r) {
  if (!r.ok()) return r.status();
  std::vector<Schedule> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(ReadScheduleRow(PgRow(*r, i)));
  return out;
}

Result<std::vector<Schedule>> WriteRow(PgConnection& c, const ScheduleUpsertParams& p) {
  const Schedule& s = p.schedule;
  if (p.mode == ScheduleUpsertParams::Mode::kReplace) {
    return Rows(c.Exec(kReplace, {s.name, s.cron, s.timezone, s.job, PgBool(s.paused),
                                  PgOptInt(s.next_run_at), PgInt(s.updated_at), s.catch_up}));
  }
  return Rows(
      c.Exec(kInsert, {s.name, s.cron, s.timezone, s.job, PgBool(s.paused), PgOptInt(s.next_run_at),
                       PgOptInt(s.last_run_at), PgInt(s.created_at), PgInt(s.updated_at),
                       PgInt(p.max_schedules), s.catch_up}));
}

}  // namespace

Result<Schedule> ScheduleUpsert(PgConnection& c, const ScheduleUpsertParams& p) {
  Result<std::vector<Schedule>> rows = WriteRow(c, p);
  if (!rows.ok()) return rows.status();
  if (!rows->empty()) return std::move(rows->front());
  if (p.mode == ScheduleUpsertParams::Mode::kReplace) return ScheduleNotFound(p.schedule.name);
  Result<PgResult> exists = c.Exec(kExists, {p.schedule.name});
  if (!exists.ok()) return exists.status();
  if (exists->Int(0, 0) > 0) return ScheduleExists(p.schedule.name);
  return ScheduleLimitReached(p.max_schedules);
}

Result<Schedule> ScheduleGet(PgConnection& c, const std::string& name) {
  Result<std::vector<Schedule>> rows = Rows(c.Exec(kGet, {name}));
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return ScheduleNotFound(name);
  return std::move(rows->front());
}

Result<std::vector<Schedule>> ScheduleList(PgConnection& c, const ScheduleListParams& p) {
  return Rows(c.Exec(kList, {p.after.value_or(""), PgInt(p.limit)}));
}

Result<bool> ScheduleDelete(PgConnection& c, const std::string& name) {
  Result<PgResult> r = c.Exec(kDelete, {name});
  if (!r.ok()) return r.status();
  return r->rows() > 0;
}

Result<std::vector<Schedule>> ScheduleListDue(PgConnection& c, const ScheduleListDueParams& p) {
  return Rows(c.Exec(kListDue, {PgInt(p.now), PgInt(p.limit)}));
}

Result<bool> ScheduleAdvance(PgConnection& c, const ScheduleAdvanceParams& p) {
  Result<PgResult> r =
      c.Exec(kAdvance, {p.name, PgOptInt(p.next_run_at), PgOptInt(p.last_run_at),
                        PgInt(p.expected_next_run_at), PgInt(p.expected_updated_at)});
  if (!r.ok()) return r.status();
  return r->rows() > 0;
}

Result<std::optional<TimeMs>> ScheduleNextRunAt(PgConnection& c) {
  Result<PgResult> r = c.Exec(kNextRunAt);
  if (!r.ok()) return r.status();
  return r->OptInt(0, 0);
}

}  // namespace conveyor::pg_ops
