// Schedules on SQLite: the SQL and the operations (contracts in store.h).
#include "store/sqlite/sqlite_schedules.h"

#include "store/store_schedule_rows.h"

namespace conveyor::sqlite_ops {
namespace {

// Inserts unless the name exists or the table is full: no row back then, and the caller tells
// which (one writer, so the count cannot move between the two statements).
constexpr const char* kInsert =
    "INSERT INTO schedules (" CONVEYOR_SCHEDULE_COLUMNS
    ")"
    " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?11 WHERE (SELECT count(*) FROM schedules) < ?10"
    " ON CONFLICT (name) DO NOTHING RETURNING " CONVEYOR_SCHEDULE_COLUMNS;
constexpr const char* kReplace =
    "UPDATE schedules SET cron = ?2, timezone = ?3, job = ?4, paused = ?5, next_run_at = ?6,"
    " updated_at = ?9, catch_up = ?11 WHERE name = ?1 RETURNING " CONVEYOR_SCHEDULE_COLUMNS;
constexpr const char* kExists = "SELECT count(*) FROM schedules WHERE name = ?1";
constexpr const char* kGet = "SELECT " CONVEYOR_SCHEDULE_COLUMNS " FROM schedules WHERE name = ?1";
constexpr const char* kList =
    "SELECT " CONVEYOR_SCHEDULE_COLUMNS " FROM schedules WHERE name > ?1 ORDER BY name LIMIT ?2";
constexpr const char* kDelete = "DELETE FROM schedules WHERE name = ?1";
constexpr const char* kListDue =
    "SELECT " CONVEYOR_SCHEDULE_COLUMNS
    " FROM schedules"
    " WHERE paused = 0 AND next_run_at <= ?1 ORDER BY next_run_at LIMIT ?2";
constexpr const char* kAdvance =
    "UPDATE schedules SET next_run_at = ?2, last_run_at = ?3"
    " WHERE name = ?1 AND next_run_at = ?4 AND updated_at = ?5";
constexpr const char* kNextRunAt =
    "SELECT min(next_run_at) FROM schedules WHERE paused = 0 AND next_run_at IS NOT NULL";

#undef CONVEYOR_SCHEDULE_COLUMNS

// Runs a prepared statement and reads every row as a schedule.
Result<std::vector<Schedule>> Rows(SqliteStatement& st) {
  std::vector<Schedule> out;
  Status s =
      st.ForEachRow([&](const SqliteStatement& row) { out.push_back(ReadScheduleRow(row)); });
  if (!s.ok()) return s;
  return out;
}

Result<std::optional<Schedule>> WriteRow(SqliteConnection& c, const ScheduleUpsertParams& p) {
  const Schedule& s = p.schedule;
  auto st = c.Prepare(p.mode == ScheduleUpsertParams::Mode::kCreate ? kInsert : kReplace);
  if (!st.ok()) return st.status();
  st->BindText(1, s.name);
  st->BindText(2, s.cron);
  st->BindText(3, s.timezone);
  st->BindText(4, s.job);
  st->BindInt(5, s.paused ? 1 : 0);
  st->BindOptInt(6, s.next_run_at);
  st->BindOptInt(7, s.last_run_at);
  st->BindInt(8, s.created_at);
  st->BindInt(9, s.updated_at);
  st->BindInt(10, p.max_schedules);
  st->BindText(11, s.catch_up);
  Result<std::vector<Schedule>> rows = Rows(*st);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<Schedule>();
  return std::optional<Schedule>(std::move(rows->front()));
}

}  // namespace

Result<Schedule> ScheduleUpsert(SqliteConnection& c, const ScheduleUpsertParams& p) {
  Result<std::optional<Schedule>> row = WriteRow(c, p);
  if (!row.ok()) return row.status();
  if (row->has_value()) return **row;
  if (p.mode == ScheduleUpsertParams::Mode::kReplace) return ScheduleNotFound(p.schedule.name);
  auto st = c.Prepare(kExists);
  if (!st.ok()) return st.status();
  st->BindText(1, p.schedule.name);
  Result<bool> has = st->Step();
  if (!has.ok()) return has.status();
  if (*has && st->Int(0) > 0) return ScheduleExists(p.schedule.name);
  return ScheduleLimitReached(p.max_schedules);
}

Result<Schedule> ScheduleGet(SqliteConnection& c, const std::string& name) {
  auto st = c.Prepare(kGet);
  if (!st.ok()) return st.status();
  st->BindText(1, name);
  Result<std::vector<Schedule>> rows = Rows(*st);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return ScheduleNotFound(name);
  return std::move(rows->front());
}

Result<std::vector<Schedule>> ScheduleList(SqliteConnection& c, const ScheduleListParams& p) {
  const std::string after = p.after.value_or("");  // bound without a copy: outlives `st`
  auto st = c.Prepare(kList);
  if (!st.ok()) return st.status();
  st->BindText(1, after);
  st->BindInt(2, p.limit);
  return Rows(*st);
}

Status ScheduleDelete(SqliteConnection& c, const std::string& name) {
  auto st = c.Prepare(kDelete);
  if (!st.ok()) return st.status();
  st->BindText(1, name);
  if (Status s = st->Run(); !s.ok()) return s;
  return sqlite3_changes(c.db()) > 0 ? Status::Ok() : ScheduleNotFound(name);
}

Result<std::vector<Schedule>> ScheduleListDue(SqliteConnection& c, const ScheduleListDueParams& p) {
  auto st = c.Prepare(kListDue);
  if (!st.ok()) return st.status();
  st->BindInt(1, p.now);
  st->BindInt(2, p.limit);
  return Rows(*st);
}

Result<bool> ScheduleAdvance(SqliteConnection& c, const ScheduleAdvanceParams& p) {
  auto st = c.Prepare(kAdvance);
  if (!st.ok()) return st.status();
  st->BindText(1, p.name);
  st->BindOptInt(2, p.next_run_at);
  st->BindOptInt(3, p.last_run_at);
  st->BindInt(4, p.expected_next_run_at);
  st->BindInt(5, p.expected_updated_at);
  if (Status s = st->Run(); !s.ok()) return s;
  return sqlite3_changes(c.db()) > 0;
}

Result<std::optional<TimeMs>> ScheduleNextRunAt(SqliteConnection& c) {
  return c.QueryOptInt(kNextRunAt);
}

}  // namespace conveyor::sqlite_ops
