// QueueSnapshotRefresher: a node's queue snapshot follows changes made by another node (straight
// in the store here) without any read of it having to find it stale first.
#include "runtime/queue_snapshot_refresher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "runtime_fixture.h"

namespace conveyor {
namespace {

class QueueSnapshotRefresherTest : public RuntimeFixture {
 protected:
  // The manual clock never advances: a read never finds the snapshot stale, so only the
  // refresher can bring another node's change in.
  ManualClock clock_{1'800'000'000'000};

  bool PausedInSnapshot(const std::string& queue) {
    const auto snap = service_->queues().Current();
    const auto it = snap->queues.find(queue);
    return it != snap->queues.end() && it->second.paused;
  }

  bool WaitPaused(const std::string& queue) {
    const auto deadline = std::chrono::steady_clock::now() + kWaitDeadline;
    while (!PausedInSnapshot(queue) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return PausedInSnapshot(queue);
  }
};

TEST_F(QueueSnapshotRefresherTest, AnotherNodesPauseReachesASnapshotNobodyRead) {
  config_.workers = 0;
  StartRuntime(clock_);
  ASSERT_TRUE(store_->QueuePatch({.name = "mail", .paused = true, .now = clock_.NowMs()}).ok());
  EXPECT_FALSE(PausedInSnapshot("mail"));  // the snapshot was read at start, before the pause
  QueueSnapshotRefresher refresher(service_->queues());
  refresher.Start();
  EXPECT_TRUE(WaitPaused("mail"));
  ASSERT_TRUE(store_->QueuePatch({.name = "mail", .paused = false, .now = clock_.NowMs()}).ok());
  const auto deadline = std::chrono::steady_clock::now() + kWaitDeadline;
  while (PausedInSnapshot("mail") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_FALSE(PausedInSnapshot("mail")) << "the refresher must keep going after its first pass";
  refresher.Stop();
  refresher.Stop();  // safe twice
}

TEST_F(QueueSnapshotRefresherTest, StopBeforeStartRunsNothing) {
  config_.workers = 0;
  StartRuntime(clock_);
  ASSERT_TRUE(store_->QueuePatch({.name = "mail", .paused = true, .now = clock_.NowMs()}).ok());
  QueueSnapshotRefresher refresher(service_->queues());
  refresher.Stop();
  refresher.Start();  // after Stop: does nothing
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(PausedInSnapshot("mail"));
}

}  // namespace
}  // namespace conveyor
