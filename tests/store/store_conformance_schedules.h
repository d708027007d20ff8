// Store conformance, part 6: cron schedules. Create refuses a duplicate name and a full table,
// replace keeps created_at and last_run_at, list pages by name, due lists skip paused rows, and
// the advance is a compare-and-set: of two handles (two nodes) that read the same due row, only
// one advances it. Included by store_conformance.h; see there how a backend plugs in.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store_conformance_fixture.h"

namespace conveyor::testing {

template <class Factory>
class StoreScheduleConformance : public StoreTest<Factory> {
 protected:
  static Schedule MakeSchedule(std::string name, std::optional<TimeMs> next = kT0 + 1000) {
    return Schedule{.name = std::move(name),
                    .cron = "* * * * * *",
                    .timezone = "Europe/Berlin",
                    .job = R"({"type":"noop"})",
                    .next_run_at = next,
                    .created_at = kT0,
                    .updated_at = kT0};
  }
  Result<Schedule> Create(const Schedule& s, int64_t max = kMaxSchedules) {
    return this->store().ScheduleUpsert(
        {.schedule = s, .mode = ScheduleUpsertParams::Mode::kCreate, .max_schedules = max});
  }
  std::vector<std::string> DueNames(TimeMs now) {
    std::vector<std::string> names;
    for (const Schedule& s : MustOk(this->store().ScheduleListDue({.now = now}), "due")) {
      names.push_back(s.name);
    }
    return names;
  }
};

TYPED_TEST_SUITE_P(StoreScheduleConformance);

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TYPED_TEST_P(StoreScheduleConformance, CreateStoresEveryFieldAndRefusesADuplicateName) {
  Schedule s = this->MakeSchedule("nightly");
  s.paused = true;
  s.catch_up = "none";
  const Schedule created = MustOk(this->Create(s), "create");
  const Schedule got = MustOk(this->store().ScheduleGet("nightly"), "get");
  for (const Schedule* x : {&created, &got}) {
    EXPECT_EQ(x->name, "nightly");
    EXPECT_EQ(x->cron, "* * * * * *");
    EXPECT_EQ(x->timezone, "Europe/Berlin");
    EXPECT_EQ(x->job, R"({"type":"noop"})");
    EXPECT_TRUE(x->paused);
    EXPECT_EQ(x->catch_up, "none");
    EXPECT_EQ(x->next_run_at, kT0 + 1000);
    EXPECT_EQ(x->last_run_at, std::nullopt);
    EXPECT_EQ(x->created_at, kT0);
    EXPECT_EQ(x->updated_at, kT0);
  }
  Result<Schedule> again = this->Create(this->MakeSchedule("nightly"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kConflict);
  EXPECT_THAT(again.status().message(), ::testing::HasSubstr("already exists"));
  EXPECT_EQ(this->store().ScheduleGet("missing").status().code(), StatusCode::kNotFound);
}

TYPED_TEST_P(StoreScheduleConformance, CreateRefusesPastTheLimit) {
  MustOk(this->Create(this->MakeSchedule("a"), 2), "a");
  MustOk(this->Create(this->MakeSchedule("b"), 2), "b");
  Result<Schedule> c = this->Create(this->MakeSchedule("c"), 2);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kResourceExhausted);
  // A duplicate is still a Conflict, not the limit.
  EXPECT_EQ(this->Create(this->MakeSchedule("a"), 2).status().code(), StatusCode::kConflict);
}

TYPED_TEST_P(StoreScheduleConformance, ReplaceKeepsCreatedAtAndLastRunAt) {
  MustOk(this->Create(this->MakeSchedule("r")), "create");
  ASSERT_TRUE(MustOk(this->store().ScheduleAdvance({.name = "r",
                                                    .expected_next_run_at = kT0 + 1000,
                                                    .expected_updated_at = kT0,
                                                    .next_run_at = kT0 + 2000,
                                                    .last_run_at = kT0 + 1000}),
                     "advance"));
  Schedule changed = this->MakeSchedule("r", kT0 + 60000);
  changed.cron = "0 * * * *";
  changed.timezone = "UTC";
  changed.job = R"({"type":"other"})";
  changed.catch_up = "none";
  changed.created_at = kT0 + 5;  // ignored: a replace keeps the original
  changed.updated_at = kT0 + 500;
  const Schedule r =
      MustOk(this->store().ScheduleUpsert(
                 {.schedule = changed, .mode = ScheduleUpsertParams::Mode::kReplace}),
             "replace");
  EXPECT_EQ(r.cron, "0 * * * *");
  EXPECT_EQ(r.timezone, "UTC");
  EXPECT_EQ(r.job, R"({"type":"other"})");
  EXPECT_EQ(r.catch_up, "none");
  EXPECT_EQ(r.next_run_at, kT0 + 60000);
  EXPECT_EQ(r.last_run_at, kT0 + 1000);
  EXPECT_EQ(r.created_at, kT0);
  EXPECT_EQ(r.updated_at, kT0 + 500);
  EXPECT_EQ(this->store()
                .ScheduleUpsert({.schedule = this->MakeSchedule("nope"),
                                 .mode = ScheduleUpsertParams::Mode::kReplace})
                .status()
                .code(),
            StatusCode::kNotFound);
}

TYPED_TEST_P(StoreScheduleConformance, ListPagesByNameAndDeleteRemoves) {
  for (const char* n : {"c", "a", "b"}) MustOk(this->Create(this->MakeSchedule(n)), n);
  auto names = [&](ScheduleListParams p) {
    std::vector<std::string> out;
    for (const Schedule& s : MustOk(this->store().ScheduleList(p), "list")) out.push_back(s.name);
    return out;
  };
  EXPECT_THAT(names({.limit = 2}), ElementsAre("a", "b"));
  EXPECT_THAT(names({.limit = 2, .after = "b"}), ElementsAre("c"));
  ASSERT_TRUE(this->store().ScheduleDelete("b").ok());
  EXPECT_EQ(this->store().ScheduleDelete("b").code(), StatusCode::kNotFound);
  EXPECT_THAT(names({}), ElementsAre("a", "c"));
}

TYPED_TEST_P(StoreScheduleConformance, DueListSkipsPausedAndFutureRowsEarliestFirst) {
  MustOk(this->Create(this->MakeSchedule("later", kT0 + 2000)), "later");
  MustOk(this->Create(this->MakeSchedule("sooner", kT0 + 1000)), "sooner");
  MustOk(this->Create(this->MakeSchedule("never", std::nullopt)), "never");
  Schedule paused = this->MakeSchedule("paused", kT0 + 10);
  paused.paused = true;
  MustOk(this->Create(paused), "paused");
  EXPECT_THAT(this->DueNames(kT0 + 999), IsEmpty());
  EXPECT_THAT(this->DueNames(kT0 + 1000), ElementsAre("sooner"));
  EXPECT_THAT(this->DueNames(kT0 + 5000), ElementsAre("sooner", "later"));
  EXPECT_EQ(MustOk(this->store().ScheduleNextRunAt(), "next"), kT0 + 1000);
}

TYPED_TEST_P(StoreScheduleConformance, AdvanceIsACompareAndSetAcrossHandles) {
  MustOk(this->Create(this->MakeSchedule("tick")), "create");
  // A second handle on the same database: another node.
  std::unique_ptr<Store> other = TypeParam::Make(this->dir_);
  const ScheduleAdvanceParams p{.name = "tick",
                                .expected_next_run_at = kT0 + 1000,
                                .expected_updated_at = kT0,
                                .next_run_at = kT0 + 2000,
                                .last_run_at = kT0 + 1000};
  EXPECT_TRUE(MustOk(this->store().ScheduleAdvance(p), "first"));
  EXPECT_FALSE(MustOk(other->ScheduleAdvance(p), "second"));  // it read a row that moved on
  const Schedule s = MustOk(other->ScheduleGet("tick"), "get");
  EXPECT_EQ(s.next_run_at, kT0 + 2000);
  EXPECT_EQ(s.last_run_at, kT0 + 1000);
  // A client's edit (a new updated_at) also makes a stale advance miss.
  ScheduleAdvanceParams stale = p;
  stale.expected_next_run_at = kT0 + 2000;
  stale.expected_updated_at = kT0 - 1;
  EXPECT_FALSE(MustOk(this->store().ScheduleAdvance(stale), "stale"));
  EXPECT_FALSE(MustOk(this->store().ScheduleAdvance({.name = "gone"}), "gone"));
}

REGISTER_TYPED_TEST_SUITE_P(StoreScheduleConformance,
                            CreateStoresEveryFieldAndRefusesADuplicateName,
                            CreateRefusesPastTheLimit, ReplaceKeepsCreatedAtAndLastRunAt,
                            ListPagesByNameAndDeleteRemoves,
                            DueListSkipsPausedAndFutureRowsEarliestFirst,
                            AdvanceIsACompareAndSetAcrossHandles);

}  // namespace conveyor::testing
