#include "runtime/work/wake_signal.h"

#include <gtest/gtest.h>

#include <thread>

namespace conveyor {
namespace {

using std::chrono::steady_clock;

TEST(WakeSignal, NotifyBeforeWaitIsNotLost) {
  WakeSignal wake;
  const uint64_t seen = wake.Epoch();
  wake.Notify();  // lands between "found no work" and "went to sleep"
  EXPECT_TRUE(wake.WaitUntil(seen, steady_clock::now() + std::chrono::hours(1)));
}

TEST(WakeSignal, NotifyWakesASleeper) {
  WakeSignal wake;
  const uint64_t seen = wake.Epoch();
  std::thread sleeper([&] { EXPECT_TRUE(wake.WaitUntil(seen, steady_clock::now() + std::chrono::hours(1))); });
  wake.Notify();
  sleeper.join();
}

TEST(WakeSignal, DeadlineEndsTheWait) {
  WakeSignal wake;
  EXPECT_FALSE(wake.WaitUntil(wake.Epoch(), steady_clock::now() + std::chrono::milliseconds(5)));
}

TEST(WakeSignal, ShutdownWakesEveryoneForGood) {
  WakeSignal wake;
  const uint64_t seen = wake.Epoch();
  std::thread a([&] { wake.WaitUntil(seen, steady_clock::now() + std::chrono::hours(1)); });
  std::thread b([&] { wake.WaitUntil(seen, steady_clock::now() + std::chrono::hours(1)); });
  wake.Shutdown();
  a.join();
  b.join();
  EXPECT_TRUE(wake.IsShutdown());
  EXPECT_TRUE(wake.WaitUntil(wake.Epoch(), steady_clock::now() + std::chrono::hours(1)));
}

}  // namespace
}  // namespace conveyor
