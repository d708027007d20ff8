// Burn-down benchmark, not a pass/fail test: pre-inserts N square_sum jobs, starts the pool and
// reports jobs/s until every job SUCCEEDED. Disabled by default; run with
//   runtime_test --gtest_also_run_disabled_tests --gtest_filter='*BurnDown*'
// Env: CONVEYOR_BENCH_JOBS (default 100000), CONVEYOR_BENCH_WORKERS (default 2),
//      CONVEYOR_BENCH_BATCH (claim batch, default RuntimeConfig.claim_batch).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "runtime_fixture.h"

namespace conveyor {
namespace {

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atoi(v) : fallback;
}

class BurnDownBench : public RuntimeFixture {};

TEST_F(BurnDownBench, DISABLED_BurnDown) {
  const int n = EnvInt("CONVEYOR_BENCH_JOBS", 100000);
  config_.workers = 0;
  StartRuntime();
  const auto insert_start = std::chrono::steady_clock::now();
  for (int done = 0; done < n;) {
    std::vector<JobSpec> specs;
    for (int i = 0; i < 1000 && done < n; ++i, ++done)
      specs.push_back(Spec("square_sum", R"({"data": [1, 2, 3, 4]})"));
    ASSERT_TRUE(service_->Submit(std::move(specs)).ok());
  }
  const double insert_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - insert_start).count();

  config_.workers = EnvInt("CONVEYOR_BENCH_WORKERS", 2);
  config_.claim_batch = EnvInt("CONVEYOR_BENCH_BATCH", config_.claim_batch);
  const auto start = std::chrono::steady_clock::now();
  StartRuntime();
  auto lap = start;
  int64_t lap_done = 0;
  for (int64_t done; (done = pool_->GetStats().completed) < n;) {
    if (done - lap_done >= n / 10) {  // the rate over each tenth shows whether it degrades
      const auto now = std::chrono::steady_clock::now();
      std::printf("  %7lld done: %.0f jobs/s over the last %lld\n", (long long)done,
                  (done - lap_done) / std::chrono::duration<double>(now - lap).count(),
                  (long long)(done - lap_done));
      lap = now;
      lap_done = done;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const double run_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  pool_->Stop();
  Result<std::map<JobState, int64_t>> counts = store_->JobCountByState();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ((*counts)[JobState::kSucceeded], n);
  std::printf("burn-down: %d jobs, %d workers, claim batch %d: %.2f s, %.0f jobs/s "
              "(pre-insert: %.2f s, %.0f jobs/s in batches of 1000)\n",
              n, config_.workers, config_.claim_batch, run_s, n / run_s, insert_s, n / insert_s);
}

}  // namespace
}  // namespace conveyor

namespace conveyor {
namespace {

// Submit→start latency of single submits on an idle pool (the wake-up path): each noop job
// records when its handler started; compared with when Submit() was called.
TEST_F(BurnDownBench, DISABLED_SubmitToStartLatency) {
  const int n = EnvInt("CONVEYOR_BENCH_JOBS", 300);
  StartRuntime();
  std::vector<double> start_ms, done_ms;
  for (int i = 0; i < n; ++i) {
    using namespace std::chrono;
    const auto t0 = system_clock::now();
    Job job = MustSubmit(Spec("noop", "{}"));
    Job done = WaitForState(job.id, JobState::kSucceeded);
    const auto t1 = system_clock::now();
    const int64_t started_us =
        boost::json::parse(*done.result).at("started_at_us").to_number<int64_t>();
    start_ms.push_back((started_us - duration_cast<microseconds>(t0.time_since_epoch()).count()) / 1000.0);
    done_ms.push_back(duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(start_ms.begin(), start_ms.end());
  std::sort(done_ms.begin(), done_ms.end());
  auto pct = [&](const std::vector<double>& v, double p) { return v[size_t(p * (v.size() - 1))]; };
  std::printf("submit->start (ms, includes the durable insert): p50 %.2f p90 %.2f p99 %.2f; "
              "submit->SUCCEEDED seen by a 5 ms poller: p50 %.2f p99 %.2f (n=%d)\n",
              pct(start_ms, .5), pct(start_ms, .9), pct(start_ms, .99), pct(done_ms, .5),
              pct(done_ms, .99), n);
}

}  // namespace
}  // namespace conveyor
