// SqliteConnection: one sqlite3 handle plus its cache of prepared statements, and
// SqliteStatement, a scoped use of one cached statement (bind, step, read; reset on scope exit).
// Every sqlite3 call of the store goes through here, so result codes become Status in one place.
//
// Thread-safety: none. A connection is used by one thread at a time (the writer thread owns the
// write connection; the read pool hands each read connection to one caller at a time).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"

namespace conveyor {

// Maps a SQLite result code to a Status: a full disk → InsufficientStorage (HTTP 507), busy/
// locked/I/O → Unavailable (503), unique violations → Conflict, other constraint violations →
// InvalidArgument, the rest → Internal.
Status SqliteStatus(int rc, sqlite3* db, std::string_view context);

class SqliteStatement {
 public:
  SqliteStatement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  SqliteStatement(SqliteStatement&& o) noexcept : stmt_(o.stmt_), db_(o.db_) { o.stmt_ = nullptr; }
  ~SqliteStatement();

  // Parameters are 1-based. Text is bound without a copy:
  // REQUIRES: the text outlives this SqliteStatement (declare it before the statement).
  void BindInt(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void BindDouble(int i, double v) { sqlite3_bind_double(stmt_, i, v); }
  void BindText(int i, std::string_view v);
  void BindText(int i, std::string&& v) = delete;  // a temporary would dangle
  void BindNull(int i) { sqlite3_bind_null(stmt_, i); }
  void BindOptInt(int i, const std::optional<int64_t>& v);
  void BindOptDouble(int i, const std::optional<double>& v);
  void BindOptText(int i, const std::optional<std::string>& v);

  // true: a row is ready; false: done. Errors come back as Status.
  Result<bool> Step();
  // Runs to completion, ignoring rows.
  Status Run();
  // Steps through the remaining rows, calling `on_row(*this)` on each; the first error stops it.
  // A template, so the per-row call is inlined.
  template <class OnRow>
  Status ForEachRow(OnRow&& on_row) {
    while (true) {
      Result<bool> row = Step();
      if (!row.ok()) return row.status();
      if (!*row) return Status::Ok();
      on_row(static_cast<const SqliteStatement&>(*this));
    }
  }

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  // An INTEGER or REAL value as a double (0 for NULL).
  double Double(int col) const { return sqlite3_column_double(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string Text(int col) const;
  std::optional<std::string> OptText(int col) const;
  std::optional<int64_t> OptInt(int col) const;

 private:
  sqlite3_stmt* stmt_;
  sqlite3* db_;
};

class SqliteConnection {
 public:
  struct Options {
    bool read_only = false;
    int busy_timeout_ms = 5000;
  };
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path, Options opts);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // Runs SQL that may hold several statements (pragmas, DDL). Not cached.
  Status Exec(const std::string& sql);
  // A cached prepared statement for `sql` (prepared once, SQLITE_PREPARE_PERSISTENT).
  Result<SqliteStatement> Prepare(std::string_view sql);
  // Prepares (cached) and runs a statement that returns no rows.
  Status Run(std::string_view sql);
  // The single integer of a one-row, one-column query.
  Result<int64_t> QueryInt(std::string_view sql);
  // The integer of a one-column query; nullopt when it returns no row or NULL (min() of nothing).
  Result<std::optional<int64_t>> QueryOptInt(std::string_view sql);

  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }
  sqlite3* db() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  SqliteConnection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, Hash, std::equal_to<>> cache_;
};

}  // namespace conveyor
