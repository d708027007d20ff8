#include "store/postgres/pg_database_admin.h"

#include <libpq-fe.h>

#include <memory>

#include "core/secret_redaction.h"
#include "store/postgres/postgres_store.h"

namespace conveyor {
namespace {

bool IsPlainIdentifier(const std::string& s) {
  if (s.empty() || s.size() > 63 || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// "scheme://authority/db?query" → "scheme://authority/<name>?query".
Result<std::string> WithDatabase(const std::string& url, const std::string& name) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    return Status::InvalidArgument("expected a postgres:// URL, got '" + url + "'");
  }
  const size_t query = url.find('?');
  const std::string head = url.substr(0, query);
  const std::string tail = query == std::string::npos ? "" : url.substr(query);
  const size_t slash = head.find('/', scheme_end + 3);
  return (slash == std::string::npos ? head : head.substr(0, slash)) + "/" + name + tail;
}

Status Exec(PGconn* conn, const std::string& sql) {
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn, sql.c_str()), &PQclear);
  if (PQresultStatus(r.get()) == PGRES_COMMAND_OK) return Status::Ok();
  return Status::Internal(sql + ": " + PQresultErrorMessage(r.get()));
}

// A connection to the server `url` names (its maintenance use only: no statement cache).
Result<std::unique_ptr<PGconn, decltype(&PQfinish)>> ConnectAdmin(const std::string& url) {
  Result<PostgresOptions> options = ParsePostgresUrl(url);
  if (!options.ok()) return options.status();
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(options->url.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return Status::Unavailable(std::string("PostgreSQL is unreachable: ") +
                               RedactSecrets(PQerrorMessage(conn.get()), {PasswordIn(url)}));
  }
  return conn;
}

}  // namespace

Result<std::string> RecreatePostgresDatabase(const std::string& url, const std::string& name) {
  if (!IsPlainIdentifier(name)) {
    return Status::InvalidArgument("database name must be a lower-case identifier: " + name);
  }
  Result<std::string> target = WithDatabase(url, name);
  if (!target.ok()) return target.status();
  auto conn = ConnectAdmin(url);
  if (!conn.ok()) return conn.status();
  if (Status s = Exec(conn->get(), "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); !s.ok()) {
    return s;
  }
  if (Status s = Exec(conn->get(), "CREATE DATABASE " + name); !s.ok()) return s;
  return target;
}

Result<int> PostgresBackendPid(const std::string& url) {
  auto conn = ConnectAdmin(url);
  if (!conn.ok()) return conn.status();
  const int pid = PQbackendPID(conn->get());
  if (pid <= 0) return Status::Internal("PostgreSQL reported no backend process id");
  return pid;
}

}  // namespace conveyor
