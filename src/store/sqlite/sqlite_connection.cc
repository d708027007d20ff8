#include "store/sqlite/sqlite_connection.h"

#include <string>
#include <utility>

namespace conveyor {

Status SqliteStatus(int rc, sqlite3* db, std::string_view context) {
  const int primary = rc & 0xFF;
  std::string msg(context);
  msg += ": ";
  msg += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (primary) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
      return Status::Ok();
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return Status::Conflict(std::move(msg));
      }
      return Status::InvalidArgument(std::move(msg));
    case SQLITE_FULL:
      // The operator's problem, not the client's: say what to do, and that no restart is needed
      // (the writer's next transaction simply succeeds once there is room).
      return Status::InsufficientStorage(
          msg + " (the disk holding the SQLite database is full: free space on it or move the "
                "database to a larger disk; writes resume by themselves once there is room)");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_READONLY:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_NOMEM:
    case SQLITE_PERM:
      return Status::Unavailable(std::move(msg));
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
      return Status::InvalidArgument(std::move(msg));
    default:
      return Status::Internal(std::move(msg));
  }
}

SqliteStatement::~SqliteStatement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);  // its error (if any) was already reported by Step
  sqlite3_clear_bindings(stmt_);
}

void SqliteStatement::BindText(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}

void SqliteStatement::BindOptInt(int i, const std::optional<int64_t>& v) {
  if (v) {
    BindInt(i, *v);
  } else {
    BindNull(i);
  }
}

void SqliteStatement::BindOptDouble(int i, const std::optional<double>& v) {
  if (v) {
    BindDouble(i, *v);
  } else {
    BindNull(i);
  }
}

void SqliteStatement::BindOptText(int i, const std::optional<std::string>& v) {
  if (v) {
    BindText(i, *v);
  } else {
    BindNull(i);
  }
}

Result<bool> SqliteStatement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteStatus(sqlite3_extended_errcode(db_), db_, "sqlite step");
}

Status SqliteStatement::Run() {
  return ForEachRow([](const SqliteStatement&) {});
}

std::string SqliteStatement::Text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (p == nullptr) return {};
  return std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::optional<std::string> SqliteStatement::OptText(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Text(col);
}

std::optional<int64_t> SqliteStatement::OptInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int(col);
}

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path,
                                                                  Options opts) {
  // NOMUTEX: each connection is confined to one thread at a time by its owner.
  int flags = SQLITE_OPEN_NOMUTEX;
  flags |= opts.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status s = SqliteStatus(rc, db, "open sqlite database '" + path + "'");
    sqlite3_close_v2(db);
    return s;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, opts.busy_timeout_ms);
  return std::unique_ptr<SqliteConnection>(new SqliteConnection(db, path));
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status SqliteConnection::Exec(const std::string& sql) {
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc == SQLITE_OK) return Status::Ok();
  return SqliteStatus(sqlite3_extended_errcode(db_), db_, "sqlite exec");
}

Result<SqliteStatement> SqliteConnection::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      const std::string_view why = sqlite3_errmsg(db_);
      if (why.substr(0, 13) == "no such table") {  // an unmigrated database: not a bug of ours
        return Status::Unavailable("the database has no Conveyor schema yet (run `conveyor "
                                   "migrate`): " + std::string(why));
      }
      return SqliteStatus(rc, db_, "sqlite prepare");
    }
    it = cache_.emplace(std::string(sql), stmt).first;
  }
  return SqliteStatement(it->second, db_);
}

Status SqliteConnection::Run(std::string_view sql) {
  Result<SqliteStatement> st = Prepare(sql);
  if (!st.ok()) return st.status();
  return st->Run();
}

Result<int64_t> SqliteConnection::QueryInt(std::string_view sql) {
  Result<SqliteStatement> st = Prepare(sql);
  if (!st.ok()) return st.status();
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::Internal("query returned no row: " + std::string(sql));
  return st->Int(0);
}

Result<std::optional<int64_t>> SqliteConnection::QueryOptInt(std::string_view sql) {
  Result<SqliteStatement> st = Prepare(sql);
  if (!st.ok()) return st.status();
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<int64_t>();
  return st->OptInt(0);
}

}  // namespace conveyor
