// Probe (disabled): latency of the store calls a worker makes per batch, to explain burn-down.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "runtime_fixture.h"

namespace conveyor {
namespace {

class StoreProbe : public RuntimeFixture {};

TEST_F(StoreProbe, DISABLED_ClaimAndCompleteLatency) {
  config_.workers = 0;
  StartRuntime();
  for (int k = 0; k < 20; ++k) {
    std::vector<JobSpec> specs(1000, Spec("square_sum", R"({"data": [1]})"));
    ASSERT_TRUE(service_->Submit(std::move(specs)).ok());
  }
  using C = std::chrono::steady_clock;
  for (int batch : {1, 64, 256}) {
    double claim_ms = 0, complete_ms = 0, next_ms = 0;
    const int rounds = 20;
    for (int r = 0; r < rounds; ++r) {
      auto t0 = C::now();
      auto claimed = store_->JobClaim({.worker_id = "w", .max = batch,
                                       .now = SystemClock::Default()->NowMs(),
                                       .types = registry_.Types()});
      auto t1 = C::now();
      ASSERT_TRUE(claimed.ok());
      JobCompleteManyParams p{.now = SystemClock::Default()->NowMs()};
      for (const Job& j : *claimed) p.completions.push_back({j.id, j.lease->token, "1"});
      ASSERT_TRUE(store_->JobCompleteMany(p).ok());
      auto t2 = C::now();
      ASSERT_TRUE(store_->JobNextRunAt().ok());
      auto t3 = C::now();
      claim_ms += std::chrono::duration<double, std::milli>(t1 - t0).count();
      complete_ms += std::chrono::duration<double, std::milli>(t2 - t1).count();
      next_ms += std::chrono::duration<double, std::milli>(t3 - t2).count();
    }
    std::printf("batch %3d: claim %.2f ms, complete_many %.2f ms, next_run_at %.2f ms\n", batch,
                claim_ms / rounds, complete_ms / rounds, next_ms / rounds);
  }
}

}  // namespace
}  // namespace conveyor
