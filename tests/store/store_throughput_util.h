// The measuring loops both hand-run throughput checks share (store_throughput.cc for SqliteStore,
// postgres_throughput.cc for PostgresStore): each returns jobs per second through the Store
// interface, and aborts on any store error. Not a test: nothing here passes or fails on timing.
// Thread-safety: each function starts and joins its own threads; the store must be thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "core/ids.h"
#include "store/store.h"

namespace conveyor::throughput {

inline constexpr TimeMs kNow = 1'790'000'000'000;

inline Job NewJob() {
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

inline double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// JobInsertMany with `batches` batches of 1000 jobs.
inline double BatchInserts(Store& store, int batches) {
  std::vector<std::vector<Job>> all(static_cast<size_t>(batches));
  for (auto& b : all) {
    for (int i = 0; i < 1000; ++i) b.push_back(NewJob());
  }
  const auto start = std::chrono::steady_clock::now();
  for (auto& b : all) {
    if (!store.JobInsertMany({.jobs = std::move(b), .now = kNow}).ok()) std::abort();
  }
  return batches * 1000 / Seconds(start);
}

// One-job JobInsertMany calls from `threads` threads at once.
inline double SingleInserts(Store& store, int threads, int per_thread) {
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

// claim(64) + complete(64) from `threads` threads until the store has nothing left to claim.
inline double ClaimComplete(Store& store, int threads) {
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

}  // namespace conveyor::throughput
