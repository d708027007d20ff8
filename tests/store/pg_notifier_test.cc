// PgNotifier through two PostgresStores (nodes) on one schema: the NOTIFY that announces a
// commit must not be lost because the notifier's kept connection died between two bursts.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

#include "postgres_test_util.h"

namespace conveyor::testing {
namespace {

// Counts Listen callbacks; waits (bounded, 30 s: a deadline, not a timing assertion).
class Wakes {
 public:
  std::function<void()> Callback() {
    return [this] {
      std::lock_guard<std::mutex> lock(mu_);
      ++count_;
      changed_.notify_all();
    };
  }
  bool WaitFor(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(30), [&] { return count_ >= n; });
  }
  int count() {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int count_ = 0;
};

// Issue 8 review ("a failed batch forgets its callers"): the first burst after the notifier's
// connection died was dropped, so the other node slept until its next poll.
TEST(PgNotifierTest, WakeUpAfterTheNotifierConnectionWasKilledStillArrives) {
  const std::string url = PgTestSchemas::Get().UrlFor(MakeTempDir());
  const std::string app = "notify_test_" + std::to_string(kT0 ^ std::hash<std::string>{}(url));
  auto listener = MustOpenPostgres(url);
  MustOk(listener->Migrate(), "migrate");
  auto writer = MustOpenPostgres(PgUrlWithParam(url, "application_name=" + app));
  Wakes wakes;
  MustOk(listener->Listen(wakes.Callback()), "listen");
  ASSERT_TRUE(wakes.WaitFor(1));  // once at start
  MustInsert(*writer);
  ASSERT_TRUE(wakes.WaitFor(2));  // the notifier's connection is open now
  // Kill only the writer's notifier connection (the listener's own stays, so a reconnect
  // callback cannot stand in for the wake-up).
  MustPgExec(PgUrlWithDatabase(SharedPgBaseUrl(), "conveyor_test"),
             "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE application_name = '" +
                 app + "' AND query LIKE '%pg_notify%'");
  const int before = wakes.count();
  MustInsert(*writer);
  EXPECT_TRUE(wakes.WaitFor(before + 1)) << "the commit after the kill woke nobody";
}

}  // namespace
}  // namespace conveyor::testing
