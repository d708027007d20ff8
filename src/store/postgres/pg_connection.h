// PgConnection: one libpq connection with per-connection prepared statements, and PgResult, the
// rows a statement returned. Every parameter and column travels as text; callers convert.
// Errors become Status with one mapping (MapPgError): a lost or refused connection is
// Unavailable("PostgreSQL is unreachable: ..."), a missing table is Unavailable("... run
// `conveyor migrate`"), unique violations Conflict, CHECK/format violations InvalidArgument.
//
// Thread-safety: none; one thread uses a connection at a time (PgPool hands them out).
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/status.h"

namespace conveyor {

using PgParam = std::optional<std::string>;  // nullopt binds SQL NULL
using PgParams = std::vector<PgParam>;

inline PgParam PgInt(int64_t v) { return std::to_string(v); }
inline PgParam PgOptInt(std::optional<int64_t> v) {
  return v ? PgParam(std::to_string(*v)) : std::nullopt;
}
// Shortest text that reads back as the same double ("65.5", "40"), for double precision columns.
PgParam PgDouble(double v);

class PgResult {
 public:
  explicit PgResult(PGresult* r) : r_(r, &PQclear) {}
  int rows() const { return PQntuples(r_.get()); }
  bool IsNull(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string Text(int row, int col) const {
    return std::string(PQgetvalue(r_.get(), row, col),
                       static_cast<size_t>(PQgetlength(r_.get(), row, col)));
  }
  std::optional<std::string> OptText(int row, int col) const {
    return IsNull(row, col) ? std::nullopt : std::optional<std::string>(Text(row, col));
  }
  int64_t Int(int row, int col) const;  // 0 for NULL; "t"/"f" read as 1/0
  double Double(int row, int col) const;  // 0 for NULL
  std::optional<int64_t> OptInt(int row, int col) const {
    return IsNull(row, col) ? std::nullopt : std::optional<int64_t>(Int(row, col));
  }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> r_;
};

// One row of a PgResult, read by column like a SqliteStatement on a row: the shape the shared row
// readers of store_rows.h take.
class PgRow {
 public:
  PgRow(const PgResult& r, int row) : r_(r), row_(row) {}
  int64_t Int(int col) const { return r_.Int(row_, col); }
  double Double(int col) const { return r_.Double(row_, col); }
  bool IsNull(int col) const { return r_.IsNull(row_, col); }
  std::string Text(int col) const { return r_.Text(row_, col); }
  std::optional<std::string> OptText(int col) const { return r_.OptText(row_, col); }
  std::optional<int64_t> OptInt(int col) const { return r_.OptInt(row_, col); }

 private:
  const PgResult& r_;
  int row_;
};

class PgConnection {
 public:
  // `conninfo`: a postgres:// URL or key=value string. Unavailable when the server cannot be
  // reached.
  static Result<std::unique_ptr<PgConnection>> Connect(const std::string& conninfo);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // A prepared statement is prepared again when it is this old. PostgreSQL plans its first five
  // executions for their parameters, then may keep one generic plan until the table is next
  // analysed (autovacuum: a minute or more). One made while jobs was empty scanned the whole
  // table on every claim once a burst had filled it; prepared again, it is planned for the
  // table as it is now. Planning every execution instead (plan_cache_mode = force_custom_plan)
  // cost ~15 µs of PostgreSQL per job in a burn-down; this costs ~5.
  static constexpr std::chrono::milliseconds kReplanAfter{1000};

  // Runs `sql` ($1, $2, ... placeholders) as a statement prepared on this connection (again
  // after kReplanAfter).
  Result<PgResult> Exec(std::string_view sql, const PgParams& params = {});
  // Runs `sql` through the simple protocol: no parameters, several statements allowed.
  Status Run(std::string_view sql);

  // True once the connection is lost; the pool then drops it.
  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }
  // SQLSTATE of the last failed statement ("" when it succeeded or had none).
  const std::string& last_sqlstate() const { return last_sqlstate_; }
  PGconn* raw() { return conn_; }

  // A transaction on this connection made jobs claimable: the store sends a NOTIFY after COMMIT.
  void RequestNotify() { notify_ = true; }
  bool TakeNotifyRequest() { return std::exchange(notify_, false); }

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  Result<PgResult> Check(PGresult* r, std::string_view what);

  PGconn* conn_;
  struct Prepared {
    std::string name;
    std::chrono::steady_clock::time_point at;
  };
  std::unordered_map<std::string, Prepared> prepared_;  // by sql
  int statements_ = 0;                                  // names given so far
  std::string last_sqlstate_;
  bool notify_ = false;
};

// The Status for a failed libpq call: `sqlstate` may be empty (no result, connection lost).
Status MapPgError(std::string_view sqlstate, std::string_view message, bool connection_lost);
// Deadlock or serialization failure: running the transaction again may succeed.
bool IsPgRetryable(std::string_view sqlstate);

}  // namespace conveyor
