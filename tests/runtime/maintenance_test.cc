// Maintenance and its PeriodicService base: a pass at Start() and every interval, Stop() safe
// twice and before Start(), OnStopped() only after a loop that ran; and maintenance running on
// a node with no worker pool (an API-only node): its heartbeat lists it and expired leases are
// rescued.
#include "runtime/maintenance/maintenance.h"

#include <gtest/gtest.h>

#include <atomic>

#include "runtime/maintenance/periodic_service.h"
#include "runtime_fixture.h"

namespace conveyor {
namespace {

class CountingService final : public PeriodicService {
 public:
  explicit CountingService(std::chrono::milliseconds interval) : PeriodicService(interval) {}
  ~CountingService() override { Stop(); }

  std::atomic<int> passes{0};
  std::atomic<int> stopped{0};

 private:
  void RunOnce() override { ++passes; }
  void OnStopped() override { ++stopped; }
};

TEST(PeriodicServiceTest, RunsAtStartAndEveryIntervalUntilStop) {
  CountingService service(std::chrono::milliseconds(1));
  service.Start();
  service.Start();  // no second thread
  const auto deadline = std::chrono::steady_clock::now() + kWaitDeadline;
  while (service.passes.load() < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  service.Stop();
  const int passes = service.passes.load();
  EXPECT_GE(passes, 3);
  service.Stop();  // safe twice
  service.Start();  // no restart after Stop
  EXPECT_EQ(service.passes.load(), passes);
  EXPECT_EQ(service.stopped.load(), 1);
}

TEST(PeriodicServiceTest, StopBeforeStartRunsNothing) {
  CountingService service(std::chrono::hours(1));
  service.Stop();
  service.Start();
  service.Stop();
  EXPECT_EQ(service.passes.load(), 0);
  EXPECT_EQ(service.stopped.load(), 0);
}

class MaintenanceTest : public RuntimeFixture {};

TEST_F(MaintenanceTest, RunsWithoutAWorkerPool) {
  config_.workers = 0;
  config_.rescue_interval_ms = 10;
  StartRuntime();
  const Job job = MustSubmit(Spec("noop", "{}"));
  Result<std::vector<Job>> claimed = store_->JobClaim(
      {.worker_id = "dead-node/w0", .max = 1, .now = SystemClock::Default()->NowMs(), .lease_ms = 1});
  ASSERT_TRUE(claimed.ok() && claimed->size() == 1u);
  Maintenance maintenance(*store_, *SystemClock::Default(), config_, kRoleApi, /*pool=*/nullptr);
  maintenance.Start();
  const Job rescued = WaitFor(job.id, [](const Job& j) { return j.state != JobState::kRunning; });
  EXPECT_EQ(rescued.state, JobState::kRetrying);
  maintenance.Stop();
  maintenance.Stop();  // idempotent
  Result<std::vector<NodeInfo>> nodes = maintenance.nodes().List();
  ASSERT_TRUE(nodes.ok()) << nodes.status().ToString();
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_EQ(nodes->front().name, config_.node_name);
  EXPECT_EQ(nodes->front().role, "api");
  EXPECT_EQ(nodes->front().running_jobs, 0);
}

}  // namespace
}  // namespace conveyor
