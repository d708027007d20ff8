// The plans of PostgreSQL's hot statements on a table shaped like a burn-down in progress: a
// bulk insert the statistics have not seen yet (no ANALYZE), a batch claimed and completed (dead
// entries in jobs_lease and jobs_claim), a batch RUNNING. Each statement must find its rows by
// key; a plan that walks jobs_lease (whose dead entries pile up until VACUUM) or hashes every
// waiting job costs time in proportion to the backlog on every call (docs/performance.md,
// "PostgreSQL write path"). On a table this small a hash join of the batch against a scan of
// jobs is the planner's honest choice, so it is not refused.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "postgres_test_util.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_queries.h"
#include "store/postgres/pg_queue_queries.h"
#include "store/store_json.h"

namespace conveyor::testing {
namespace {

constexpr int kBacklog = 20000;

class PostgresPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = PgTestSchemas::Get().UrlFor(MakeTempDir());
    store_ = MustOpenPostgres(url_);
    MustOk(store_->Migrate(), "migrate");
    for (int done = 0; done < kBacklog; done += 1000) {
      std::vector<Job> jobs;
      for (int i = 0; i < 1000; ++i) jobs.push_back(MakeJob());
      MustInsertMany(*store_, std::move(jobs));
    }
    std::vector<JobCompletion> completions;
    for (const Job& j : MustClaim(*store_, 500)) {
      completions.push_back({.id = j.id, .lease_token = j.lease->token, .result = "{}"});
    }
    MustOk(store_->JobCompleteMany({.completions = completions, .now = kT0}), "complete");
    running_ = MustClaim(*store_, 200);
    conn_ = MustOk(PgConnection::Connect(url_), "connect");
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

TEST_F(PostgresPlanTest, OurConnectionsRunWithoutJit) {
  // A plan whose estimate passes jit_above_cost spent 20 ms compiling on every call.
  PgResult r = MustOk(conn_->Exec("SHOW jit"), "show jit");
  EXPECT_EQ(r.Text(0, 0), "off");
}

TEST_F(PostgresPlanTest, TheDueJobProbeSeeksEachPriorityInsteadOfHashingTheBacklog) {
  const std::string plan = Plan(pg_queries::kClaimQueues, {PgInt(kT0 + 1000)});
  EXPECT_EQ(plan.find("Hash"), std::string::npos) << plan;
  EXPECT_NE(plan.find("Limit"), std::string::npos) << plan;
}

TEST_F(PostgresPlanTest, ACompletionSeeksEachJobByIdNotEveryRunningJob) {
  std::string json = "[";
  for (const Job& j : running_) {
    json += json.size() > 1 ? ",[" : "[";
    AppendJsonString(json, j.id);
    json += ",";
    AppendJsonString(json, j.lease->token);
    json += ",\"{}\",null]";
  }
  json += "]";
  const std::string plan = Plan(pg_queries::kComplete, {PgInt(kT0), json});
  EXPECT_EQ(plan.find("jobs_lease"), std::string::npos) << plan;
  EXPECT_NE(plan.find("Index Scan using jobs_id_key"), std::string::npos) << plan;
}

TEST_F(PostgresPlanTest, AReleaseSeeksEachJobByIdNotEveryRunningJob) {
  std::string json = "[";
  for (const Job& j : running_) {
    json += json.size() > 1 ? ",[" : "[";
    AppendJsonString(json, j.id);
    json += ",";
    AppendJsonString(json, j.lease->token);
    json += "]";
  }
  json += "]";
  const std::string plan = Plan(pg_queries::kRelease, {PgInt(kT0), json});
  EXPECT_EQ(plan.find("jobs_lease"), std::string::npos) << plan;
  EXPECT_NE(plan.find("Index Scan using jobs_id_key"), std::string::npos) << plan;
}

TEST_F(PostgresPlanTest, PruningAJobDeletesItsEventsWithoutAForeignKey) {
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

}  // namespace
}  // namespace conveyor::testing
