// Store conformance, part 11: tenants. Idempotency keys are unique per tenant (the same key under
// two tenants is two jobs; a replay or a clash meets only its own tenant's holder, also inside a
// batch and across a unique window); a listing with a tenant shows only that tenant's jobs, with
// every other filter; a dependency on another tenant's job is refused exactly as an unknown id;
// Job.tenant round-trips through every read.
// Included by store_conformance.h; see there how a backend plugs in.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <string>
#include <vector>

#include "store_conformance_fixture.h"

namespace conveyor::testing {

template <class Factory>
class StoreTenantsConformance : public StoreTest<Factory> {
 protected:
  static constexpr TimeMs kWindow = 1000;

  static Job TenantJob(const std::string& tenant, JobOptions o = {}) {
    Job j = MakeJob(o);
    j.tenant = tenant;
    return j;
  }
  // One job of `tenant` carrying `key`, submitted at `now` under kWindow.
  Result<std::vector<InsertOutcome>> Submit(const std::string& tenant, const std::string& key,
                                            const std::string& hash = "hash-a", TimeMs now = kT0) {
    Job j = TenantJob(tenant, {.idempotency_key = key, .request_hash = hash});
    j.created_at = j.updated_at = now;
    return this->store().JobInsertMany({.jobs = {j}, .now = now, .key_window_ms = kWindow});
  }
  InsertOutcome MustSubmit(const std::string& tenant, const std::string& key,
                           const std::string& hash = "hash-a", TimeMs now = kT0) {
    auto out = MustOk(Submit(tenant, key, hash, now), "submit");
    EXPECT_EQ(out.size(), 1u);
    return out.front();
  }
  std::vector<std::string> List(JobListParams p) {
    return Ids(MustOk(this->store().JobList(p), "list").jobs);
  }
  Status InsertError(std::vector<Job> jobs) {
    auto r = this->store().JobInsertMany({.jobs = std::move(jobs), .now = kT0});
    return r.ok() ? Status::Ok() : r.status();
  }
};

TYPED_TEST_SUITE_P(StoreTenantsConformance);

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

TYPED_TEST_P(StoreTenantsConformance, TheSameKeyUnderTwoTenantsIsTwoJobs) {
  const InsertOutcome a = this->MustSubmit("acme", "k");
  const InsertOutcome b = this->MustSubmit("beta", "k", "hash-b");
  const InsertOutcome none = this->MustSubmit("", "k", "hash-c");
  EXPECT_TRUE(a.is_new && b.is_new && none.is_new);
  EXPECT_NE(a.job.id, b.job.id);
  EXPECT_EQ(MustGet(this->store(), b.job.id).tenant, "beta");
  // An admin's lookup by key alone finds every tenant's holder; with a tenant, only its own.
  EXPECT_THAT(this->List({.idempotency_key = "k"}),
              UnorderedElementsAre(a.job.id, b.job.id, none.job.id));
  EXPECT_THAT(this->List({.idempotency_key = "k", .tenant = "beta"}), ElementsAre(b.job.id));
  EXPECT_THAT(this->List({.idempotency_key = "k", .tenant = "gamma"}), ::testing::IsEmpty());
}

TYPED_TEST_P(StoreTenantsConformance, AReplayOrAClashMeetsOnlyItsOwnTenantsHolder) {
  const InsertOutcome a = this->MustSubmit("acme", "k");
  const InsertOutcome replay = this->MustSubmit("acme", "k");
  EXPECT_FALSE(replay.is_new);
  EXPECT_EQ(replay.job.id, a.job.id);
  EXPECT_EQ(replay.job.tenant, "acme");
  auto clash = this->Submit("acme", "k", "hash-b");
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.status().code(), StatusCode::kConflict);
  EXPECT_THAT(clash.status().message(), ::testing::HasSubstr(a.job.id));
  EXPECT_TRUE(this->MustSubmit("beta", "k", "hash-b").is_new);  // no clash across tenants
}

TYPED_TEST_P(StoreTenantsConformance, ABatchMixingTenantsMatchesKeysWithinEachTenant) {
  const Job a1 = this->TenantJob("acme", {.idempotency_key = "k"});
  const Job b1 = this->TenantJob("beta", {.idempotency_key = "k", .request_hash = "hash-b"});
  const Job a2 = this->TenantJob("acme", {.idempotency_key = "k"});
  auto out = MustOk(this->store().JobInsertMany({.jobs = {a1, b1, a2}, .now = kT0}), "batch");
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(out[0].is_new);
  EXPECT_TRUE(out[1].is_new);
  EXPECT_FALSE(out[2].is_new);
  EXPECT_EQ(out[2].job.id, a1.id);
  EXPECT_EQ(this->store().JobGet(a2.id).status().code(), StatusCode::kNotFound);
}

TYPED_TEST_P(StoreTenantsConformance, AUniqueWindowReleasesOnlyItsOwnTenantsHolder) {
  const InsertOutcome a = this->MustSubmit("acme", "k", "hash-a", kT0);
  const InsertOutcome b = this->MustSubmit("beta", "k", "hash-a", kT0 + this->kWindow / 2);
  const TimeMs later = kT0 + this->kWindow;  // acme's window is over, beta's is not
  const InsertOutcome a2 = this->MustSubmit("acme", "k", "hash-b", later);
  EXPECT_TRUE(a2.is_new);
  const InsertOutcome b_again = this->MustSubmit("beta", "k", "hash-a", later);
  EXPECT_FALSE(b_again.is_new);
  EXPECT_EQ(b_again.job.id, b.job.id);
  EXPECT_THAT(this->List({.idempotency_key = "k", .tenant = "acme"}), ElementsAre(a2.job.id));
  EXPECT_THAT(this->List({.idempotency_key = "k", .tenant = "beta"}), ElementsAre(b.job.id));
  EXPECT_EQ(MustGet(this->store(), a.job.id).idempotency_key, "k");  // as submitted
}

TYPED_TEST_P(StoreTenantsConformance, AListWithATenantShowsOnlyItsJobsWithEveryFilter) {
  std::vector<Job> jobs = {
      this->TenantJob("acme"),
      this->TenantJob("beta"),
      this->TenantJob("acme",
                      {.type = "email", .state = JobState::kScheduled, .run_at = kT0 + 60000}),
      this->TenantJob(""),
      this->TenantJob("acme", {.type = "email", .idempotency_key = "k"}),
      this->TenantJob("acme", {.queue = "bulk"}),
  };
  const std::vector<Job> stored = MustInsertMany(this->store(), jobs);
  const auto id = [&](size_t i) { return stored[i].id; };
  EXPECT_THAT(this->List({.tenant = "acme"}), ElementsAre(id(5), id(4), id(2), id(0)));
  EXPECT_THAT(this->List({.tenant = "beta"}), ElementsAre(id(1)));
  EXPECT_THAT(this->List({.state = JobState::kPending, .tenant = "acme"}),
              ElementsAre(id(5), id(4), id(0)));
  EXPECT_THAT(
      this->List(
          {.state = JobState::kPending, .also_states = {JobState::kScheduled}, .tenant = "acme"}),
      ElementsAre(id(5), id(4), id(2), id(0)));
  EXPECT_THAT(this->List({.type = "email", .tenant = "acme"}), ElementsAre(id(4), id(2)));
  EXPECT_THAT(this->List({.queue = "bulk", .tenant = "acme"}), ElementsAre(id(5)));
  EXPECT_THAT(this->List({.state = JobState::kPending, .idempotency_key = "k", .tenant = "acme"}),
              ElementsAre(id(4)));
  EXPECT_THAT(this->List({.limit = 2, .offset = 1, .tenant = "acme"}), ElementsAre(id(4), id(2)));
  // Cursor paging walks the tenant's jobs only.
  JobPage page = MustOk(this->store().JobList({.limit = 3, .tenant = "acme"}), "page 1");
  EXPECT_THAT(Ids(page.jobs), ElementsAre(id(5), id(4), id(2)));
  ASSERT_TRUE(page.next_cursor.has_value());
  page = MustOk(this->store().JobList({.limit = 3, .cursor = page.next_cursor, .tenant = "acme"}),
                "page 2");
  EXPECT_THAT(Ids(page.jobs), ElementsAre(id(0)));
  EXPECT_FALSE(page.next_cursor.has_value());
  // Another tenant's job is no cursor for it, as an unknown id is none.
  const auto cursor_error = [&](const std::string& cursor) {
    return this->store().JobList({.cursor = cursor, .tenant = "acme"}).status();
  };
  EXPECT_EQ(cursor_error(id(1)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cursor_error(id(1)).message(),
            cursor_error("0190f0f0-0000-7000-8000-00000000dead").message());
  EXPECT_EQ(this->store().JobList({.tenant = ""}).status().code(), StatusCode::kInvalidArgument);
}

TYPED_TEST_P(StoreTenantsConformance, ADependencyOnAnotherTenantsJobIsRefusedAsAnUnknownId) {
  const Job theirs = MustInsertMany(this->store(), {this->TenantJob("beta")}).front();
  const Job ours = MustInsertMany(this->store(), {this->TenantJob("acme")}).front();
  const std::string unknown_id = "0190f0f0-0000-7000-8000-00000000dead";
  Job probe_unknown = this->TenantJob("acme");
  probe_unknown.depends_on = {unknown_id};
  const Status unknown = this->InsertError({probe_unknown});
  Job probe_theirs = this->TenantJob("acme");
  probe_theirs.depends_on = {theirs.id};
  const Status refused = this->InsertError({probe_theirs});
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.code(), unknown.code());
  std::string expected = unknown.message();
  expected.replace(expected.find(unknown_id), unknown_id.size(), theirs.id);
  EXPECT_EQ(refused.message(), expected);  // word for word: nothing tells the two apart
  EXPECT_EQ(this->store().JobGet(probe_theirs.id).status().code(), StatusCode::kNotFound);
  // Inside one batch too.
  Job batch_theirs = this->TenantJob("beta");
  Job batch_ours = this->TenantJob("acme");
  batch_ours.depends_on = {batch_theirs.id};
  EXPECT_EQ(this->InsertError({batch_theirs, batch_ours}).code(), StatusCode::kInvalidArgument);
  // Its own tenant's job, and any job for a job without a tenant, are fine.
  Job own = this->TenantJob("acme");
  own.depends_on = {ours.id};
  EXPECT_EQ(MustInsertMany(this->store(), {own}).front().state, JobState::kBlocked);
  Job admin = this->TenantJob("");
  admin.depends_on = {theirs.id, ours.id};
  EXPECT_EQ(MustInsertMany(this->store(), {admin}).front().state, JobState::kBlocked);
}

TYPED_TEST_P(StoreTenantsConformance, JobTenantRoundTripsThroughEveryRead) {
  const Job in = this->TenantJob("acme");
  std::promise<Result<std::vector<InsertOutcome>>> async_done;
  const Job async_in = this->TenantJob("beta");  // through the insert coalescer where there is one
  this->store().JobInsertManyAsync({.jobs = {async_in}, .now = kT0},
                                   [&](auto r) { async_done.set_value(std::move(r)); });
  EXPECT_EQ(MustInsertMany(this->store(), {in}).front().tenant, "acme");
  EXPECT_EQ(MustOk(async_done.get_future().get(), "async insert").at(0).job.tenant, "beta");
  EXPECT_EQ(MustGet(this->store(), async_in.id).tenant, "beta");
  EXPECT_EQ(MustGet(this->store(), in.id).tenant, "acme");
  EXPECT_EQ(MustOk(this->store().JobList({.tenant = "acme"}), "list").jobs.at(0).tenant, "acme");
  std::vector<Job> claimed = MustClaim(this->store(), 10);
  ASSERT_EQ(claimed.size(), 2u);
  for (const Job& j : claimed) EXPECT_EQ(j.tenant, j.id == in.id ? "acme" : "beta");
  const Job& mine = claimed[0].id == in.id ? claimed[0] : claimed[1];
  auto done =
      MustOk(this->store().JobCompleteMany(
                 {.completions = {{.id = in.id, .lease_token = mine.lease->token, .result = "{}"}},
                  .now = kT0 + 1}),
             "complete");
  MustOk(done.at(0), "complete entry");
  const Job finished = MustGet(this->store(), in.id);
  EXPECT_EQ(finished.state, JobState::kSucceeded);
  EXPECT_EQ(finished.tenant, "acme");
}

REGISTER_TYPED_TEST_SUITE_P(StoreTenantsConformance, TheSameKeyUnderTwoTenantsIsTwoJobs,
                            AReplayOrAClashMeetsOnlyItsOwnTenantsHolder,
                            ABatchMixingTenantsMatchesKeysWithinEachTenant,
                            AUniqueWindowReleasesOnlyItsOwnTenantsHolder,
                            AListWithATenantShowsOnlyItsJobsWithEveryFilter,
                            ADependencyOnAnotherTenantsJobIsRefusedAsAnUnknownId,
                            JobTenantRoundTripsThroughEveryRead);

}  // namespace conveyor::testing
