#include "store/postgres/pg_ceiling.h"

#include <string>

#include "core/ids.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_schema.h"
#include "store/postgres/postgres_store.h"
#include "store/store_ceiling.h"

namespace conveyor {
namespace {

// The same table and indexes as the real store, but only the plainest insert.
constexpr const char* kInsert =
    "INSERT INTO jobs (id, type, queue, payload, state, priority, run_at, created_at,"
    " updated_at) VALUES ($1, 'noop', 'default', '{}', 'PENDING', 5, $2::bigint, $2::bigint,"
    " $2::bigint)";

Status CreateTable(PgConnection& c, const std::string& schema) {
  Status s = c.Run("CREATE SCHEMA " + schema + "; SET search_path = " + schema);
  for (const auto& m : pg_schema::kMigrations) {
    if (s.ok()) s = c.Run(m.sql);
  }
  return s;
}

// Reads a pipeline's results up to its sync point; the first error, if any.
Status DrainPipeline(PGconn* conn) {
  Status first;
  while (true) {
    PGresult* r = PQgetResult(conn);
    if (r == nullptr) {
      if (PQstatus(conn) != CONNECTION_OK) {
        return MapPgError("", PQerrorMessage(conn), /*connection_lost=*/true);
      }
      continue;  // the end of one query's results
    }
    const ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_PIPELINE_SYNC && first.ok()) {
      const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
      first = MapPgError(state ? state : "", PQresultErrorMessage(r), false);
    }
    PQclear(r);
    if (st == PGRES_PIPELINE_SYNC) return first;
  }
}

// BEGIN, `n` inserts, COMMIT: sent at once, then read back.
Status InsertBatch(PGconn* conn, int n, TimeMs now) {
  const std::string now_text = std::to_string(now);
  if (PQenterPipelineMode(conn) == 0) return Status::Internal("cannot enter pipeline mode");
  PQsendQueryParams(conn, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0);
  for (int i = 0; i < n; ++i) {
    const std::string id = NewUuidV7(now);
    const char* values[] = {id.c_str(), now_text.c_str()};
    PQsendQueryPrepared(conn, "ceiling_insert", 2, values, nullptr, nullptr, 0);
  }
  PQsendQueryParams(conn, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0);
  PQpipelineSync(conn);
  Status s = DrainPipeline(conn);
  PQexitPipelineMode(conn);
  return s;
}

Result<double> Measure(PgConnection& c, int rows, int batch_size) {
  PGresult* prep = PQprepare(c.raw(), "ceiling_insert", kInsert, 0, nullptr);
  const bool prepared = PQresultStatus(prep) == PGRES_COMMAND_OK;
  PQclear(prep);
  if (!prepared) return Status::Internal("cannot prepare the ceiling insert");
  return MeasureInsertRate(rows, batch_size,
                           [&c](int n, TimeMs now) { return InsertBatch(c.raw(), n, now); });
}

}  // namespace

Result<double> MeasurePostgresInsertCeiling(const std::string& url, int rows, int batch_size) {
  if (Status s = CheckCeilingArgs(rows, batch_size); !s.ok()) return s;
  auto options = ParsePostgresUrl(url);
  if (!options.ok()) return options.status();
  auto conn = PgConnection::Connect(options->url);
  if (!conn.ok()) return conn.status();
  const std::string schema = "conveyor_ceiling_" + NewToken().substr(0, 16);
  Status made = CreateTable(**conn, schema);
  Result<double> out = made.ok() ? Measure(**conn, rows, batch_size) : Result<double>(made);
  // Best effort: a leftover schema is harmless and named for what it is.
  (void)(*conn)->Run("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  return out;
}

}  // namespace conveyor
