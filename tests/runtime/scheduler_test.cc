// Scheduler and ScheduleService on both stores: exactly one job per tick when two nodes (two
// store handles, two schedulers) fire together, the catch-up rule after a restart (only the most
// recent missed tick), no second job after a crash between the insert and the advance, pause and
// resume, and the rules a schedule's fields and job template must keep.
#include "runtime/schedule/scheduler.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <set>
#include <thread>

#include "core/time_format.h"
#include "handlers/builtin_handlers.h"
#include "handlers/handler_registry.h"
#include "pg_test_server.h"
#include "runtime/schedule/schedule_service.h"
#include "runtime/work/external_leases.h"
#include "store/store_factory.h"

namespace conveyor {
namespace {

constexpr TimeMs kStart = 1'800'000'000'000;  // 2027-01-15T08:00:00Z, a whole minute

// Test seam: the node gives the Scheduler the API's template parser (api/schedule_request.h);
// these tests read {type, payload, queue} themselves so the runtime is tested on its own.
Result<JobSpec> ParseTemplate(std::string_view json) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec);
  if (ec || !v.is_object() || !v.as_object().contains("type")) {
    return Status::InvalidArgument("job must be an object with a type");
  }
  JobSpec spec;
  spec.type = std::string(v.as_object().at("type").as_string());
  if (auto* p = v.as_object().if_contains("payload")) spec.payload = *p;
  if (auto* q = v.as_object().if_contains("queue")) spec.queue = std::string(q->as_string());
  return spec;
}

// One node's parts on a store handle: its job service and scheduler.
struct TestNode {
  TestNode(std::unique_ptr<Store> s, const HandlerRegistry& registry, const Clock& clock,
           const RuntimeConfig& config)
      : store(std::move(s)),
        external(*store, registry, clock, config),
        jobs(*store, registry, clock, config, external, nullptr),
        schedules(*store, clock, external.types()),
        scheduler(*store, clock, jobs, &ParseTemplate) {}
  std::unique_ptr<Store> store;
  ExternalLeases external;
  JobService jobs;
  ScheduleService schedules;
  Scheduler scheduler;
};

class SchedulerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(RegisterBuiltinHandlers(registry_, {}).ok());
    config_.node_name = "test";
    if (GetParam() == "sqlite") {
      char tmpl[] = "/tmp/conveyor-scheduler-XXXXXX";
      ASSERT_NE(mkdtemp(tmpl), nullptr);
      dir_ = tmpl;
      url_ = "sqlite:" + dir_ + "/conveyor.db";
    } else {
      const std::string schema = "sched_" + std::to_string(getpid()) + "_" +
                                 ::testing::UnitTest::GetInstance()->current_test_info()->name();
      url_ = testing::MustPgSchema(SafeName(schema));
    }
    a_ = MakeNode();
  }
  void TearDown() override {
    b_.reset();
    a_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  static std::string SafeName(std::string s) {
    for (char& c : s) c = std::isalnum(static_cast<unsigned char>(c)) ? std::tolower(c) : '_';
    return s;
  }
  std::unique_ptr<TestNode> MakeNode() {
    Result<std::unique_ptr<Store>> store = OpenStore(url_);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_TRUE((*store)->Migrate().ok());
    return std::make_unique<TestNode>(std::move(store).value(), registry_, clock_, config_);
  }
  static ScheduleJob Template(const std::string& json) {
    Result<JobSpec> spec = ParseTemplate(json);
    return ScheduleJob{.json = json, .spec = spec.ok() ? *spec : JobSpec{}};
  }
  Schedule MustCreate(const std::string& name, const std::string& cron, bool paused = false) {
    Result<Schedule> s = a_->schedules.Create(
        {.name = name, .cron = cron, .job = Template(R"({"type":"noop"})"), .paused = paused});
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : Schedule{};
  }
  std::vector<Job> Jobs() {
    Result<JobPage> page = a_->store->JobList({.limit = 1000});
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->jobs : std::vector<Job>{};
  }

  HandlerRegistry registry_;
  RuntimeConfig config_;
  ManualClock clock_{kStart};
  std::string dir_;
  std::string url_;
  std::unique_ptr<TestNode> a_;
  std::unique_ptr<TestNode> b_;
};

TEST_P(SchedulerTest, TwoNodesFiringTogetherMakeExactlyOneJobPerTick) {
  MustCreate("every-second", "* * * * * *");
  b_ = MakeNode();  // a second node on the same database
  std::set<std::string> keys;
  for (int tick = 1; tick <= 5; ++tick) {
    clock_.Set(kStart + tick * 1000);
    // Both read the due row before either advances it: the race two leaders could run.
    const int first = (tick % 2 ? a_ : b_)->scheduler.FireOnce();
    const int second = (tick % 2 ? b_ : a_)->scheduler.FireOnce();
    EXPECT_EQ(first + second, 1) << "tick " << tick;
  }
  const std::vector<Job> jobs = Jobs();
  ASSERT_EQ(jobs.size(), 5u);
  for (const Job& j : jobs) keys.insert(j.idempotency_key.value_or(""));
  EXPECT_EQ(keys.size(), 5u);
  EXPECT_EQ(keys.count("schedule:every-second:" + std::to_string(kStart + 3000)), 1u);
}

// The same, with both schedulers firing on their own threads at once: whichever interleaving
// the stores allow, each tick has one job.
TEST_P(SchedulerTest, TwoNodesFiringConcurrentlyMakeExactlyOneJobPerTick) {
  MustCreate("raced", "* * * * * *");
  b_ = MakeNode();
  constexpr int kTicks = 20;
  for (int tick = 1; tick <= kTicks; ++tick) {
    clock_.Set(kStart + tick * 1000);
    std::thread other([&] { b_->scheduler.FireOnce(); });
    a_->scheduler.FireOnce();
    other.join();
  }
  std::set<std::string> keys;
  const std::vector<Job> jobs = Jobs();
  for (const Job& j : jobs) keys.insert(j.idempotency_key.value_or(""));
  EXPECT_EQ(jobs.size(), static_cast<size_t>(kTicks));
  EXPECT_EQ(keys.size(), static_cast<size_t>(kTicks));
}

TEST_P(SchedulerTest, ReplayOfATickAlreadyInsertedMakesNoSecondJob) {
  const Schedule s = MustCreate("crashy", "* * * * * *");
  clock_.Set(kStart + 1000);
  // A node inserted the tick's job and died before advancing the schedule.
  JobSpec spec = *ParseTemplate(R"({"type":"noop"})");
  spec.idempotency_key = ScheduleService::TickKey("crashy", kStart + 1000);
  std::vector<JobSpec> specs;
  specs.push_back(spec);
  ASSERT_TRUE(a_->jobs.Submit(std::move(specs)).ok());
  EXPECT_EQ(a_->scheduler.FireOnce(), 0);
  EXPECT_EQ(Jobs().size(), 1u);
  const Schedule after = *a_->schedules.Get("crashy");
  EXPECT_EQ(after.last_run_at, kStart + 1000);
  EXPECT_EQ(after.next_run_at, kStart + 2000);
}

TEST_P(SchedulerTest, CatchUpAfterRestartFiresOnlyTheMostRecentMissedTick) {
  MustCreate("minutely", "* * * * *");
  clock_.Set(kStart + 60'000);
  EXPECT_EQ(a_->scheduler.FireOnce(), 1);
  // Down for ten and a half minutes, then a restarted node (a new handle and scheduler).
  a_.reset();
  clock_.Set(kStart + 60'000 + 630'000);
  a_ = MakeNode();
  EXPECT_EQ(a_->scheduler.FireOnce(), 1);
  EXPECT_EQ(a_->scheduler.FireOnce(), 0);
  const std::vector<Job> jobs = Jobs();
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs.front().idempotency_key,  // newest first: the tick at +11 min, not +2 .. +10
            ScheduleService::TickKey("minutely", kStart + 660'000));
  const Schedule s = *a_->schedules.Get("minutely");
  EXPECT_EQ(s.last_run_at, kStart + 660'000);
  EXPECT_EQ(s.next_run_at, kStart + 720'000);
}

TEST_P(SchedulerTest, CatchUpNoneFiresNoMissedTickButALateOne) {
  Result<Schedule> s = a_->schedules.Create({.name = "strict",
                                             .cron = "* * * * *",
                                             .job = Template(R"({"type":"noop"})"),
                                             .catch_up = "none"});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  clock_.Set(kStart + 60'000 + 630'000);  // ten minutes of downtime: every tick was missed
  EXPECT_EQ(a_->scheduler.FireOnce(), 0);
  const Schedule after = *a_->schedules.Get("strict");
  EXPECT_EQ(after.next_run_at, kStart + 720'000);  // resumes at its next tick
  EXPECT_EQ(after.last_run_at, std::nullopt);
  clock_.Set(kStart + 720'000 + 2'000);  // a little late (under a minute): still fires
  EXPECT_EQ(a_->scheduler.FireOnce(), 1);
  EXPECT_EQ(a_->schedules.Get("strict")->last_run_at, kStart + 720'000);
  EXPECT_EQ(a_->schedules
                .Create({.name = "x",
                         .cron = "@daily",
                         .job = Template(R"({"type":"noop"})"),
                         .catch_up = "all"})
                .status()
                .message()
                .rfind("catch_up", 0),
            0u);
}

TEST_P(SchedulerTest, PausedScheduleFiresNothingAndResumeCountsFromNow) {
  MustCreate("quiet", "* * * * * *", /*paused=*/true);
  clock_.Set(kStart + 10'000);
  EXPECT_EQ(a_->scheduler.FireOnce(), 0);
  Result<Schedule> resumed = a_->schedules.Update("quiet", {.paused = false});
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(resumed->next_run_at, kStart + 11'000);  // no catch-up of the pause
  clock_.Set(kStart + 11'000);
  EXPECT_EQ(a_->scheduler.FireOnce(), 1);
  ASSERT_TRUE(a_->schedules.Update("quiet", {.paused = true}).ok());
  clock_.Set(kStart + 20'000);
  EXPECT_EQ(a_->scheduler.FireOnce(), 0);
  EXPECT_EQ(Jobs().size(), 1u);
}

TEST_P(SchedulerTest, DeletedScheduleStopsFiring) {
  MustCreate("gone", "* * * * * *");
  clock_.Set(kStart + 1000);
  EXPECT_EQ(a_->scheduler.FireOnce(), 1);
  ASSERT_TRUE(a_->schedules.Delete("gone").ok());
  clock_.Set(kStart + 5000);
  EXPECT_EQ(a_->scheduler.FireOnce(), 0);
  EXPECT_EQ(a_->schedules.Get("gone").status().code(), StatusCode::kNotFound);
}

TEST_P(SchedulerTest, ScheduleFieldsAndTemplateAreJudgedNamingTheField) {
  auto create = [&](ScheduleDraft d) { return a_->schedules.Create(d).status(); };
  const ScheduleJob noop = Template(R"({"type":"noop"})");
  EXPECT_EQ(
      create({.name = "bad name", .cron = "* * * * *", .job = noop}).message().rfind("name", 0),
      0u);
  EXPECT_EQ(create({.name = "x", .cron = "* * *", .job = noop}).message().rfind("cron", 0), 0u);
  EXPECT_EQ(create({.name = "x", .cron = "* * * * *", .timezone = "Nowhere/City", .job = noop})
                .message()
                .rfind("timezone", 0),
            0u);
  const Status unknown_type =
      create({.name = "x", .cron = "* * * * *", .job = Template(R"({"type":"no.such"})")});
  EXPECT_EQ(unknown_type.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown_type.message().rfind("job.", 0), 0u) << unknown_type.message();
  ScheduleJob timed = noop;
  timed.spec.run_at = kStart + 1;
  EXPECT_EQ(
      create({.name = "x", .cron = "* * * * *", .job = timed}).message().rfind("job.run_at", 0),
      0u);
  ScheduleJob keyed = noop;
  keyed.spec.idempotency_key = "k";
  EXPECT_EQ(create({.name = "x", .cron = "* * * * *", .job = keyed})
                .message()
                .rfind("job.idempotency_key", 0),
            0u);
  EXPECT_EQ(a_->schedules.Update("missing", {.paused = true}).status().code(),
            StatusCode::kNotFound);
  MustCreate("dup", "@hourly");
  EXPECT_EQ(create({.name = "dup", .cron = "@daily", .job = noop}).code(), StatusCode::kConflict);
}

TEST_P(SchedulerTest, PreviewListsTheNextTicksInTheZone) {
  Schedule s = MustCreate("p", "30 2 * * *");
  s.timezone = "America/New_York";
  Result<std::vector<TimeMs>> next =
      ScheduleService::Preview(s, *ParseRfc3339("2026-03-06T12:00:00Z"), 3);
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->size(), 3u);
  EXPECT_EQ(FormatRfc3339((*next)[1]), "2026-03-08T07:00:00.000Z");  // the DST gap
}

INSTANTIATE_TEST_SUITE_P(Stores, SchedulerTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace conveyor
