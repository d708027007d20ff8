// A throughput check of SqliteStore, run by hand (not a test: no pass/fail on timing).
//   g++ -O2 -std=c++20 -I src -I tests tests/store/store_throughput.cc \
//     build-store/libconveyor_store.a build-store/libconveyor_core.a -lsqlite3 -o /tmp/store_tp
//   /tmp/store_tp [dir]
// Prints: inserts/s via JobInsertMany batches of 1000; single-job inserts/s from 64 threads
// (group commit); claim(64)+complete(64) jobs/s from 4 threads; and the raw SQLite ceiling.
#include <cstdio>
#include <filesystem>

#include "store/sqlite/sqlite_ceiling.h"
#include "store/sqlite/sqlite_store.h"
#include "store_throughput_util.h"

namespace conveyor {
namespace {

std::unique_ptr<SqliteStore> OpenFresh(const std::string& path) {
  for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
  auto store = SqliteStore::Open({.path = path});
  if (!store.ok() || !(*store)->Migrate().ok()) std::abort();
  return std::move(store).value();
}

}  // namespace
}  // namespace conveyor

int main(int argc, char** argv) {
  using namespace conveyor;
  using namespace conveyor::throughput;
  const std::string dir = argc > 1 ? argv[1] : "/tmp/conveyor-tp";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/tp.db";
  auto store = OpenFresh(path);
  std::printf("JobInsertMany x1000:        %9.0f jobs/s\n", BatchInserts(*store, 100));
  std::printf("claim64+complete, 4 thr:    %9.0f jobs/s\n", ClaimComplete(*store, 4));
  store = OpenFresh(path);
  std::printf("single inserts, 64 threads: %9.0f jobs/s\n", SingleInserts(*store, 64, 500));
  std::printf("claim64+complete, 1 thr:    %9.0f jobs/s\n", ClaimComplete(*store, 1));
  store.reset();
  auto ceiling = MeasureSqliteInsertCeiling(dir, 100000, 1000);
  std::printf("raw SQLite ceiling (1000/tx): %7.0f rows/s\n", ceiling.ok() ? *ceiling : -1.0);
  return 0;
}
