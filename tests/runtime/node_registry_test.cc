// NodeRegistry: this node's row in the store's node list — role, start time, running jobs,
// leadership — kept fresh by heartbeats and zeroed at Stop(); `alive` from the last beat.
#include "runtime/maintenance/node_registry.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>

#include "runtime_fixture.h"

namespace conveyor {
namespace {

class NodeRegistryTest : public RuntimeFixture {
 protected:
  NodeInfo MustFind(const std::string& name) {
    Result<std::vector<NodeInfo>> nodes = store_->NodeList();
    EXPECT_TRUE(nodes.ok()) << nodes.status().ToString();
    if (nodes.ok()) {
      for (const NodeInfo& n : *nodes) {
        if (n.name == name) return n;
      }
    }
    ADD_FAILURE() << "node " << name << " not listed";
    return {};
  }

  ManualClock clock_{1'800'000'000'000};
};

TEST_F(NodeRegistryTest, BeatRecordsRoleRunningJobsAndLeadership) {
  std::atomic<int> running{3};
  NodeRegistry node(*store_, clock_, "n1", kRoleWorker, [&] { return running.load(); });
  ASSERT_TRUE(node.BeatOnce().ok());
  NodeInfo info = MustFind("n1");
  EXPECT_EQ(info.role, "worker");
  EXPECT_EQ(info.running_jobs, 3);
  EXPECT_EQ(info.started_at, clock_.NowMs());
  EXPECT_TRUE(info.leader);  // SQLite: one process owns the file
  clock_.Advance(1'000);
  running = 1;
  ASSERT_TRUE(node.BeatOnce().ok());
  info = MustFind("n1");
  EXPECT_EQ(info.last_seen_at, clock_.NowMs());
  EXPECT_EQ(info.started_at, clock_.NowMs() - 1'000);
  EXPECT_EQ(info.running_jobs, 1);
}

TEST_F(NodeRegistryTest, AliveMeansSeenWithinThreeHeartbeats) {
  NodeInfo n{.name = "n", .last_seen_at = 10'000};
  EXPECT_TRUE(NodeRegistry::IsAlive(n, 10'000 + 3 * NodeRegistry::kHeartbeatMs));
  EXPECT_FALSE(NodeRegistry::IsAlive(n, 10'001 + 3 * NodeRegistry::kHeartbeatMs));
}

TEST_F(NodeRegistryTest, StopLeavesARowWithNoRunningJobs) {
  NodeRegistry node(*store_, clock_, "n2", kRoleServe, [] { return 5; }, /*interval_ms=*/10);
  node.Start();
  node.Stop();
  node.Stop();  // idempotent
  EXPECT_EQ(MustFind("n2").running_jobs, 0);
}

TEST_F(NodeRegistryTest, DefaultNameIsHostAndPid) {
  const std::string name = NodeRegistry::DefaultName();
  EXPECT_NE(name.find('-' + std::to_string(getpid())), std::string::npos) << name;
}

}  // namespace
}  // namespace conveyor
