// A throughput check of PostgresStore, run by hand (not a test: no pass/fail on timing).
//   g++ -O2 -std=c++20 -I src -I tests -isystem /usr/include/postgresql \
//     tests/store/postgres_throughput.cc build-pg/libconveyor_store.a build-pg/libconveyor_core.a \
//     -lpq -lsqlite3 -o /tmp/pg_tp
//   /tmp/pg_tp [postgres-url]   (no URL: a throwaway server, tests/pg_test_server.h)
// Prints: inserts/s via JobInsertMany batches of 1000; single-job inserts/s from 64 threads;
// claim(64)+complete(64) jobs/s from 4 threads; and the raw pipelined insert ceiling.
#include <cstdio>

#include "pg_test_server.h"
#include "store/postgres/pg_ceiling.h"
#include "store/postgres/postgres_store.h"
#include "store_throughput_util.h"

namespace conveyor {
namespace {

std::unique_ptr<PostgresStore> OpenFresh(const std::string& base, int round) {
  const std::string schema = "tp_" + std::to_string(round);
  testing::MustPgExec(base,
                      "DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema);
  auto store = PostgresStore::Open(
      {.url = testing::PgUrlWithParam(base, "options=-csearch_path%3D" + schema),
       .pool_size = 64,
       .listen_notify = std::getenv("NO_NOTIFY") == nullptr});
  if (!store.ok() || !(*store)->Migrate().ok()) std::abort();
  return std::move(store).value();
}

}  // namespace
}  // namespace conveyor

int main(int argc, char** argv) {
  using namespace conveyor;
  using namespace conveyor::throughput;
  std::unique_ptr<testing::PgTestServer> own;
  std::string base = argc > 1 ? argv[1] : "";
  if (base.empty()) {
    own = testing::PgTestServer::MustStart();
    base = own->Url();
  }
  auto store = OpenFresh(base, 1);
  std::printf("JobInsertMany x1000:        %9.0f jobs/s\n", BatchInserts(*store, 30));
  std::printf("claim64+complete, 4 thr:    %9.0f jobs/s\n", ClaimComplete(*store, 4));
  store = OpenFresh(base, 2);
  std::printf("single inserts, 64 threads: %9.0f jobs/s\n", SingleInserts(*store, 64, 100));
  std::printf("claim64+complete, 1 thr:    %9.0f jobs/s\n", ClaimComplete(*store, 1));
  store.reset();
  auto ceiling = MeasurePostgresInsertCeiling(base, 30000, 1000);
  std::printf("raw PostgreSQL ceiling (1000/tx): %7.0f rows/s\n", ceiling.ok() ? *ceiling : -1.0);
  return 0;
}
