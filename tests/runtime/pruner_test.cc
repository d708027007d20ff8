#include "runtime/maintenance/pruner.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/ids.h"
#include "observability/metrics.h"
#include "runtime_fixture.h"

namespace conveyor {
namespace {

constexpr TimeMs kNow = 1'800'000'000'000;
constexpr TimeMs kDay = 24 * 3600 * 1000LL;

class PrunerTest : public RuntimeFixture {
 protected:
  void SetUp() override {
    RuntimeFixture::SetUp();
    config_.artifact_dir = dir_ + "/artifacts";
    config_.retention.batch_pause_ms = 1;
  }
  // A job stored as finished in `state` at `finished`, with an artifact file when asked.
  std::string InsertFinished(JobState state, TimeMs finished, const std::string& queue = "default",
                             bool artifact = false) {
    Job j;
    j.id = NewUuidV7(finished);
    j.type = "noop";
    j.queue = queue;
    j.state = state;
    j.run_at = j.created_at = finished - 1000;
    j.updated_at = finished;
    j.finished_at = finished;
    j.request_hash = "h";
    auto r = store_->JobInsertMany({.jobs = {j}, .now = finished});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (artifact) {
      const auto dir = std::filesystem::path(config_.artifact_dir) / j.id;
      std::filesystem::create_directories(dir);
      std::ofstream(dir / "report.csv") << "a,b\n";
    }
    return j.id;
  }
  bool Exists(const std::string& id) { return store_->JobGet(id).ok(); }
};

TEST_F(PrunerTest, PruneOnceDeletesJobsPastTheirStatesAgeWithTheirArtifacts) {
  ManualClock clock(kNow);
  // In creation order, as a store fills (the walk relies on it: store_retention.h).
  const std::string old_failed = InsertFinished(JobState::kFailed, kNow - 31 * kDay);
  const std::string expired = InsertFinished(JobState::kExpired, kNow - 31 * kDay);
  const std::string old_ok = InsertFinished(JobState::kSucceeded, kNow - 8 * kDay, "default", true);
  const std::string failed = InsertFinished(JobState::kFailed, kNow - 8 * kDay);
  const std::string young_ok = InsertFinished(JobState::kSucceeded, kNow - 6 * kDay);
  Pruner pruner(*store_, clock, config_);  // the defaults: 7 days, 30 days
  EXPECT_EQ(pruner.PruneOnce(), 3);
  EXPECT_FALSE(Exists(old_ok));
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(config_.artifact_dir) / old_ok));
  EXPECT_TRUE(Exists(young_ok));
  EXPECT_TRUE(Exists(failed));
  EXPECT_FALSE(Exists(old_failed));
  EXPECT_FALSE(Exists(expired));
  EXPECT_EQ(pruner.PruneOnce(), 0);
  EXPECT_NE(observability::metrics::Exposition({}).find(
                "conveyor_jobs_pruned_total{state=\"SUCCEEDED\"}"),
            std::string::npos);
}

TEST_F(PrunerTest, APassGoesThroughEveryBatch) {
  ManualClock clock(kNow);
  for (int i = 0; i < 7; ++i) InsertFinished(JobState::kCancelled, kNow - 40 * kDay + i);
  config_.retention.batch_limit = 2;
  Pruner pruner(*store_, clock, config_);
  EXPECT_EQ(pruner.PruneOnce(), 7);
  EXPECT_EQ(store_->JobCountByState()->count(JobState::kCancelled), 0u);
}

TEST_F(PrunerTest, AQueuesOwnAgesReplaceTheNodes) {
  ManualClock clock(kNow);
  QueuePatchParams keep = {.name = "audit", .now = kNow};
  keep.retention.succeeded_ms = 0;  // for ever
  ASSERT_TRUE(store_->QueuePatch(keep).ok());
  QueuePatchParams fast = {.name = "thumbs", .now = kNow};
  fast.retention.succeeded_ms = 3600 * 1000;
  ASSERT_TRUE(store_->QueuePatch(fast).ok());
  const std::string audit = InsertFinished(JobState::kSucceeded, kNow - 100 * kDay, "audit");
  const std::string thumb = InsertFinished(JobState::kSucceeded, kNow - 2 * 3600 * 1000, "thumbs");
  const std::string plain = InsertFinished(JobState::kSucceeded, kNow - 2 * 3600 * 1000);
  Pruner pruner(*store_, clock, config_);
  EXPECT_EQ(pruner.PruneOnce(), 1);
  EXPECT_TRUE(Exists(audit));
  EXPECT_FALSE(Exists(thumb));
  EXPECT_TRUE(Exists(plain));
}

TEST_F(PrunerTest, ZeroAgesKeepEverything) {
  ManualClock clock(kNow);
  const std::string id = InsertFinished(JobState::kSucceeded, kNow - 1000 * kDay);
  config_.retention.succeeded_ms = 0;
  Pruner pruner(*store_, clock, config_);
  EXPECT_EQ(pruner.PruneOnce(), 0);
  EXPECT_TRUE(Exists(id));
}

TEST_F(PrunerTest, IntervalIsATenthOfTheShortestAgeWithinBounds) {
  RetentionConfig c;
  EXPECT_EQ(Pruner::Interval(c), std::chrono::milliseconds(60000));
  c.succeeded_ms = 2000;
  EXPECT_EQ(Pruner::Interval(c), std::chrono::milliseconds(1000));
  c.succeeded_ms = 300000;
  EXPECT_EQ(Pruner::Interval(c), std::chrono::milliseconds(30000));
}

// The started service prunes on its own (SQLite: this node always leads) and stops mid-walk.
TEST_F(PrunerTest, MaintenancePrunesOnItsOwnAndStopsCleanly) {
  config_.workers = 0;
  config_.retention.succeeded_ms = 1000;
  const TimeMs now = SystemClock::Default()->NowMs();
  const std::string id = InsertFinished(JobState::kSucceeded, now - 10'000);
  Pruner pruner(*store_, *SystemClock::Default(), config_);
  pruner.Start();
  const auto deadline = std::chrono::steady_clock::now() + kWaitDeadline;
  while (Exists(id) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(Exists(id));
  pruner.Stop();
  pruner.Stop();
}

}  // namespace
}  // namespace conveyor
