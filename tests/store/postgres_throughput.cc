// A throughput check of PostgresStore, run by hand (not a test: no pass/fail on timing).
//   g++ -O2 -std=c++20 -I src -I tests -isystem /usr/include/postgresql \
//     tests/store/postgres_throughput.cc build-pg/libconveyor_store.a build-pg/libconveyor_core.a \
//     -lpq -lsqlite3 -o /tmp/pg_tp
//   /tmp/pg_tp [postgres-url]   (no URL: a throwaway server, tests/pg_test_server.h)
// Prints: inserts/s via JobInsertMany batches of 1000; single-job inserts/s from 64 threads;
// claim(64)+complete(64) jobs/s from 4 threads; and the raw pipelined insert ceiling.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "core/ids.h"
#include "pg_test_server.h"
#include "store/postgres/pg_ceiling.h"
#include "store/postgres/postgres_store.h"

namespace conveyor {
namespace {

constexpr TimeMs kNow = 1'790'000'000'000;

Job NewJob() {
  Job j;
  j.id = NewUuidV7(kNow);
  j.type = "noop";
  j.payload = R"({"data":[1,2,3]})";
  j.run_at = kNow;
  j.created_at = kNow;
  j.updated_at = kNow;
  j.request_hash = "h";
  return j;
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

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

double BatchInserts(Store& store, int batches) {
  std::vector<std::vector<Job>> all(static_cast<size_t>(batches));
  for (auto& b : all)
    for (int i = 0; i < 1000; ++i) b.push_back(NewJob());
  const auto start = std::chrono::steady_clock::now();
  for (auto& b : all) {
    if (!store.JobInsertMany({.jobs = std::move(b), .now = kNow}).ok()) std::abort();
  }
  return batches * 1000 / Seconds(start);
}

double SingleInserts(Store& store, int threads, int per_thread) {
  std::vector<std::thread> ts;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        if (!store.JobInsertMany({.jobs = {NewJob()}, .now = kNow}).ok()) std::abort();
      }
    });
  }
  for (auto& t : ts) t.join();
  return threads * per_thread / Seconds(start);
}

double ClaimComplete(Store& store, int threads) {
  std::atomic<int64_t> done{0};
  std::vector<std::thread> ts;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      while (true) {
        auto jobs = store.JobClaim({.worker_id = "w" + std::to_string(t), .max = 64, .now = kNow});
        if (!jobs.ok()) std::abort();
        if (jobs->empty()) return;
        JobCompleteManyParams p{.now = kNow};
        for (const Job& j : *jobs) p.completions.push_back({j.id, j.lease->token, "{}"});
        if (!store.JobCompleteMany(p).ok()) std::abort();
        done += static_cast<int64_t>(jobs->size());
      }
    });
  }
  for (auto& t : ts) t.join();
  return static_cast<double>(done) / Seconds(start);
}

}  // namespace
}  // namespace conveyor

int main(int argc, char** argv) {
  using namespace conveyor;
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
