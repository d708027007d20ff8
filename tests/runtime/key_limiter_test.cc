// KeyLimiter: per-key limits in fixed windows. A key's own limit wins over the default; a spent
// window refuses with the time to its end and opens again in the next; a batch is charged as a
// whole; two limiters on one store (two nodes) share one budget through the sync.
#include "runtime/auth/key_limiter.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "runtime_fixture.h"

namespace conveyor::auth {
namespace {

constexpr TimeMs kT = 1'800'000'000'000;  // a multiple of 1000: windows start here

Principal Key(std::string id, std::optional<RateLimit> rate = std::nullopt) {
  return Principal{.key_id = std::move(id), .name = "k", .scopes = 0x1f, .rate = rate};
}

class KeyLimiterTest : public RuntimeFixture {
 protected:
  ManualClock clock_{kT};
};

TEST_F(KeyLimiterTest, AKeysOwnLimitWinsAndASpentWindowRefusesUntilItEnds) {
  KeyLimiter limiter(*store_, clock_, {.rate = RateLimit{.max_starts = 100, .period_ms = 1000}},
                     {}, /*shared=*/false);
  const Principal own = Key("own", RateLimit{.max_starts = 2, .period_ms = 1000});
  EXPECT_TRUE(limiter.Charge(own, ApiKeyUsageKind::kRequests, 1)->allowed);
  const auto second = limiter.Charge(own, ApiKeyUsageKind::kRequests, 1);
  EXPECT_TRUE(second->allowed);
  EXPECT_EQ(second->remaining, 0);
  clock_.Advance(300);
  const auto third = limiter.Charge(own, ApiKeyUsageKind::kRequests, 1);
  EXPECT_FALSE(third->allowed);
  EXPECT_EQ(third->reset_ms, 700);
  EXPECT_EQ(third->limit.max_starts, 2);
  clock_.Advance(700);  // the next window
  EXPECT_TRUE(limiter.Charge(own, ApiKeyUsageKind::kRequests, 1)->allowed);
  // Another key falls back to the default; jobs have no limit at all here.
  EXPECT_EQ(limiter.Charge(Key("other"), ApiKeyUsageKind::kRequests, 1)->limit.max_starts, 100);
  EXPECT_FALSE(limiter.Charge(Key("other"), ApiKeyUsageKind::kJobs, 1).has_value());
}

TEST_F(KeyLimiterTest, ABatchIsChargedWholeAndABatchOverTheLimitNeverPasses) {
  KeyLimiter limiter(*store_, clock_, {.jobs_rate = RateLimit{.max_starts = 10, .period_ms = 60000}},
                     {}, false);
  EXPECT_TRUE(limiter.Charge(Key("k"), ApiKeyUsageKind::kJobs, 8)->allowed);
  const auto over = limiter.Charge(Key("k"), ApiKeyUsageKind::kJobs, 3);
  EXPECT_FALSE(over->allowed);
  EXPECT_EQ(over->remaining, 2);
  EXPECT_TRUE(limiter.Charge(Key("k"), ApiKeyUsageKind::kJobs, 2)->allowed);
  clock_.Advance(60000);
  EXPECT_FALSE(limiter.Charge(Key("k"), ApiKeyUsageKind::kJobs, 11)->allowed);
}

Principal TenantKey(std::string id, std::string tenant, std::string plan,
                    std::optional<RateLimit> rate = std::nullopt) {
  Principal p = Key(std::move(id), rate);
  p.tenant = std::move(tenant);
  p.plan = std::move(plan);
  return p;
}

TEST_F(KeyLimiterTest, ATenantsKeysShareThePlansBudgetAndAKeysOwnLimitStillWins) {
  PlanLimits plans = DefaultPlanLimits();
  plans["free"].rate = RateLimit{.max_starts = 3, .period_ms = 1000};
  plans["enterprise"].rate.reset();  // --plan-rate enterprise=none
  KeyLimiter limiter(*store_, clock_, {.rate = RateLimit{.max_starts = 100, .period_ms = 1000}},
                     plans, false);
  const Principal a = TenantKey("a", "acme", "free");
  const Principal b = TenantKey("b", "acme", "free");
  EXPECT_TRUE(limiter.Charge(a, ApiKeyUsageKind::kRequests, 2)->allowed);
  const auto spent = limiter.Charge(b, ApiKeyUsageKind::kRequests, 2);
  EXPECT_FALSE(spent->allowed) << "a second key of the tenant does not buy more quota";
  EXPECT_EQ(spent->limit.max_starts, 3);
  EXPECT_EQ(spent->remaining, 1);
  // Another tenant on the same plan has its own budget; a key with its own limit its own.
  EXPECT_TRUE(limiter.Charge(TenantKey("c", "globex", "free"), ApiKeyUsageKind::kRequests, 3)
                  ->allowed);
  const Principal own = TenantKey("d", "acme", "free", RateLimit{.max_starts = 50, .period_ms = 1000});
  EXPECT_EQ(limiter.Charge(own, ApiKeyUsageKind::kRequests, 10)->limit.max_starts, 50);
  // The plan's jobs limit is the default table's; a plan without a limit has none (not the
  // server's per-key default: the plan decides).
  EXPECT_EQ(limiter.Charge(a, ApiKeyUsageKind::kJobs, 1)->limit.max_starts, 60);
  EXPECT_FALSE(limiter.Charge(TenantKey("e", "initech", "enterprise"), ApiKeyUsageKind::kRequests, 1)
                   .has_value());
}

TEST_F(KeyLimiterTest, TwoNodesOnOneStoreShareOneBudget) {
  const RateLimit limit{.max_starts = 10, .period_ms = 3'600'000};  // one window for the test
  clock_.Set(kT - kT % limit.period_ms);
  KeyLimiter a(*store_, clock_, {.rate = limit}, {}, /*shared=*/true);
  KeyLimiter b(*store_, clock_, {.rate = limit}, {}, /*shared=*/true);
  a.Start();
  b.Start();
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(a.Charge(Key("k"), ApiKeyUsageKind::kRequests, 1)->allowed);
  // Once a has synced its 6 and b has read them, b has 4 left of the shared 10.
  int b_allowed = 0;
  const auto deadline = std::chrono::steady_clock::now() + kWaitDeadline;
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // a few 100 ms syncs
  while (std::chrono::steady_clock::now() < deadline) {
    const auto v = b.Charge(Key("k"), ApiKeyUsageKind::kRequests, 1);
    if (!v->allowed) break;
    ++b_allowed;
    std::this_thread::sleep_for(std::chrono::milliseconds(150));  // let the syncs run
  }
  EXPECT_EQ(b_allowed, 4) << "b must see a's use through the store";
  a.Stop();
  b.Stop();
}

}  // namespace
}  // namespace conveyor::auth
