#include "runtime/job_service.h"

#include <gtest/gtest.h>

#include "core/ids.h"
#include "core/trace_context.h"
#include "runtime_fixture.h"

namespace conveyor {
namespace {

class JobServiceTest : public RuntimeFixture {
 protected:
  void SetUp() override {
    RuntimeFixture::SetUp();
    config_.workers = 0;  // no pool: jobs stay where the service put them
    config_.default_max_attempts = 7;
    config_.default_timeout_s = 42;
    StartRuntime(clock_);
  }

  Status BuildError(const JobSpec& spec) {
    Result<Job> job = service_->BuildJob(spec, clock_.NowMs());
    EXPECT_FALSE(job.ok());
    return job.status();
  }

  ManualClock clock_{1'800'000'000'000};
};

TEST_F(JobServiceTest, BuildJobFillsIdsDefaultsAndState) {
  Result<Job> job = service_->BuildJob(Spec("square_sum", R"({"data": [1, 2]})"), clock_.NowMs());
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_TRUE(IsValidUuid(job->id));
  EXPECT_EQ(job->state, JobState::kPending);
  EXPECT_EQ(job->run_at, clock_.NowMs());
  EXPECT_EQ(job->created_at, clock_.NowMs());
  EXPECT_EQ(job->max_attempts, 7);
  EXPECT_EQ(job->timeout_s, 42);
  EXPECT_EQ(job->queue, "default");
  EXPECT_EQ(job->priority, 5);
  EXPECT_EQ(job->payload, R"({"data":[1,2]})");
  EXPECT_FALSE(job->request_hash.empty());
}

TEST_F(JobServiceTest, FutureRunAtMakesTheJobScheduled) {
  JobSpec spec = Spec("noop", "{}");
  spec.run_at = clock_.NowMs() + 60'000;
  Result<Job> job = service_->BuildJob(spec, clock_.NowMs());
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->state, JobState::kScheduled);
  EXPECT_EQ(job->run_at, *spec.run_at);
}

// A spec that names no trace (a schedule's run, the CLI without a header) stores none: the job's
// trace is its own, derived from its id. One that does joins it, with its tracestate. Neither is
// part of the request hash.
TEST_F(JobServiceTest, AJobJoinsTheSpecsTraceOrHasItsOwn) {
  const JobSpec fresh = Spec("noop", "{}");
  const Job a = *service_->BuildJob(fresh, clock_.NowMs());
  const Job b = *service_->BuildJob(fresh, clock_.NowMs());
  EXPECT_EQ(a.traceparent, std::nullopt);
  EXPECT_EQ(a.tracestate, std::nullopt);
  const std::string ta = JobTraceParent(a.traceparent, a.id);
  EXPECT_EQ(ParseTraceParent(ta), ta);
  EXPECT_NE(TraceIdOf(ta), TraceIdOf(JobTraceParent(b.traceparent, b.id)));
  JobSpec joined = fresh;
  joined.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  joined.tracestate = "k=v";
  const Job c = *service_->BuildJob(joined, clock_.NowMs());
  EXPECT_EQ(c.traceparent, joined.traceparent);
  EXPECT_EQ(JobTraceParent(c.traceparent, c.id), joined.traceparent);
  EXPECT_EQ(c.tracestate, "k=v");
  EXPECT_EQ(c.request_hash, a.request_hash);
}

TEST_F(JobServiceTest, RequestHashIgnoresKeyOrderCorrelationIdAndTime) {
  JobSpec a = Spec("noop", R"({"x": 1, "y": [1, {"b": 2, "a": 1}]})");
  a.correlation_id = "first";
  JobSpec b = Spec("noop", R"({"y": [1, {"a": 1, "b": 2}], "x": 1})");
  b.correlation_id = "second";
  const std::string ha = service_->BuildJob(a, clock_.NowMs())->request_hash;
  const std::string hb = service_->BuildJob(b, clock_.NowMs() + 5000)->request_hash;
  EXPECT_EQ(ha, hb);
  b.priority = 4;
  EXPECT_NE(ha, service_->BuildJob(b, clock_.NowMs())->request_hash);
  JobSpec c = Spec("noop", R"({"x": 2, "y": [1, {"a": 1, "b": 2}]})");
  EXPECT_NE(ha, service_->BuildJob(c, clock_.NowMs())->request_hash);
}

TEST_F(JobServiceTest, TypeWithoutBuiltinHandlerWaitsForAnExternalWorker) {
  Result<Job> job = service_->BuildJob(Spec("images.resize", R"({"w": 10})"), clock_.NowMs());
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->type, "images.resize");
  EXPECT_EQ(job->state, JobState::kPending);
}

TEST_F(JobServiceTest, MissingOrMalformedTypeIsRejected) {
  Status s = BuildError(Spec("", "{}"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().rfind("type is required; known types: ", 0), 0u) << s.message();
  EXPECT_NE(s.message().find("cube_sum"), std::string::npos) << s.message();
  s = BuildError(Spec("has space", "{}"));
  EXPECT_EQ(s.message(), "type must be 1 to 128 characters of letters, digits and . _ : -");
  EXPECT_EQ(BuildError(Spec(std::string(129, 't'), "{}")).code(), StatusCode::kInvalidArgument);
  // command.<name> types come only from the operator's commands file.
  s = BuildError(Spec("command.rm", "{}"));
  EXPECT_EQ(s.message().rfind("job type 'command.rm' is not a declared command", 0), 0u)
      << s.message();
}

TEST_F(JobServiceTest, ValidationErrorsNameTheField) {
  EXPECT_EQ(BuildError(Spec("square_sum", R"({"data": [1, "x"]})")).message(),
            "payload.data[1] must be a number");
  JobSpec spec = Spec("noop", "{}");
  spec.priority = 11;
  EXPECT_EQ(BuildError(spec).message(), "priority must be between 1 and 10 (got 11)");
  spec = Spec("noop", "{}");
  spec.max_attempts = 0;
  EXPECT_EQ(BuildError(spec).message(), "max_attempts must be between 1 and 100 (got 0)");
  spec = Spec("noop", "{}");
  spec.timeout_s = 86401;
  EXPECT_EQ(BuildError(spec).message(), "timeout_s must be between 1 and 86400 (got 86401)");
  spec = Spec("noop", "{}");
  spec.queue = "has space";
  EXPECT_NE(BuildError(spec).message().find("queue must be"), std::string::npos);
  spec = Spec("noop", "{}");
  spec.idempotency_key = std::string(256, 'k');
  EXPECT_NE(BuildError(spec).message().find("idempotency_key"), std::string::npos);
  spec = Spec("noop", "{}");
  spec.tags.assign(33, "t");
  EXPECT_NE(BuildError(spec).message().find("tags"), std::string::npos);
  spec = Spec("noop", "{}");
  spec.depends_on = {"not-a-uuid"};
  EXPECT_NE(BuildError(spec).message().find("depends_on[0]"), std::string::npos);
  spec = Spec("noop", "{}");
  spec.expires_at = clock_.NowMs() - 1;
  EXPECT_NE(BuildError(spec).message().find("expires_at"), std::string::npos);
  spec = Spec("noop", "{}");
  spec.webhook_url = "ftp://example.com";
  EXPECT_NE(BuildError(spec).message().find("webhook_url"), std::string::npos);
}

TEST_F(JobServiceTest, BatchErrorsNameTheIndexAndStoreNothing) {
  std::vector<JobSpec> specs{Spec("square_sum", R"({"data": [1]})"),
                             Spec("square_sum", R"({"data": [1, 2, "three"]})")};
  Result<std::vector<InsertOutcome>> r = service_->Submit(specs);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "jobs[1].payload.data[2] must be a number");
  specs[1] = Spec("no/pe", "{}");
  EXPECT_EQ(service_->Submit(specs).status().message().rfind("jobs[1].type must be", 0), 0u);
  Result<std::map<JobState, int64_t>> counts = service_->Counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_TRUE(counts->empty());
}

TEST_F(JobServiceTest, EmptyAndOversizedBatchesAreRejected) {
  EXPECT_EQ(service_->Submit({}).status().code(), StatusCode::kInvalidArgument);
  std::vector<JobSpec> specs(1001, Spec("noop", "{}"));
  EXPECT_EQ(service_->Submit(specs).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(JobServiceTest, SubmitStoresTheJobsInOrder) {
  std::vector<JobSpec> specs{Spec("square_sum", R"({"data": [1]})"), Spec("noop", "{}")};
  Result<std::vector<InsertOutcome>> r = service_->Submit(specs);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_TRUE((*r)[0].is_new);
  EXPECT_EQ((*r)[0].job.type, "square_sum");
  EXPECT_EQ((*r)[1].job.type, "noop");
  Result<Job> got = service_->Get((*r)[1].job.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->state, JobState::kPending);
}

TEST_F(JobServiceTest, IdempotentReplayReturnsTheOriginal) {
  JobSpec spec = Spec("square_sum", R"({"data": [1, 2]})");
  spec.idempotency_key = "order-17";
  spec.correlation_id = "c1";
  Job first = MustSubmit(spec);
  spec.correlation_id = "c2";  // a retried request may carry a new correlation id
  clock_.Advance(1000);
  Result<std::vector<InsertOutcome>> replay = service_->Submit({spec});
  ASSERT_TRUE(replay.ok()) << replay.status().ToString();
  EXPECT_FALSE(replay->front().is_new);
  EXPECT_EQ(replay->front().job.id, first.id);
}

TEST_F(JobServiceTest, SameKeyDifferentRequestIsAConflict) {
  JobSpec spec = Spec("square_sum", R"({"data": [1, 2]})");
  spec.idempotency_key = "order-18";
  MustSubmit(spec);
  spec.payload = boost::json::parse(R"({"data": [3]})");
  Result<std::vector<InsertOutcome>> r = service_->Submit({spec});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kConflict);
}

TEST_F(JobServiceTest, IdsMustBeUuids) {
  Result<Job> r = service_->Get("42");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().rfind("job id must be a UUID, e.g. 0190", 0), 0u);
  EXPECT_EQ(service_->Events("x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->Cancel("x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->Retry("x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->Get(NewUuidV7(clock_.NowMs())).status().code(), StatusCode::kNotFound);
}

TEST_F(JobServiceTest, ListValidatesItsParameters) {
  EXPECT_EQ(service_->List({.cursor = "nope"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->List({.limit = 0}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->List({.limit = 1001}).status().code(), StatusCode::kInvalidArgument);
  Job job = MustSubmit(Spec("noop", "{}"));
  Result<JobPage> page = service_->List({.limit = 10});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->jobs.size(), 1u);
  EXPECT_EQ(page->jobs[0].id, job.id);
}

TEST_F(JobServiceTest, CancelAWaitingJobThenRetryIt) {
  Job job = MustSubmit(Spec("noop", "{}"));
  Result<Job> cancelled = service_->Cancel(job.id);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status().ToString();
  EXPECT_EQ(cancelled->state, JobState::kCancelled);
  EXPECT_EQ(service_->Cancel(job.id).status().code(), StatusCode::kFailedPrecondition);
  Result<Job> retried = service_->Retry(job.id);
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(retried->state, JobState::kPending);
  EXPECT_EQ(service_->Retry(job.id).status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace conveyor
