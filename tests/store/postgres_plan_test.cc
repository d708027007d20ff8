// The plans of PostgreSQL's hot statements on a table shaped like a burn-down in progress: a
// bulk insert, a batch claimed and completed (dead entries in jobs_lease, jobs_state and
// jobs_claim), a batch RUNNING — once with statistics that have not seen the insert yet (no
// ANALYZE) and once with fresh ones (autovacuum's ANALYZE can land at any moment). Each
// statement must find its rows by key; a plan that walks jobs_lease or jobs_state (whose dead
// entries pile up until VACUUM), hashes every waiting job, or scans the table for a job of a
// priority that has none costs time in proportion to the backlog on every call
// (docs/performance.md, "PostgreSQL write path"). On a table this small a hash join of the batch
// against a scan of jobs is the planner's honest choice for the UPDATE itself, so it is not
// refused.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "postgres_test_util.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_queries.h"
#include "store/postgres/pg_queue_queries.h"
#include "store/store_json.h"

namespace conveyor::testing {
namespace {

constexpr int kBacklog = 20000;

// kBacklog waiting jobs, inserted 1,000 at a time.
void InsertBacklog(PostgresStore& store) {
  for (int done = 0; done < kBacklog; done += 1000) {
    std::vector<Job> jobs;
    for (int i = 0; i < 1000; ++i) jobs.push_back(MakeJob());
    MustInsertMany(store, std::move(jobs));
  }
}

// The parameter: whether the statistics are fresh (ANALYZE after the insert) or stale.
class PostgresPlanTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    url_ = PgTestSchemas::Get().UrlFor(MakeTempDir());
    store_ = MustOpenPostgres(url_);
    MustOk(store_->Migrate(), "migrate");
    InsertBacklog(*store_);
    conn_ = MustOk(PgConnection::Connect(url_), "connect");
    // Fresh: what autovacuum's ANALYZE sees right after a bulk insert — every job waiting, none
    // RUNNING; the planner then believes a RUNNING lookup by state is nearly free.
    if (GetParam()) MustOk(conn_->Run("ANALYZE jobs"), "analyze");
    std::vector<JobCompletion> completions;
    for (const Job& j : MustClaim(*store_, 500)) {
      completions.push_back({.id = j.id, .lease_token = j.lease->token, .result = "{}"});
    }
    MustOk(store_->JobCompleteMany({.completions = completions, .now = kT0}), "complete");
    running_ = MustClaim(*store_, 200);
  }

  // [[id, token, ...extra], ...] of the RUNNING batch.
  std::string Leases(const std::string& extra) {
    std::string json = "[";
    for (const Job& j : running_) {
      json += json.size() > 1 ? ",[" : "[";
      AppendJsonString(json, j.id);
      json += ",";
      AppendJsonString(json, j.lease->token);
      json += extra + "]";
    }
    return json + "]";
  }

  // EXPLAIN of `sql` with `params`, one plan line per row, joined.
  std::string Plan(const std::string& sql, const PgParams& params) {
    PgResult r = MustOk(conn_->Exec("EXPLAIN " + sql, params), "explain");
    std::string out;
    for (int i = 0; i < r.rows(); ++i) out += r.Text(i, 0) + "\n";
    return out;
  }

  std::string url_;
  std::unique_ptr<PostgresStore> store_;
  std::vector<Job> running_;
  std::unique_ptr<PgConnection> conn_;
};

TEST_P(PostgresPlanTest, OurConnectionsRunWithoutJit) {
  // A plan whose estimate passes jit_above_cost spent 20 ms compiling on every call.
  PgResult r = MustOk(conn_->Exec("SHOW jit"), "show jit");
  EXPECT_EQ(r.Text(0, 0), "off");
}

TEST_P(PostgresPlanTest, TheDueJobProbeSeeksEachPriorityInsteadOfReadingTheBacklog) {
  const std::string plan = Plan(pg_queries::kClaimQueues, {PgInt(kT0 + 1000)});
  EXPECT_EQ(plan.find("Hash"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("Seq Scan on jobs"), std::string::npos) << plan;
  EXPECT_NE(plan.find("jobs_claim"), std::string::npos) << plan;
}

TEST_P(PostgresPlanTest, ACompletionSeeksEachJobByIdNotEveryRunningJob) {
  const std::string plan = Plan(pg_queries::kComplete, {PgInt(kT0), Leases(",\"{}\",null")});
  EXPECT_EQ(plan.find("jobs_lease"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("jobs_state"), std::string::npos) << plan;
  EXPECT_NE(plan.find("Index Scan using jobs_id_key"), std::string::npos) << plan;
}

TEST_P(PostgresPlanTest, AReleaseSeeksEachJobByIdNotEveryRunningJob) {
  const std::string plan = Plan(pg_queries::kRelease, {PgInt(kT0), Leases("")});
  EXPECT_EQ(plan.find("jobs_lease"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("jobs_state"), std::string::npos) << plan;
  EXPECT_NE(plan.find("Index Scan using jobs_id_key"), std::string::npos) << plan;
}

TEST_P(PostgresPlanTest, AHeartbeatSeeksItsJobById) {
  const Job& j = running_.front();
  const std::string plan =
      Plan(pg_queries::kHeartbeat, {j.id, j.lease->token, PgInt(kT0 + 30000), std::nullopt,
                                    std::nullopt, std::nullopt, PgInt(kT0)});
  EXPECT_EQ(plan.find("jobs_lease"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("jobs_state"), std::string::npos) << plan;
  EXPECT_NE(plan.find("jobs_id_key"), std::string::npos) << plan;
}

TEST_P(PostgresPlanTest, PruningAJobDeletesItsEventsWithoutAForeignKey) {
  // Migration 13 dropped job_events' foreign key (a probe per event); the delete of retention
  // takes a job's events itself.
  auto pruned = MustOk(
      store_->JobPrune({.state = JobState::kSucceeded, .now = kT0 + 1, .age_ms = 1}), "prune");
  EXPECT_EQ(pruned.pruned.size(), 500u);
  PgResult orphans = MustOk(
      conn_->Exec("SELECT count(*) FROM job_events e WHERE NOT EXISTS"
                  " (SELECT 1 FROM jobs j WHERE j.seq = e.job_seq)"),
      "orphans");
  EXPECT_EQ(orphans.Int(0, 0), 0);
  PgResult fks = MustOk(conn_->Exec("SELECT count(*) FROM pg_constraint WHERE contype = 'f'"
                                    " AND conrelid = 'job_events'::regclass"),
                        "constraints");
  EXPECT_EQ(fks.Int(0, 0), 0);
}

// A prepared statement's plan is cached: after five executions PostgreSQL may keep a generic
// plan until the table is next analysed. One made while jobs was empty (a new database, or a
// queue drained overnight) scanned the whole table on every claim once a burst had filled it
// (sustained submit + process on a fresh database: 526 µs of PostgreSQL a job, the claim's two
// sequential scans most of it). PgConnection prepares a statement again after kReplanAfter, and
// the plan it makes then is for the table as it is.
TEST(PostgresPreparedPlanTest, AClaimPreparedOnAnEmptyTableIsPlannedAgainForItsSizeNow) {
  const std::string url = PgTestSchemas::Get().UrlFor(MakeTempDir());
  std::unique_ptr<PostgresStore> store = MustOpenPostgres(url);
  MustOk(store->Migrate(), "migrate");
  std::unique_ptr<PgConnection> conn = MustOk(PgConnection::Connect(url), "connect");
  const PgParams mark = {PgInt(kT0), "w", PgInt(kT0 + 60000), "[1,2,3]"};
  auto run_mark = [&] {
    MustOk(conn->Run("BEGIN"), "begin");
    MustOk(conn->Exec(pg_queries::kClaimMark, mark), "mark");
    MustOk(conn->Run("ROLLBACK"), "rollback");
  };
  // Our statement's cached plans, as PostgreSQL counts them.
  auto plans = [&] {
    PgResult r = MustOk(conn->Exec("SELECT name, generic_plans FROM pg_prepared_statements"
                                   " WHERE statement = $1",
                                   {std::string(pg_queries::kClaimMark)}),
                        "prepared");
    EXPECT_EQ(r.rows(), 1);
    return std::make_pair(r.Text(0, 0), r.Int(0, 1));
  };
  for (int i = 0; i < 8; ++i) run_mark();
  ASSERT_GT(plans().second, 0) << "the premise: PostgreSQL cached a generic plan of the empty table";
  InsertBacklog(*store);
  std::this_thread::sleep_for(PgConnection::kReplanAfter + std::chrono::milliseconds(100));
  run_mark();
  const auto [name, generic] = plans();
  EXPECT_EQ(generic, 0) << "prepared again";
  PgResult r = MustOk(conn->Exec("EXPLAIN EXECUTE " + name + "(" + std::to_string(kT0) + ", 'w', " +
                                 std::to_string(kT0 + 60000) + ", '[1,2,3]')"),
                      "explain");
  std::string plan;
  for (int i = 0; i < r.rows(); ++i) plan += r.Text(i, 0) + "\n";
  EXPECT_EQ(plan.find("Seq Scan on jobs"), std::string::npos) << plan;
  EXPECT_NE(plan.find("jobs_pkey"), std::string::npos) << plan;
}

INSTANTIATE_TEST_SUITE_P(Statistics, PostgresPlanTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Fresh" : "Stale";
                         });

}  // namespace
}  // namespace conveyor::testing
