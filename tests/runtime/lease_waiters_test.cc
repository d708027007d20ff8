// LeaseWaiters: finding 9 — a submit wakes only the long polls that can take its jobs, and at
// most one per job; a wake a poll did not use passes to another poll of the same filter.
#include "runtime/work/lease_waiters.h"

#include <gtest/gtest.h>

#include <map>

namespace conveyor {
namespace {

class LeaseWaitersTest : public ::testing::Test {
 protected:
  uint64_t AddCounting(WaitFilter f, int max = 1) {
    const uint64_t slot = next_slot_++;
    const uint64_t id = waiters_.Add(std::move(f), max, [this, slot] { ++wakes_[slot]; });
    slot_of_[id] = slot;
    return id;
  }
  int WakesOf(uint64_t id) { return wakes_[slot_of_[id]]; }
  int TotalWakes() {
    int n = 0;
    for (const auto& [_, w] : wakes_) n += w;
    return n;
  }

  LeaseWaiters waiters_;
  std::map<uint64_t, int> wakes_;
  std::map<uint64_t, uint64_t> slot_of_;
  uint64_t next_slot_ = 0;
};

TEST_F(LeaseWaitersTest, SubmitWakesOnlyMatchingLongPolls) {
  const uint64_t a = AddCounting({.types = {"ext.a"}});
  const uint64_t b = AddCounting({.types = {"ext.b"}});
  const uint64_t q2 = AddCounting({.queues = {"q2"}, .types = {"ext.a"}});
  const uint64_t untyped = AddCounting({.exclude_types = {"noop"}});
  waiters_.Notify({{"default", "ext.a"}});
  EXPECT_EQ(WakesOf(a) + WakesOf(untyped), 1);  // one job: one of the two that match
  EXPECT_EQ(WakesOf(b), 0);
  EXPECT_EQ(WakesOf(q2), 0);
  waiters_.Notify({{"default", "noop"}});  // a built-in nobody named
  EXPECT_EQ(TotalWakes(), 1);
  waiters_.Notify({{"q2", "ext.a"}, {"default", "ext.b"}});
  EXPECT_EQ(WakesOf(b), 1);
  EXPECT_EQ(TotalWakes(), 3);
  EXPECT_EQ(waiters_.wakeups(), 3);
}

TEST_F(LeaseWaitersTest, SubmitOfNJobsWakesAtMostNPolls) {
  std::vector<uint64_t> ids;
  for (int i = 0; i < 300; ++i) ids.push_back(AddCounting({.types = {"ext.t"}}));
  waiters_.Notify(std::vector<JobKey>(3, JobKey{"default", "ext.t"}));
  EXPECT_EQ(TotalWakes(), 3);
  for (uint64_t id : ids) EXPECT_LE(WakesOf(id), 1);
  // The next jobs go to polls not woken yet (least recently woken first).
  waiters_.Notify(std::vector<JobKey>(3, JobKey{"default", "ext.t"}));
  EXPECT_EQ(TotalWakes(), 6);
  for (uint64_t id : ids) EXPECT_LE(WakesOf(id), 1);
  // More jobs than polls: every poll once, no more.
  waiters_.Notify(std::vector<JobKey>(1000, JobKey{"default", "ext.t"}));
  EXPECT_EQ(TotalWakes(), 6 + 300);
}

TEST_F(LeaseWaitersTest, APollThatMayTakeSeveralJobsCountsForThem) {
  const uint64_t big = AddCounting({.types = {"ext.t"}}, /*max=*/10);
  const uint64_t other = AddCounting({.types = {"ext.t"}}, /*max=*/10);
  waiters_.Notify(std::vector<JobKey>(4, JobKey{"default", "ext.t"}));
  EXPECT_EQ(WakesOf(big), 1);
  EXPECT_EQ(WakesOf(other), 0);
}

TEST_F(LeaseWaitersTest, AWakeThePollDidNotUseGoesToAnotherPoll) {
  const uint64_t first = AddCounting({.types = {"ext.t"}});
  const uint64_t second = AddCounting({.types = {"ext.t"}});
  waiters_.Notify({{"default", "ext.t"}});
  ASSERT_EQ(WakesOf(first), 1);
  waiters_.Remove(first);  // e.g. its deadline passed before it looked again
  EXPECT_EQ(WakesOf(second), 1);
  // A wake the poll consumed (it looked at the store after it) is not passed on.
  const uint64_t third = AddCounting({.types = {"ext.t"}});
  waiters_.Notify({{"default", "ext.t"}});
  waiters_.Looking(second);
  waiters_.Looking(third);
  waiters_.Remove(second);
  waiters_.Remove(third);
  EXPECT_EQ(TotalWakes(), 3);
  EXPECT_EQ(waiters_.waiting(), 0);
}

TEST_F(LeaseWaitersTest, ShutdownWakesEveryPoll) {
  for (int i = 0; i < 5; ++i) AddCounting({.types = {"ext.t"}});
  waiters_.NotifyAll();
  EXPECT_EQ(TotalWakes(), 5);
}

}  // namespace
}  // namespace conveyor
