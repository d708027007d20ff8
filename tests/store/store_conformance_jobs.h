// Store conformance, part 1: insert, read, list, events, counts, idempotency, durability and
// group commit. Included by store_conformance.h; see there how a backend plugs in.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <set>
#include <thread>

#include "store_conformance_fixture.h"

namespace conveyor::testing {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

template <class Factory>
class StoreJobsConformance : public StoreTest<Factory> {};
TYPED_TEST_SUITE_P(StoreJobsConformance);

TYPED_TEST_P(StoreJobsConformance, InsertThenGetRoundTripsEveryField) {
  Job j = MakeJob({.type = "square_sum", .queue = "pro", .state = JobState::kScheduled,
                   .priority = 2, .run_at = kT0 + 5000, .max_attempts = 7,
                   .idempotency_key = "key-1", .request_hash = "rh",
                   .payload = R"({"data":[1,2,"\u00e9\"x"]})", .tags = {"a", "b \"quoted\""}});
  j.expires_at = kT0 + 60000;
  j.timeout_s = 42;
  j.correlation_id = "corr-1";
  j.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  j.tracestate = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";
  j.webhook_url = "https://example.com/hook";
  // A dependency must exist (an unknown id is refused); one that SUCCEEDED leaves the job as is.
  j.depends_on = {MustInsert(this->store(), {.state = JobState::kSucceeded}).id};
  j.message = "queued";
  j.current_step = "step-0";
  j.result_ref = "s3://bucket/x";
  j.created_at = kT0 - 1;
  j.updated_at = kT0 - 1;
  auto out = MustOk(this->store().JobInsertMany({.jobs = {j}, .now = kT0}), "insert");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].is_new);
  const Job got = MustGet(this->store(), j.id);
  EXPECT_EQ(got.id, j.id);
  EXPECT_EQ(got.type, "square_sum");
  EXPECT_EQ(got.queue, "pro");
  EXPECT_EQ(got.payload, j.payload);
  EXPECT_EQ(got.state, JobState::kScheduled);
  EXPECT_EQ(got.priority, 2);
  EXPECT_EQ(got.attempt, 0);
  EXPECT_EQ(got.max_attempts, 7);
  EXPECT_EQ(got.run_at, kT0 + 5000);
  EXPECT_EQ(got.expires_at, kT0 + 60000);
  EXPECT_EQ(got.timeout_s, 42);
  EXPECT_EQ(got.idempotency_key, "key-1");
  EXPECT_EQ(got.correlation_id, "corr-1");
  EXPECT_EQ(got.traceparent, j.traceparent);
  EXPECT_EQ(got.tracestate, j.tracestate);
  EXPECT_EQ(got.webhook_url, "https://example.com/hook");
  EXPECT_EQ(got.depends_on, j.depends_on);
  EXPECT_EQ(got.tags, j.tags);
  EXPECT_EQ(got.progress, 0);
  EXPECT_EQ(got.message, "queued");
  EXPECT_EQ(got.current_step, "step-0");
  EXPECT_EQ(got.result, std::nullopt);
  EXPECT_EQ(got.result_ref, "s3://bucket/x");
  EXPECT_EQ(got.error, std::nullopt);
  EXPECT_EQ(got.created_at, kT0 - 1);
  EXPECT_EQ(got.started_at, std::nullopt);
  EXPECT_EQ(got.finished_at, std::nullopt);
  EXPECT_EQ(got.updated_at, kT0 - 1);
  EXPECT_FALSE(got.lease.has_value());
  EXPECT_FALSE(got.cancel_requested);
  EXPECT_EQ(got.request_hash, "rh");
}

TYPED_TEST_P(StoreJobsConformance, GetUnknownJobIsNotFound) {
  auto r = this->store().JobGet("0190f0f0-0000-7000-8000-00000000dead");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
}

TYPED_TEST_P(StoreJobsConformance, IdempotentReplayReturnsTheOriginalJob) {
  const Job first = MustInsert(this->store(), {.idempotency_key = "k", .request_hash = "h1"});
  auto replay = MustOk(this->store().JobInsertMany(
                           {.jobs = {MakeJob({.idempotency_key = "k", .request_hash = "h1"})},
                            .now = kT0}),
                       "replay");
  ASSERT_EQ(replay.size(), 1u);
  EXPECT_FALSE(replay[0].is_new);
  EXPECT_EQ(replay[0].job.id, first.id);
  auto page = MustOk(this->store().JobList({}), "list");
  EXPECT_EQ(page.jobs.size(), 1u);
}

TYPED_TEST_P(StoreJobsConformance, SameKeyDifferentRequestIsConflictNamingKeyAndJob) {
  const Job first = MustInsert(this->store(), {.idempotency_key = "k", .request_hash = "h1"});
  auto r = this->store().JobInsertMany(
      {.jobs = {MakeJob({.idempotency_key = "k", .request_hash = "h2"})}, .now = kT0});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kConflict);
  EXPECT_EQ(r.status().message(), "idempotency key 'k' was already used for a different request "
                                  "(job " + first.id + ")");
}

TYPED_TEST_P(StoreJobsConformance, DuplicateKeyWithinOneBatch) {
  std::vector<Job> batch = {MakeJob({.idempotency_key = "k", .request_hash = "h"}),
                            MakeJob({.idempotency_key = "k", .request_hash = "h"})};
  auto out = MustOk(this->store().JobInsertMany({.jobs = batch, .now = kT0}), "insert");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].is_new);
  EXPECT_FALSE(out[1].is_new);
  EXPECT_EQ(out[1].job.id, out[0].job.id);
  EXPECT_EQ(MustOk(this->store().JobList({}), "list").jobs.size(), 1u);

  std::vector<Job> clash = {MakeJob({.idempotency_key = "z", .request_hash = "h"}),
                            MakeJob({.idempotency_key = "z", .request_hash = "other"})};
  auto r = this->store().JobInsertMany({.jobs = clash, .now = kT0});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kConflict);
  EXPECT_THAT(r.status().message(), HasSubstr("job " + clash[0].id));
}

TYPED_TEST_P(StoreJobsConformance, ConflictInABatchStoresNothing) {
  MustInsert(this->store(), {.idempotency_key = "taken", .request_hash = "h1"});
  const Job fresh = MakeJob();
  auto r = this->store().JobInsertMany(
      {.jobs = {fresh, MakeJob({.idempotency_key = "taken", .request_hash = "h2"})}, .now = kT0});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(this->store().JobGet(fresh.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(MustOk(this->store().JobList({}), "list").jobs.size(), 1u);
}

TYPED_TEST_P(StoreJobsConformance, DuplicateJobIdIsConflict) {
  const Job j = MakeJob();
  MustInsertMany(this->store(), {j});
  auto r = this->store().JobInsertMany({.jobs = {j}, .now = kT0});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kConflict);
}

TYPED_TEST_P(StoreJobsConformance, OutOfRangePriorityIsRejected) {
  auto r = this->store().JobInsertMany({.jobs = {MakeJob({.priority = 11})}, .now = kT0});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TYPED_TEST_P(StoreJobsConformance, InsertAppendsTheFirstEvent) {
  const Job j = MustInsert(this->store(), {.state = JobState::kScheduled});
  auto events = MustOk(this->store().JobEventList(j.id), "events");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].from, std::nullopt);
  EXPECT_EQ(events[0].to, JobState::kScheduled);
  EXPECT_EQ(events[0].at, kT0);
  EXPECT_EQ(this->store().JobEventList("0190f0f0-0000-7000-8000-00000000dead").status().code(),
            StatusCode::kNotFound);
}

TYPED_TEST_P(StoreJobsConformance, ListIsNewestFirstAndFilters) {
  const Job a = MustInsert(this->store(), {.type = "t1", .queue = "q1"});
  const Job b = MustInsert(this->store(), {.type = "t2", .queue = "q1"});
  const Job c = MustInsert(this->store(), {.type = "t1", .queue = "q2"});
  MustClaim(this->store(), 1);  // a becomes RUNNING
  auto all = MustOk(this->store().JobList({}), "list");
  EXPECT_THAT(Ids(all.jobs), ElementsAre(c.id, b.id, a.id));
  EXPECT_EQ(all.next_cursor, std::nullopt);
  auto t1 = MustOk(this->store().JobList({.type = "t1"}), "list type");
  EXPECT_THAT(Ids(t1.jobs), ElementsAre(c.id, a.id));
  auto q1 = MustOk(this->store().JobList({.queue = "q1"}), "list queue");
  EXPECT_THAT(Ids(q1.jobs), ElementsAre(b.id, a.id));
  auto pending = MustOk(this->store().JobList({.state = JobState::kPending}), "list state");
  EXPECT_THAT(Ids(pending.jobs), ElementsAre(c.id, b.id));
  auto both = MustOk(this->store().JobList({.state = JobState::kPending, .type = "t1",
                                            .queue = "q2"}), "list all filters");
  EXPECT_THAT(Ids(both.jobs), ElementsAre(c.id));
  // A dialect word covering several states (seed 002's PENDING) lists them all.
  auto waiting_or_running = MustOk(
      this->store().JobList({.state = JobState::kPending, .also_states = {JobState::kRunning}}),
      "list states");
  EXPECT_THAT(Ids(waiting_or_running.jobs), ElementsAre(c.id, b.id, a.id));
  auto three = MustOk(this->store().JobList({.state = JobState::kRunning,
                                             .also_states = {JobState::kFailed,
                                                             JobState::kExpired},
                                             .type = "t1"}),
                      "list three states");
  EXPECT_THAT(Ids(three.jobs), ElementsAre(a.id));
}

TYPED_TEST_P(StoreJobsConformance, CursorPagesAreStableUnderConcurrentInserts) {
  std::vector<std::string> expected;  // newest first
  for (int i = 0; i < 23; ++i) expected.insert(expected.begin(), MustInsert(this->store()).id);
  auto page = MustOk(this->store().JobList({.limit = 5}), "first page");
  std::vector<std::string> seen = Ids(page.jobs);
  std::atomic<bool> stop{false};
  std::thread writer([&] {  // newer jobs keep arriving while the reader pages on
    while (!stop) MustInsert(this->store());
  });
  while (page.next_cursor) {
    page = MustOk(this->store().JobList({.limit = 5, .cursor = page.next_cursor}), "page");
    for (const Job& j : page.jobs) seen.push_back(j.id);
  }
  stop = true;
  writer.join();
  EXPECT_EQ(seen, expected);  // no job skipped, none repeated, none of the new ones mixed in
}

TYPED_TEST_P(StoreJobsConformance, ListOffsetAndNextCursor) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.insert(ids.begin(), MustInsert(this->store()).id);
  auto page = MustOk(this->store().JobList({.limit = 2, .offset = 1}), "offset");
  EXPECT_THAT(Ids(page.jobs), ElementsAre(ids[1], ids[2]));
  EXPECT_EQ(page.next_cursor, ids[2]);
  auto next = MustOk(this->store().JobList({.limit = 2, .cursor = page.next_cursor}), "next");
  EXPECT_THAT(Ids(next.jobs), ElementsAre(ids[3], ids[4]));
  auto last = MustOk(this->store().JobList({.limit = 2, .cursor = ids[4]}), "last");
  EXPECT_TRUE(last.jobs.empty());
  EXPECT_EQ(last.next_cursor, std::nullopt);
}

TYPED_TEST_P(StoreJobsConformance, ListRejectsUnknownCursorAndBadLimits) {
  MustInsert(this->store());
  auto unknown = this->store().JobList({.cursor = "0190f0f0-0000-7000-8000-00000000dead"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.status().message(), "cursor does not name a job");
  EXPECT_EQ(this->store().JobList({.limit = 0}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(this->store().JobList({.limit = 1001}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(this->store().JobList({.offset = -1}).status().code(), StatusCode::kInvalidArgument);
}

TYPED_TEST_P(StoreJobsConformance, NextRunAtIsTheEarliestWaitingJob) {
  EXPECT_EQ(MustOk(this->store().JobNextRunAt(), "empty"), std::nullopt);
  MustInsert(this->store(), {.priority = 9, .run_at = kT0 + 300});
  MustInsert(this->store(), {.state = JobState::kScheduled, .priority = 1, .run_at = kT0 + 700});
  MustInsert(this->store(), {.state = JobState::kRetrying, .priority = 5, .run_at = kT0 + 200});
  EXPECT_EQ(MustOk(this->store().JobNextRunAt(), "next"), kT0 + 200);
  // A job that is running no longer counts.
  MustClaim(this->store(), 1, kT0 + 250);  // takes priority 5 (the only due one)
  EXPECT_EQ(MustOk(this->store().JobNextRunAt(), "next"), kT0 + 300);
}

TYPED_TEST_P(StoreJobsConformance, CountByStateCountsOnlyPresentStates) {
  EXPECT_TRUE(MustOk(this->store().JobCountByState(), "empty").empty());
  for (int i = 0; i < 3; ++i) MustInsert(this->store());
  MustInsert(this->store(), {.state = JobState::kScheduled, .run_at = kT0 + 1000});
  MustClaim(this->store(), 1);
  auto counts = MustOk(this->store().JobCountByState(), "counts");
  EXPECT_EQ(counts.size(), 3u);
  EXPECT_EQ(counts[JobState::kPending], 2);
  EXPECT_EQ(counts[JobState::kRunning], 1);
  EXPECT_EQ(counts[JobState::kScheduled], 1);
}

TYPED_TEST_P(StoreJobsConformance, MigrateTwiceIsANoOp) {
  const Job j = MustInsert(this->store());
  MustOk(this->store().Migrate(), "migrate again");
  MustOk(this->store().Migrate(), "and again");
  EXPECT_EQ(MustGet(this->store(), j.id).id, j.id);
  MustOk(this->store().Ping(), "ping");
}

TYPED_TEST_P(StoreJobsConformance, DataSurvivesCloseAndReopen) {
  const Job j = MustInsert(this->store(), {.idempotency_key = "durable"});
  this->Reopen();
  MustOk(this->store().Migrate(), "migrate after reopen");
  EXPECT_EQ(MustGet(this->store(), j.id).idempotency_key, "durable");
  EXPECT_EQ(MustOk(this->store().JobEventList(j.id), "events").size(), 1u);
}

TYPED_TEST_P(StoreJobsConformance, ConcurrentInsertsAllSucceed) {
  constexpr int kThreads = 16;
  constexpr int kPerThread = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!this->store().JobInsertMany({.jobs = {MakeJob()}, .now = kT0}).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(MustOk(this->store().JobCountByState(), "counts")[JobState::kPending],
            kThreads * kPerThread);
}

TYPED_TEST_P(StoreJobsConformance, OneCallersConflictDoesNotFailOthers) {
  MustInsert(this->store(), {.idempotency_key = "taken", .request_hash = "h1"});
  constexpr int kThreads = 8;
  std::atomic<int> ok{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        // Odd threads reuse the taken key with another request: they alone must fail.
        const bool clash = t % 2 == 1;
        Job j = clash ? MakeJob({.idempotency_key = "taken", .request_hash = "h2"}) : MakeJob();
        auto r = this->store().JobInsertMany({.jobs = {j}, .now = kT0});
        if (r.ok()) ++ok;
        if (!r.ok() && r.status().code() == StatusCode::kConflict) ++conflicts;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, kThreads / 2 * 20);
  EXPECT_EQ(conflicts, kThreads / 2 * 20);
  EXPECT_EQ(MustOk(this->store().JobCountByState(), "counts")[JobState::kPending],
            kThreads / 2 * 20 + 1);
}

TYPED_TEST_P(StoreJobsConformance, AsyncInsertCallsDoneOnceWithTheOutcome) {
  std::promise<Result<std::vector<InsertOutcome>>> got;
  const Job j = MakeJob();
  this->store().JobInsertManyAsync({.jobs = {j}, .now = kT0}, [&](auto r) {
    got.set_value(std::move(r));
  });
  auto r = got.get_future().get();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->at(0).job.id, j.id);
  EXPECT_EQ(MustGet(this->store(), j.id).id, j.id);
}

// The async insert (the coalesced multi-row path on both stores) and the claim (its own column
// list) carry the trace too; a job without one reads as none.
TYPED_TEST_P(StoreJobsConformance, TraceContextRoundTripsThroughBatchInsertAndClaim) {
  std::vector<Job> batch;
  for (int i = 0; i < 3; ++i) {
    Job j = MakeJob();
    j.traceparent =
        "00-4bf92f3577b34da6a3ce929d0e0e473" + std::to_string(i) + "-00f067aa0ba902b7-01";
    batch.push_back(j);
  }
  batch[0].tracestate = "k=v";
  batch.push_back(MakeJob());
  std::promise<Result<std::vector<InsertOutcome>>> got;
  this->store().JobInsertManyAsync({.jobs = batch, .now = kT0},
                                   [&](auto r) { got.set_value(std::move(r)); });
  ASSERT_TRUE(got.get_future().get().ok());
  std::vector<Job> claimed = MustClaim(this->store(), 10);
  ASSERT_EQ(claimed.size(), batch.size());
  for (const Job& want : batch) {
    auto c = std::find_if(claimed.begin(), claimed.end(),
                          [&](const Job& j) { return j.id == want.id; });
    ASSERT_NE(c, claimed.end());
    EXPECT_EQ(c->traceparent, want.traceparent) << want.id;
    EXPECT_EQ(c->tracestate, want.tracestate) << want.id;
    EXPECT_EQ(MustGet(this->store(), want.id).traceparent, want.traceparent);
  }
  EXPECT_EQ(MustGet(this->store(), batch[3].id).traceparent, std::nullopt);
}

REGISTER_TYPED_TEST_SUITE_P(StoreJobsConformance, InsertThenGetRoundTripsEveryField,
                            GetUnknownJobIsNotFound, IdempotentReplayReturnsTheOriginalJob,
                            SameKeyDifferentRequestIsConflictNamingKeyAndJob,
                            DuplicateKeyWithinOneBatch, ConflictInABatchStoresNothing,
                            DuplicateJobIdIsConflict, OutOfRangePriorityIsRejected,
                            InsertAppendsTheFirstEvent, ListIsNewestFirstAndFilters,
                            CursorPagesAreStableUnderConcurrentInserts, ListOffsetAndNextCursor,
                            ListRejectsUnknownCursorAndBadLimits,
                            NextRunAtIsTheEarliestWaitingJob, CountByStateCountsOnlyPresentStates,
                            MigrateTwiceIsANoOp, DataSurvivesCloseAndReopen,
                            ConcurrentInsertsAllSucceed, OneCallersConflictDoesNotFailOthers,
                            AsyncInsertCallsDoneOnceWithTheOutcome,
                            TraceContextRoundTripsThroughBatchInsertAndClaim);

}  // namespace conveyor::testing
