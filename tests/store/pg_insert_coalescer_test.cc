// PgInsertCoalescer on a real PgAsyncRunner. The insert function is the coalescer's injection
// seam (PostgresStore passes JobInsertMany); here it is a fake that fails on demand, so the
// failure shapes are exact: every caller gets exactly one answer, a failure that is no row's fault
// is not retried one call at a time, and a throwing insert does not strand later callers.
// Last, the same through PostgresStore on a real server that is stopped and started again.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "postgres_test_util.h"
#include "store/postgres/pg_async_runner.h"
#include "store/postgres/pg_insert_coalescer.h"
#include "store_test_util.h"

namespace conveyor::testing {
namespace {

using InsertResult = Result<std::vector<InsertOutcome>>;
constexpr auto kAnswerBound = std::chrono::seconds(30);  // generous: the machine is noisy

// The fake insert: the first call waits at a gate (so later Add()s pile up and merge), then
// every call answers what `answer` says for the number of jobs it got.
class FakeInsert {
 public:
  std::function<InsertResult(const JobInsertManyParams&)> answer = [](const JobInsertManyParams& p) {
    std::vector<InsertOutcome> out;
    for (const Job& j : p.jobs) out.push_back({.job = j});
    return InsertResult(std::move(out));
  };

  PgInsertCoalescer::InsertFn Fn() {
    return [this](const JobInsertManyParams& p) {
      sizes_.push_back(p.jobs.size());  // only the single drain task calls it
      std::unique_lock<std::mutex> lock(mu_);
      entered_ = true;
      changed_.notify_all();
      changed_.wait(lock, [&] { return open_; });
      lock.unlock();
      return answer(p);
    };
  }
  void WaitEntered() {
    std::unique_lock<std::mutex> lock(mu_);
    ASSERT_TRUE(changed_.wait_for(lock, kAnswerBound, [&] { return entered_; }));
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    changed_.notify_all();
  }
  const std::vector<size_t>& sizes() const { return sizes_; }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  bool entered_ = false;
  bool open_ = false;
  std::vector<size_t> sizes_;
};

// Adds one call whose answer lands in the returned future.
std::future<InsertResult> AddOne(PgInsertCoalescer& coalescer) {
  auto answer = std::make_shared<std::promise<InsertResult>>();
  std::future<InsertResult> f = answer->get_future();
  coalescer.Add({.jobs = {MakeJob()}, .now = kT0},
                [answer](InsertResult r) { answer->set_value(std::move(r)); });
  return f;
}

// One call blocks the drain task; then `n` calls pile up behind it and go out merged.
std::vector<std::future<InsertResult>> AddBehindAGate(PgInsertCoalescer& coalescer, FakeInsert& fake,
                                                      int n) {
  std::vector<std::future<InsertResult>> answers;
  answers.push_back(AddOne(coalescer));
  fake.WaitEntered();
  for (int i = 0; i < n; ++i) answers.push_back(AddOne(coalescer));
  fake.Open();
  return answers;
}

InsertResult MustAnswer(std::future<InsertResult>& f) {
  if (f.wait_for(kAnswerBound) != std::future_status::ready) {
    ADD_FAILURE() << "a submit got no answer within 30 s";
    return Status::Internal("no answer");
  }
  return f.get();
}

TEST(PgInsertCoalescerTest, UnreachableDatabaseAnswersEveryMergedCallAtOnceWithoutRetryingEachAlone) {
  FakeInsert fake;
  fake.answer = [](const JobInsertManyParams&) -> InsertResult {
    return Status::Unavailable("PostgreSQL is unreachable: connection lost during COMMIT");
  };
  PgAsyncRunner runner(2);
  PgInsertCoalescer coalescer(runner, fake.Fn(), 1);
  auto answers = AddBehindAGate(coalescer, fake, 5);
  for (auto& f : answers) EXPECT_EQ(MustAnswer(f).status().code(), StatusCode::kUnavailable);
  // The gate call alone, then the five merged once: a lost COMMIT's rows may exist, so trying
  // each alone again could store a job twice (and would keep them waiting for 5 more failures).
  EXPECT_EQ(fake.sizes(), (std::vector<size_t>{1, 5}));
}

TEST(PgInsertCoalescerTest, OneBadRowRetriesEachAloneSoTheOthersLand) {
  FakeInsert fake;
  fake.answer = [](const JobInsertManyParams& p) -> InsertResult {
    if (p.jobs.size() > 1) return Status::InvalidArgument("value out of range");
    return std::vector<InsertOutcome>{{.job = p.jobs.front()}};
  };
  PgAsyncRunner runner(2);
  PgInsertCoalescer coalescer(runner, fake.Fn(), 1);
  auto answers = AddBehindAGate(coalescer, fake, 3);
  for (auto& f : answers) EXPECT_TRUE(MustAnswer(f).ok());
  EXPECT_EQ(fake.sizes(), (std::vector<size_t>{1, 3, 1, 1, 1}));
}

TEST(PgInsertCoalescerTest, ThrowingInsertAnswersEveryCallAndLaterCallsStillDrain) {
  FakeInsert fake;
  std::atomic<bool> throws{true};
  fake.answer = [&throws](const JobInsertManyParams& p) -> InsertResult {
    if (throws) throw std::runtime_error("boom");
    return std::vector<InsertOutcome>{{.job = p.jobs.front()}};
  };
  PgAsyncRunner runner(2);
  PgInsertCoalescer coalescer(runner, fake.Fn(), 1);
  auto answers = AddBehindAGate(coalescer, fake, 3);
  for (auto& f : answers) {
    InsertResult r = MustAnswer(f);
    EXPECT_EQ(r.status().code(), StatusCode::kInternal);
    EXPECT_NE(r.status().message().find("boom"), std::string::npos) << r.status().ToString();
  }
  throws = false;
  auto later = AddOne(coalescer);  // the drain count was given back: a new drain runs it
  EXPECT_TRUE(MustAnswer(later).ok());
}

}  // namespace
}  // namespace conveyor::testing

namespace conveyor::testing {
namespace {

// Sends `n` keyless single-job submits at once through PostgresStore's async path (the merged
// one) and waits (bounded) for every answer.
std::vector<InsertResult> SubmitKeylessAtOnce(Store& store, int n) {
  std::vector<std::future<InsertResult>> pending;
  for (int i = 0; i < n; ++i) {
    auto answer = std::make_shared<std::promise<InsertResult>>();
    pending.push_back(answer->get_future());
    store.JobInsertManyAsync({.jobs = {MakeJob()}, .now = kT0},
                             [answer](InsertResult r) { answer->set_value(std::move(r)); });
  }
  std::vector<InsertResult> out;
  for (auto& f : pending) out.push_back(MustAnswer(f));
  return out;
}

// The finding-1 shape on PostgreSQL, on a real server: merged submits that fail while the server
// is down are all answered, and once it is back later submits land, each exactly once.
TEST(PgInsertCoalescerRestartTest, KeylessSubmitsAnswerWhileTheServerIsDownAndLandOnceAfter) {
  auto server = PgTestServer::MustStart();
  auto store = MustOpenPostgres(server->Url(), /*listen_notify=*/false);
  MustOk(store->Migrate(), "migrate");
  server->MustStop();
  for (const InsertResult& r : SubmitKeylessAtOnce(*store, 20)) {
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  }
  server->MustStartAgain();
  int landed = 0;
  for (const InsertResult& r : SubmitKeylessAtOnce(*store, 20)) {
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    landed += r.ok() ? 1 : 0;
  }
  auto counts = MustOk(store->JobCountByState(), "count");
  int64_t stored = 0;
  for (const auto& [state, n] : counts) stored += n;
  EXPECT_EQ(stored, landed);  // nothing from the failed round, nothing twice
}

}  // namespace
}  // namespace conveyor::testing
