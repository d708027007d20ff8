// Edits of the CHECKs migrations 1 and 2 wrote, which SQLite cannot ALTER. Each edit leaves the
// set of values a CHECK allows the same or wider, so every stored row keeps satisfying it, and
// SQLite's documented procedure for changes that leave the on-disk content as it is applies
// (https://sqlite.org/lang_altertable.html#otheralter): edit the table's CREATE text in
// sqlite_schema and bump schema_version, inside the migration's transaction, so every
// connection re-reads the schema. See migrations 6 and 14 in sqlite_schema.h for why not a
// rebuild.
#include <string>
#include <vector>

#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_schema.h"

namespace conveyor::sqlite_schema {
namespace {

// The end of the state list as migration 1 wrote it, and the same list with BLOCKED.
constexpr const char* kEditStateCheck =
    "UPDATE sqlite_schema SET sql = replace(sql, '''CANCELLED'',''EXPIRED'')',"
    " '''CANCELLED'',''EXPIRED'',''BLOCKED'')') WHERE type = 'table' AND name = 'jobs'";
constexpr const char* kCountBlockedCheck =
    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'jobs'"
    " AND sql LIKE '%''EXPIRED'',''BLOCKED'')%'";
constexpr const char* kTableSql =
    "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1";
constexpr const char* kSetTableSql =
    "UPDATE sqlite_schema SET sql = ?2 WHERE type = 'table' AND name = ?1";

// Runs `edit` with the schema writable, then bumps schema_version so every connection re-reads
// it. writable_schema is switched off whatever happened: it must not outlive the step.
template <typename Edit>
Status EditSchema(SqliteConnection& c, Edit edit) {
  Result<int64_t> version = c.QueryInt("PRAGMA schema_version");
  if (!version.ok()) return version.status();
  if (Status s = c.Exec("PRAGMA writable_schema = ON"); !s.ok()) return s;
  Status edited = edit();
  if (edited.ok()) edited = c.Exec("PRAGMA schema_version = " + std::to_string(*version + 1));
  Status off = c.Exec("PRAGMA writable_schema = OFF");
  if (!edited.ok()) return edited;
  return off;
}

// "CHECK (col IN ('a','b', 'c'))" in `sql` becomes "CHECK (col = 'a' OR col = 'b' OR col =
// 'c')": the same values. Fails when the CHECK is not there as migrations 1 and 2 wrote it.
Status SpellOutCheck(std::string& sql, const std::string& column) {
  const std::string head = "CHECK (" + column + " IN (";
  const size_t start = sql.find(head);
  const size_t list_end = start == std::string::npos ? start : sql.find(')', start);
  if (list_end == std::string::npos || list_end + 1 >= sql.size() || sql[list_end + 1] != ')') {
    return Status::Internal("the CHECK on " + column + " is not the one the migrations wrote");
  }
  std::string spelled = "CHECK (";
  for (size_t q = sql.find('\'', start); q < list_end; q = sql.find('\'', q + 1)) {
    const size_t close = sql.find('\'', q + 1);
    if (spelled.size() > 7) spelled += " OR ";
    spelled += column + " = " + sql.substr(q, close - q + 1);
    q = close;
  }
  sql.replace(start, list_end + 2 - start, spelled + ")");
  return Status::Ok();
}

Status SpellOutChecks(SqliteConnection& c, const std::string& table,
                      const std::vector<std::string>& columns) {
  std::string sql;
  {
    auto st = c.Prepare(kTableSql);
    if (!st.ok()) return st.status();
    st->BindText(1, table);
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Internal("no table " + table);
    sql = st->Text(0);
  }
  for (const std::string& column : columns) {
    if (Status s = SpellOutCheck(sql, column); !s.ok()) return s;
  }
  auto st = c.Prepare(kSetTableSql);
  if (!st.ok()) return st.status();
  st->BindText(1, table);
  st->BindText(2, sql);
  return st->Run();
}

}  // namespace

Status AllowBlockedState(SqliteConnection& c) {
  if (Status s = EditSchema(c, [&] { return c.Exec(kEditStateCheck); }); !s.ok()) return s;
  Result<int64_t> edited = c.QueryInt(kCountBlockedCheck);
  if (!edited.ok()) return edited.status();
  if (*edited != 1) {
    return Status::Internal("the CHECK on jobs.state is not the one migration 1 wrote");
  }
  return Status::Ok();
}

Status SpellOutStateChecks(SqliteConnection& c) {
  return EditSchema(c, [&] {
    Status s = SpellOutChecks(c, "jobs", {"state"});
    return s.ok() ? SpellOutChecks(c, "webhook_deliveries", {"event", "state"}) : s;
  });
}

}  // namespace conveyor::sqlite_schema
