// Store conformance, part 10: API keys. Create stores every field and refuses a taken name and a
// full table; the list shows every key by name; revoke keeps its first time; the version moves
// on create and revoke (and only then), also as another handle (another node) sees it; touch
// keeps the latest use. Included by store_conformance.h; see there how a backend plugs in.
#pragma once

#include <gtest/gtest.h>

#include "store_conformance_fixture.h"

namespace conveyor::testing {

template <class Factory>
class StoreApiKeysConformance : public StoreTest<Factory> {
 protected:
  static ApiKeyRow MakeKey(std::string name, std::string id) {
    return ApiKeyRow{.id = std::move(id),
                     .name = std::move(name),
                     .secret_sha256 = std::string(64, 'a'),
                     .scopes = "jobs:submit,jobs:read",
                     .job_types = "email.send",
                     .created_at = kT0,
                     .expires_at = kT0 + 60000,
                     .rate = RateLimit{.max_starts = 100, .period_ms = 1000}};
  }
};

TYPED_TEST_SUITE_P(StoreApiKeysConformance);

TYPED_TEST_P(StoreApiKeysConformance, CreateStoresEveryFieldAndRefusesATakenName) {
  Store& store = this->store();
  ASSERT_TRUE(store.ApiKeyCreate(this->MakeKey("ci", "id1"), kMaxApiKeys).ok());
  const std::vector<ApiKeyRow> keys = MustOk(store.ApiKeyList(), "list");
  ASSERT_EQ(keys.size(), 1u);
  const ApiKeyRow& k = keys[0];
  EXPECT_EQ(k.id, "id1");
  EXPECT_EQ(k.name, "ci");
  EXPECT_EQ(k.secret_sha256, std::string(64, 'a'));
  EXPECT_EQ(k.scopes, "jobs:submit,jobs:read");
  EXPECT_EQ(k.job_types, "email.send");
  EXPECT_EQ(k.created_at, kT0);
  EXPECT_EQ(k.expires_at, kT0 + 60000);
  EXPECT_EQ(k.revoked_at, std::nullopt);
  EXPECT_EQ(k.last_used_at, std::nullopt);
  EXPECT_EQ(k.rate, (RateLimit{.max_starts = 100, .period_ms = 1000}));
  EXPECT_EQ(k.jobs_rate, std::nullopt);
  EXPECT_EQ(store.ApiKeyCreate(this->MakeKey("ci", "id2"), kMaxApiKeys).code(),
            StatusCode::kConflict);
  EXPECT_EQ(MustOk(store.ApiKeyList(), "list").size(), 1u);
}

TYPED_TEST_P(StoreApiKeysConformance, CreateRefusesPastTheLimit) {
  Store& store = this->store();
  ASSERT_TRUE(store.ApiKeyCreate(this->MakeKey("a", "id1"), 2).ok());
  ASSERT_TRUE(store.ApiKeyCreate(this->MakeKey("b", "id2"), 2).ok());
  EXPECT_EQ(store.ApiKeyCreate(this->MakeKey("c", "id3"), 2).code(),
            StatusCode::kResourceExhausted);
}

TYPED_TEST_P(StoreApiKeysConformance, RevokeKeepsTheFirstTimeAndMovesTheVersionOnce) {
  Store& store = this->store();
  const ApiKeysVersion empty = MustOk(store.ApiKeysVersionGet(), "version");
  ASSERT_TRUE(store.ApiKeyCreate(this->MakeKey("b", "id2"), kMaxApiKeys).ok());
  ASSERT_TRUE(store.ApiKeyCreate(this->MakeKey("a", "id1"), kMaxApiKeys).ok());
  const ApiKeysVersion created = MustOk(store.ApiKeysVersionGet(), "version");
  EXPECT_NE(created, empty);
  const std::vector<ApiKeyRow> keys = MustOk(store.ApiKeyList(), "list");
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].name, "a");  // by name
  EXPECT_EQ(MustOk(store.ApiKeyRevoke("a", kT0 + 5), "revoke").revoked_at, kT0 + 5);
  std::unique_ptr<Store> other = this->OpenAnother();  // another node sees the change
  const ApiKeysVersion revoked = MustOk(other->ApiKeysVersionGet(), "version");
  EXPECT_NE(revoked, created);
  EXPECT_EQ(MustOk(other->ApiKeyRevoke("a", kT0 + 9), "again").revoked_at, kT0 + 5);
  EXPECT_EQ(MustOk(store.ApiKeysVersionGet(), "version"), revoked);
  EXPECT_EQ(store.ApiKeyRevoke("nobody", kT0).status().code(), StatusCode::kNotFound);
}

TYPED_TEST_P(StoreApiKeysConformance, TouchKeepsTheLatestUseAndLeavesTheVersion) {
  Store& store = this->store();
  ASSERT_TRUE(store.ApiKeyCreate(this->MakeKey("a", "id1"), kMaxApiKeys).ok());
  const ApiKeysVersion before = MustOk(store.ApiKeysVersionGet(), "version");
  ASSERT_TRUE(store.ApiKeysTouch({{"id1", kT0 + 50}, {"unknown", kT0}}).ok());
  ASSERT_TRUE(store.ApiKeysTouch({{"id1", kT0 + 20}}).ok());  // an older use changes nothing
  EXPECT_EQ(MustOk(store.ApiKeyList(), "list")[0].last_used_at, kT0 + 50);
  EXPECT_EQ(MustOk(store.ApiKeysVersionGet(), "version"), before);
}

TYPED_TEST_P(StoreApiKeysConformance, UsageSumsAWindowOverHandlesAndStartsOverInANewOne) {
  Store& store = this->store();
  std::unique_ptr<Store> other = this->OpenAnother();  // another node
  const auto add = [](Store& s, ApiKeyUsageKind kind, TimeMs window, int64_t n) {
    return MustOk(s.ApiKeyUsageAdd({.key_id = "id1", .kind = kind, .window_start = window,
                                    .add = n}),
                  "usage");
  };
  EXPECT_EQ(add(store, ApiKeyUsageKind::kRequests, kT0, 3).used, 3);
  EXPECT_EQ(add(*other, ApiKeyUsageKind::kRequests, kT0, 4).used, 7);  // summed over nodes
  EXPECT_EQ(add(store, ApiKeyUsageKind::kJobs, kT0, 10).used, 10);     // kinds apart
  const ApiKeyUsage next = add(*other, ApiKeyUsageKind::kRequests, kT0 + 1000, 2);
  EXPECT_EQ(next.window_start, kT0 + 1000);
  EXPECT_EQ(next.used, 2);  // a new window starts over
  // A node whose clock lags adds nothing to the newer window and learns of it.
  const ApiKeyUsage late = add(store, ApiKeyUsageKind::kRequests, kT0, 5);
  EXPECT_EQ(late.window_start, kT0 + 1000);
  EXPECT_EQ(late.used, 2);
}

REGISTER_TYPED_TEST_SUITE_P(StoreApiKeysConformance, CreateStoresEveryFieldAndRefusesATakenName,
                            UsageSumsAWindowOverHandlesAndStartsOverInANewOne,
                            CreateRefusesPastTheLimit,
                            RevokeKeepsTheFirstTimeAndMovesTheVersionOnce,
                            TouchKeepsTheLatestUseAndLeavesTheVersion);

}  // namespace conveyor::testing
