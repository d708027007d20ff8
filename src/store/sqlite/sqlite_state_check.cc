// Migration 6's step: the CHECK on jobs.state also allows 'BLOCKED'. SQLite cannot ALTER a
// CHECK; because the new CHECK only widens the old one (every stored row keeps satisfying it),
// SQLite's documented procedure for changes that leave the on-disk content as it is applies
// (https://sqlite.org/lang_altertable.html#otheralter): edit the table's CREATE text in
// sqlite_schema and bump schema_version, inside the migration's transaction, so every
// connection re-reads the schema. See migration 6 in sqlite_schema.h for why not a rebuild.
#include <string>

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

}  // namespace

Status AllowBlockedState(SqliteConnection& c) {
  Result<int64_t> version = c.QueryInt("PRAGMA schema_version");
  if (!version.ok()) return version.status();
  if (Status s = c.Exec("PRAGMA writable_schema = ON"); !s.ok()) return s;
  Status edit = c.Exec(kEditStateCheck);
  if (edit.ok()) edit = c.Exec("PRAGMA schema_version = " + std::to_string(*version + 1));
  // Switched off whatever happened: writable_schema must not outlive this step.
  Status off = c.Exec("PRAGMA writable_schema = OFF");
  if (!edit.ok()) return edit;
  if (!off.ok()) return off;
  Result<int64_t> edited = c.QueryInt(kCountBlockedCheck);
  if (!edited.ok()) return edited.status();
  if (*edited != 1) {
    return Status::Internal("the CHECK on jobs.state is not the one migration 1 wrote");
  }
  return Status::Ok();
}

}  // namespace conveyor::sqlite_schema
