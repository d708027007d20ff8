#include "store/postgres/pg_connection.h"

#include <charconv>

#include "core/secret_redaction.h"

namespace conveyor {
namespace {

std::string Trimmed(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  return std::string(s);
}

// prefix + text, built by append (GCC 12 -O3 reports a false -Wrestrict on operator+ here).
std::string Prefixed(std::string_view prefix, std::string_view text) {
  std::string out;
  out.reserve(prefix.size() + text.size());
  out.append(prefix);
  out.append(text);
  return out;
}

// lock_timeout matches SqliteOptions::busy_timeout_ms (5 s); migrations wait without a bound
// (SET LOCAL). jit off: our statements are short index walks, and a plan whose estimate passes
// jit_above_cost (a claim after a bulk insert, before ANALYZE) spent 20 ms compiling each call.
// random_page_cost 1.1 (the SSD value; the default 4 prices disk seeks): before autovacuum's
// ANALYZE the planner counts a fifth of the rows of a fresh jobs table, and at 4 it preferred
// reading all of them to a hundred seeks of its primary key (tests/store/postgres_plan_test.cc).
constexpr const char* kSessionSettings =
    "SET lock_timeout = 5000; SET jit = off; SET random_page_cost = 1.1";

}  // namespace

int64_t PgResult::Int(int row, int col) const {
  const char* v = PQgetvalue(r_.get(), row, col);
  if (v[0] == 't') return 1;
  int64_t out = 0;
  std::from_chars(v, v + PQgetlength(r_.get(), row, col), out);
  return out;
}

double PgResult::Double(int row, int col) const {
  const char* v = PQgetvalue(r_.get(), row, col);
  double out = 0;
  std::from_chars(v, v + PQgetlength(r_.get(), row, col), out);
  return out;
}

PgParam PgDouble(double v) {
  char buf[32];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

Status MapPgError(std::string_view sqlstate, std::string_view message, bool connection_lost) {
  const std::string why = Trimmed(message);
  const std::string_view cls = sqlstate.substr(0, 2);
  if (connection_lost || cls == "08" || sqlstate == "57P01" || sqlstate == "57P02" ||
      sqlstate == "57P03") {
    return Status::Unavailable(Prefixed("PostgreSQL is unreachable: ", why));
  }
  if (sqlstate == "42P01") {  // undefined table: an unmigrated database, not a bug of ours
    return Status::Unavailable(
        Prefixed("the database has no Conveyor schema yet (run `conveyor migrate`): ", why));
  }
  if (sqlstate == "23505") return Status::Conflict(why);
  if (cls == "22" || sqlstate == "23514" || sqlstate == "23502") {
    return Status::InvalidArgument(why);
  }
  if (sqlstate == "55P03") {  // lock_not_available: lock_timeout ran out (see Connect)
    return Status::Unavailable(
        Prefixed("PostgreSQL: another session holds a lock this operation needs: ", why));
  }
  if (sqlstate == "53300")
    return Status::Unavailable(Prefixed("PostgreSQL has no free connection: ", why));
  // Insufficient resources (disk full, out of memory) and system I/O errors: the server cannot
  // write now, which is a 503 to retry later, not a bug (and /ready reports it).
  if (cls == "53" || cls == "58") {
    return Status::Unavailable(Prefixed("PostgreSQL cannot write: ", why));
  }
  return Status::Internal(Prefixed("PostgreSQL: ", why));
}

bool IsPgRetryable(std::string_view sqlstate) { return sqlstate == "40001" || sqlstate == "40P01"; }

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& conninfo) {
  // The URL's own settings win over these defaults (expand_dbname, later keys override).
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"5", "conveyor", conninfo.c_str(), nullptr};
  PGconn* c = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (c == nullptr) return Status::Unavailable("PostgreSQL is unreachable: out of memory");
  if (PQstatus(c) != CONNECTION_OK) {
    // libpq's message may echo parts of the conninfo; never let the password out with it.
    Status s = Status::Unavailable(Prefixed(
        "PostgreSQL is unreachable: ",
        RedactSecrets(Trimmed(PQerrorMessage(c)), {PasswordIn(conninfo)})));
    PQfinish(c);
    return s;
  }
  // NOTICEs (e.g. "relation already exists, skipping") are not errors; libpq would print them.
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);
  auto conn = std::unique_ptr<PgConnection>(new PgConnection(c));
  // Without a bound, a lock held by another session (LOCK TABLE, a long migration, a stuck
  // transaction) makes every write wait for it forever and the pool fill up: callers would get no
  // answer at all. Like SQLite's busy_timeout, give up after a while with Unavailable (55P03).
  if (Status s = conn->Run(kSessionSettings); !s.ok()) return s;
  return conn;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

Result<PgResult> PgConnection::Check(PGresult* r, std::string_view what) {
  const ExecStatusType st = r == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(r);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
    last_sqlstate_.clear();
    return PgResult(r);
  }
  const char* state = r == nullptr ? nullptr : PQresultErrorField(r, PG_DIAG_SQLSTATE);
  last_sqlstate_ = state == nullptr ? "" : state;
  std::string message = r == nullptr ? PQerrorMessage(conn_) : PQresultErrorMessage(r);
  PQclear(r);
  if (message.empty()) message = std::string(what) + " failed";
  return MapPgError(last_sqlstate_, message, broken());
}

Result<PgResult> PgConnection::Exec(std::string_view sql, const PgParams& params) {
  const auto now = std::chrono::steady_clock::now();
  auto it = prepared_.find(std::string(sql));
  if (it != prepared_.end() && now - it->second.at >= kReplanAfter) {
    if (Status s = Run("DEALLOCATE " + it->second.name); !s.ok()) return s;
    prepared_.erase(it);
    it = prepared_.end();
  }
  if (it == prepared_.end()) {
    std::string name = "s" + std::to_string(statements_++);
    auto prep =
        Check(PQprepare(conn_, name.c_str(), std::string(sql).c_str(), 0, nullptr), "prepare");
    if (!prep.ok()) return prep.status();
    it = prepared_.emplace(std::string(sql), Prepared{std::move(name), now}).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& p : params) values.push_back(p ? p->c_str() : nullptr);
  return Check(PQexecPrepared(conn_, it->second.name.c_str(), static_cast<int>(values.size()),
                              values.data(), nullptr, nullptr, 0),
               "statement");
}

Status PgConnection::Run(std::string_view sql) {
  auto r = Check(PQexec(conn_, std::string(sql).c_str()), "query");
  return r.ok() ? Status::Ok() : r.status();
}

}  // namespace conveyor
