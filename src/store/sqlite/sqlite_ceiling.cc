#include "store/sqlite/sqlite_ceiling.h"

#include <filesystem>
#include <string>

#include "core/ids.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_schema.h"
#include "store/store_ceiling.h"

namespace conveyor {
namespace {

// The same table and indexes as the real store (migrations applied), but only the plainest
// insert: one prepared single-row statement, bind, step, reset.
constexpr const char* kInsert =
    "INSERT INTO jobs (id, type, queue, payload, state, priority, run_at, created_at,"
    " updated_at) VALUES (?1, 'noop', 'default', '{}', 'PENDING', 5, ?2, ?2, ?2)";

Status Prepare(SqliteConnection& c) {
  Status s = c.Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
  for (const auto& m : sqlite_schema::kMigrations) {
    if (s.ok()) s = c.Exec(m.sql);
  }
  return s;
}

Status InsertBatch(SqliteConnection& c, int n, TimeMs now) {
  if (Status s = c.Run("BEGIN IMMEDIATE"); !s.ok()) return s;
  for (int i = 0; i < n; ++i) {
    const std::string id = NewUuidV7(now);
    auto st = c.Prepare(kInsert);
    if (!st.ok()) return st.status();
    st->BindText(1, id);
    st->BindInt(2, now);
    if (Status s = st->Run(); !s.ok()) return s;
  }
  return c.Run("COMMIT");
}

Result<double> Measure(const std::string& path, int rows, int batch_size) {
  auto conn = SqliteConnection::Open(path, {});
  if (!conn.ok()) return conn.status();
  if (Status s = Prepare(**conn); !s.ok()) return s;
  return MeasureInsertRate(rows, batch_size,
                           [&conn](int n, TimeMs now) { return InsertBatch(**conn, n, now); });
}

}  // namespace

Result<double> MeasureSqliteInsertCeiling(const std::string& dir, int rows, int batch_size) {
  if (Status s = CheckCeilingArgs(rows, batch_size); !s.ok()) return s;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string path =
      (std::filesystem::path(dir) / ("conveyor-ceiling-" + NewToken() + ".db")).string();
  Result<double> out = Measure(path, rows, batch_size);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path + suffix, ec);  // best effort: a leftover temp file is harmless
  }
  return out;
}

}  // namespace conveyor
