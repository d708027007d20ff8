#include "observability/job_transition.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "log_capture.h"

namespace conveyor {
namespace {

using observability::JobEventKind;
using observability::JobTransition;
using observability::Publish;

Job MakeJob() {
  Job job;
  job.id = "0193a0b2-7c1e-7000-8000-000000000001";
  job.type = "email.send";
  job.queue = "mail";
  job.attempt = 2;
  return job;
}

using JobTransitionTest = LogCapture;

TEST_F(JobTransitionTest, EventNamesAreTheIssuesSeven) {
  EXPECT_EQ(observability::JobEventName(JobEventKind::kSubmitted), "submitted");
  EXPECT_EQ(observability::JobEventName(JobEventKind::kStarted), "started");
  EXPECT_EQ(observability::JobEventName(JobEventKind::kRetrying), "retrying");
  EXPECT_EQ(observability::JobEventName(JobEventKind::kSucceeded), "succeeded");
  EXPECT_EQ(observability::JobEventName(JobEventKind::kFailed), "failed");
  EXPECT_EQ(observability::JobEventName(JobEventKind::kCancelled), "cancelled");
  EXPECT_EQ(observability::JobEventName(JobEventKind::kExpired), "expired");
}

TEST_F(JobTransitionTest, OneInfoLinePerTransitionWithTheJobsFields) {
  Job job = MakeJob();
  job.current_step = "render";
  job.correlation_id = "req-42";
  job.tenant = "acme";
  job.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  Publish({.kind = JobEventKind::kStarted, .job = job, .wait_seconds = 1.5});
  boost::json::object line = Only("job.started");
  EXPECT_EQ(Text(line, "level"), "info");
  EXPECT_EQ(Text(line, "job_id"), job.id);
  EXPECT_EQ(Text(line, "type"), "email.send");
  EXPECT_EQ(Text(line, "queue"), "mail");
  EXPECT_EQ(line.at("attempt").as_int64(), 2);
  EXPECT_EQ(Text(line, "step"), "render");
  EXPECT_EQ(Text(line, "correlation_id"), "req-42");
  EXPECT_EQ(Text(line, "tenant"), "acme");
  EXPECT_EQ(Text(line, "trace_id"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(line.at("wait_s").to_number<double>(), 1.5);
  EXPECT_FALSE(line.contains("duration_s"));
  EXPECT_FALSE(line.contains("error"));
}

TEST_F(JobTransitionTest, AbsentStepCorrelationAndTenantAreOmittedAndTheTraceIsTheJobs) {
  const Job job = MakeJob();
  Publish({.kind = JobEventKind::kSubmitted, .job = job});
  boost::json::object line = Only("job.submitted");
  for (const char* key : {"step", "correlation_id", "tenant", "wait_s", "duration_s", "error"}) {
    EXPECT_FALSE(line.contains(key)) << key;
  }
  EXPECT_EQ(line.at("attempt").as_int64(), 2);
  // No traceparent was sent: the job's own trace, derived from its id.
  EXPECT_EQ(Text(line, "trace_id"), "0193a0b27c1e70008000000000000001");
}

TEST_F(JobTransitionTest, EndOfAttemptCarriesDurationAndFailuresTheirError) {
  const Job job = MakeJob();
  Publish({.kind = JobEventKind::kSucceeded, .job = job, .run_seconds = 0.042, .error = "x"});
  Publish({.kind = JobEventKind::kRetrying, .job = job, .run_seconds = 2.0, .error = "smtp 421"});
  Publish({.kind = JobEventKind::kFailed, .job = job, .error = "smtp 550"});
  boost::json::object ok = Only("job.succeeded");
  EXPECT_EQ(ok.at("duration_s").to_number<double>(), 0.042);
  EXPECT_FALSE(ok.contains("error")) << "only retrying and failed lines carry the error";
  boost::json::object retrying = Only("job.retrying");
  EXPECT_EQ(Text(retrying, "error"), "smtp 421");
  EXPECT_EQ(retrying.at("duration_s").to_number<double>(), 2.0);
  EXPECT_EQ(Text(Only("job.failed"), "error"), "smtp 550");
}

TEST_F(JobTransitionTest, ErrorIsRedactedThenCutOnACharacterBoundary) {
  const Job job = MakeJob();
  // 299 ASCII bytes then 'é' (2 bytes): byte 300 is in the middle of it.
  const std::string long_error = std::string(299, 'a') + "\xC3\xA9" + std::string(500, 'b');
  Publish({.kind = JobEventKind::kFailed, .job = job, .error = long_error});
  const std::string cut = Text(Only("job.failed"), "error");
  EXPECT_EQ(cut, std::string(299, 'a') + "\u2026");
  // The password starts before the cut and its '@' comes after it: cut first, it would leak.
  const std::string leak =
      std::string(250, 'x') + " postgres://app:S3cr3t" + std::string(60, 'p') + "@db/x";
  Publish({.kind = JobEventKind::kRetrying, .job = job, .error = leak});
  for (const std::string& raw : RawLines()) {
    EXPECT_EQ(raw.find("S3cr3t"), std::string::npos) << raw;
  }
}

TEST_F(JobTransitionTest, NothingIsBuiltBelowTheLevel) {
  log::SetLevel(log::Level::kWarn);
  Publish({.kind = JobEventKind::kSubmitted, .job = MakeJob()});
  EXPECT_TRUE(Lines().empty());
}

std::atomic<int> g_pokes{0};
std::atomic<int> g_lines_seen_at_poke{-1};
LogCapture* g_capture = nullptr;

TEST_F(JobTransitionTest, ListenerIsPokedAfterTheLineOncePerPublish) {
  g_capture = this;
  observability::SetTransitionListener([] {
    g_pokes.fetch_add(1);
    // The line was queued before the poke: a flush now finds it.
    log::Flush();
    g_lines_seen_at_poke = static_cast<int>(g_capture->Captured().size());
  });
  Publish({.kind = JobEventKind::kCancelled, .job = MakeJob()});
  EXPECT_EQ(g_pokes.load(), 1);
  EXPECT_EQ(g_lines_seen_at_poke.load(), 1);
  observability::SetTransitionListener(nullptr);
  Publish({.kind = JobEventKind::kExpired, .job = MakeJob()});
  EXPECT_EQ(g_pokes.load(), 1) << "removed listeners are not called";
  EXPECT_EQ(Lines().size(), 2u);
}

}  // namespace
}  // namespace conveyor
