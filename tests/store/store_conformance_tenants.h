// Store conformance, part 11: tenants. Idempotency keys are unique per tenant (the same key under
// two tenants is two jobs; a replay or a clash meets only its own tenant's holder, also inside a
// batch and across a unique window); a listing with a tenant shows only that tenant's jobs, with
// every other filter; a dependency on another tenant's job is refused exactly as an unknown id;
// Job.tenant round-trips through every read; tenants are created, moved to another plan, listed
// and bounded; a key names an existing tenant; the key version moves on tenant changes.
// Included by store_conformance.h; see there how a backend plugs in.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <memory>
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
  TenantRow MustSet(const std::string& name, const std::string& plan, TimeMs now,
                    int64_t max = kMaxTenants) {
    return MustOk(this->store().TenantSet(
                      {.name = name, .plan = plan, .created_at = now, .updated_at = now}, max),
                  "tenant set");
  }
  static ApiKeyRow Key(std::string name, std::optional<std::string> tenant) {
    return ApiKeyRow{.id = "id-" + name,
                     .name = name,
                     .secret_sha256 = std::string(64, 'a'),
                     .scopes = "jobs:submit",
                     .created_at = kT0,
                     .tenant = std::move(tenant)};
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

TYPED_TEST_P(StoreTenantsConformance, TenantSetCreatesChangesThePlanAndLists) {
  Store& store = this->store();
  const TenantRow acme = this->MustSet("acme", "pro", kT0);
  EXPECT_EQ(acme, (TenantRow{.name = "acme", .plan = "pro", .created_at = kT0, .updated_at = kT0}));
  this->MustSet("beta", "free", kT0 + 5);
  const TenantRow moved = this->MustSet("acme", "business", kT0 + 10);
  EXPECT_EQ(
      moved,
      (TenantRow{.name = "acme", .plan = "business", .created_at = kT0, .updated_at = kT0 + 10}));
  const std::vector<TenantRow> all = MustOk(store.TenantList(), "list");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0], moved);  // by name
  EXPECT_EQ(all[1].name, "beta");
  EXPECT_EQ(all[1].plan, "free");
  const auto set = [&](const std::string& name, const std::string& plan, int64_t max) {
    return store.TenantSet({.name = name, .plan = plan, .created_at = kT0, .updated_at = kT0}, max);
  };
  EXPECT_EQ(set("acme", "platinum", kMaxTenants).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(set("bad name!", "free", kMaxTenants).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(set("gamma", "free", 2).status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(set("beta", "pro", 2).ok());  // a change is no creation
  EXPECT_EQ(MustOk(store.TenantList(), "list").size(), 2u);
}

// Callers on several nodes at once: one creation of a name (the others change its plan), and
// the limit holds exactly.
TYPED_TEST_P(StoreTenantsConformance, ConcurrentCallersCreateANameOnceAndKeepTheLimit) {
  constexpr int kNodes = 6;
  std::vector<std::unique_ptr<Store>> nodes;
  for (int i = 0; i < kNodes; ++i) nodes.push_back(this->OpenAnother());
  const auto on_every_node = [&](auto fn) {
    std::vector<std::future<Result<TenantRow>>> out;
    for (int i = 0; i < kNodes; ++i) {
      out.push_back(std::async(std::launch::async, [&, i] { return fn(*nodes[i], i); }));
    }
    std::vector<Result<TenantRow>> results;
    for (auto& f : out) results.push_back(f.get());
    return results;
  };
  for (const Result<TenantRow>&r : on_every_node([](Store&s, int i) {
         return s.TenantSet(
             {.name = "shared", .plan = "pro", .created_at = kT0 + i, .updated_at = kT0 + i},
             kMaxTenants);
       })) {
    EXPECT_TRUE(r.ok()) << r.status().ToString();
  }
  ASSERT_EQ(MustOk(this->store().TenantList(), "list").size(), 1u);
  int created = 0;
  for (const Result<TenantRow>&r : on_every_node([](Store&s, int i) {
         return s.TenantSet({.name = "t" + std::to_string(i),
                             .plan = "free",
                             .created_at = kT0,
                             .updated_at = kT0},
                            4);
       })) {
    created += r.ok() ? 1 : 0;
    EXPECT_TRUE(r.ok() || r.status().code() == StatusCode::kResourceExhausted)
        << r.status().ToString();
  }
  EXPECT_EQ(created, 3);
  EXPECT_EQ(MustOk(this->store().TenantList(), "list").size(), 4u);
}

TYPED_TEST_P(StoreTenantsConformance, AKeyNamesAnExistingTenant) {
  Store& store = this->store();
  const Status unknown = store.ApiKeyCreate(this->Key("k1", "ghost"), kMaxApiKeys);
  EXPECT_EQ(unknown.code(), StatusCode::kNotFound);
  EXPECT_EQ(unknown.message(), "no tenant named 'ghost'");
  EXPECT_TRUE(MustOk(store.ApiKeyList(), "list").empty());
  this->MustSet("acme", "pro", kT0);
  MustOk(store.ApiKeyCreate(this->Key("k1", "acme"), kMaxApiKeys), "create with tenant");
  MustOk(store.ApiKeyCreate(this->Key("k2", std::nullopt), kMaxApiKeys), "create without");
  const std::vector<ApiKeyRow> keys = MustOk(store.ApiKeyList(), "list");
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].tenant, "acme");
  EXPECT_EQ(keys[1].tenant, std::nullopt);
}

TYPED_TEST_P(StoreTenantsConformance, TheKeyVersionMovesOnTenantCreateAndEveryPlanChange) {
  Store& store = this->store();
  const ApiKeysVersion empty = MustOk(store.ApiKeysVersionGet(), "version");
  EXPECT_EQ(empty.tenants, 0);
  EXPECT_EQ(empty.tenants_updated_at, 0);
  this->MustSet("acme", "pro", kT0);
  const ApiKeysVersion created = MustOk(store.ApiKeysVersionGet(), "version");
  EXPECT_EQ(created.tenants, 1);
  EXPECT_EQ(created.tenants_updated_at, kT0);
  this->MustSet("acme", "business", kT0 + 7);
  std::unique_ptr<Store> other = this->OpenAnother();  // another node sees the change
  const ApiKeysVersion moved = MustOk(other->ApiKeysVersionGet(), "version");
  EXPECT_NE(moved, created);
  EXPECT_EQ(moved.tenants_updated_at, kT0 + 7);
  // A change within the same millisecond, or from a node whose clock lags, moves it too.
  EXPECT_EQ(this->MustSet("acme", "free", kT0 + 7).updated_at, kT0 + 8);
  EXPECT_EQ(this->MustSet("acme", "pro", kT0).updated_at, kT0 + 9);
  EXPECT_EQ(this->MustSet("acme", "pro", kT0).created_at, kT0);
  const ApiKeysVersion lagging = MustOk(store.ApiKeysVersionGet(), "version");
  EXPECT_EQ(lagging.tenants_updated_at, kT0 + 10);
  EXPECT_EQ(MustOk(store.TenantList(), "list").size(), 1u);
  EXPECT_EQ(MustOk(store.ApiKeysVersionGet(), "version"), lagging);  // reads change nothing
}

REGISTER_TYPED_TEST_SUITE_P(
    StoreTenantsConformance, TheSameKeyUnderTwoTenantsIsTwoJobs,
    AReplayOrAClashMeetsOnlyItsOwnTenantsHolder, ABatchMixingTenantsMatchesKeysWithinEachTenant,
    AUniqueWindowReleasesOnlyItsOwnTenantsHolder, AListWithATenantShowsOnlyItsJobsWithEveryFilter,
    ADependencyOnAnotherTenantsJobIsRefusedAsAnUnknownId, JobTenantRoundTripsThroughEveryRead,
    TenantSetCreatesChangesThePlanAndLists, ConcurrentCallersCreateANameOnceAndKeepTheLimit,
    AKeyNamesAnExistingTenant, TheKeyVersionMovesOnTenantCreateAndEveryPlanChange);

}  // namespace conveyor::testing
