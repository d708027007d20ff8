// The job answers in each dialect (core/dialect.h): status words, aliases, result shapes and
// priority direction, as the seeds' clients read them.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "api/job_json.h"

namespace conveyor::api {
namespace {

namespace json = boost::json;

Job Succeeded(std::string result) {
  Job j;
  j.id = "01a2020d-3ed6-7119-8f23-b11784e040ca";
  j.type = "square_sum";
  j.state = JobState::kSucceeded;
  j.attempt = 2;
  j.priority = 1;
  j.result = std::move(result);
  j.created_at = 1'795'000'000'000;
  j.updated_at = j.created_at + 2000;
  j.finished_at = j.updated_at;
  return j;
}

json::object Result(const Job& j, Dialect d) {
  std::string text;
  AppendJobResultJson(j, d, &text);
  return json::parse(text).as_object();
}

TEST(JobJsonDialectTest, Seed001ResultIsNestedWithTheOperation) {
  const json::object o = Result(Succeeded("55"), Dialect::kSuccess);
  EXPECT_EQ(o.at("status").as_string(), "SUCCESS");
  EXPECT_EQ(o.at("operation").as_string(), "square_sum");
  EXPECT_EQ(o.at("result").at("result").as_int64(), 55);
  EXPECT_TRUE(o.at("result").at("error").is_null());
  EXPECT_TRUE(o.contains("created_at") && o.contains("updated_at"));
}

TEST(JobJsonDialectTest, Seed004ResultIsAPlainNumberWrittenAsAFloat) {
  std::string text;
  AppendJobResultJson(Succeeded("14"), Dialect::kSuccessPlain, &text);
  EXPECT_NE(text.find(R"("result":14.0,)"), std::string::npos) << text;
  AppendJobResultJson(Succeeded("-3"), Dialect::kSuccessPlain, &text);
  EXPECT_NE(text.find(R"("result":-3.0,)"), std::string::npos) << text;
  // A fractional or non-number result is written as it is.
  EXPECT_EQ(Result(Succeeded("6.25"), Dialect::kSuccessPlain).at("result").as_double(), 6.25);
  EXPECT_TRUE(Result(Succeeded(R"({"a":1})"), Dialect::kSuccessPlain).at("result").is_object());
}

TEST(JobJsonDialectTest, AFailedJobHasNoResultInAnyShape) {
  Job j = Succeeded("55");
  j.state = JobState::kFailed;
  j.error = "boom";
  const json::object nested = Result(j, Dialect::kSuccess);
  EXPECT_EQ(nested.at("status").as_string(), "FAILED");
  EXPECT_TRUE(nested.at("result").at("result").is_null());
  EXPECT_EQ(nested.at("result").at("error").as_string(), "boom");
  EXPECT_TRUE(Result(j, Dialect::kSuccessPlain).at("result").is_null());
}

TEST(JobJsonDialectTest, CompletedDialectHasSeed002Names) {
  Job j = Succeeded("1");
  j.error = "earlier try failed";
  const json::object o = json::parse(JobToJson(j, Dialect::kCompleted)).as_object();
  EXPECT_EQ(o.at("status").as_string(), "COMPLETED");
  EXPECT_EQ(o.at("attempts").as_int64(), 2);
  EXPECT_EQ(o.at("error_message").as_string(), "earlier try failed");
  EXPECT_EQ(o.at("scheduled_at"), o.at("run_at"));
  EXPECT_EQ(o.at("priority").as_int64(), 1);
}

TEST(JobJsonDialectTest, QueuedDialectHasTaskNameLowerCaseAndItsPriority) {
  Job j = Succeeded("1");
  j.state = JobState::kRunning;
  const json::object o = json::parse(JobToJson(j, Dialect::kQueued)).as_object();
  EXPECT_EQ(o.at("status").as_string(), "running");
  EXPECT_EQ(o.at("task_name").as_string(), "square_sum");
  EXPECT_EQ(o.at("priority").as_int64(), 10);  // stored 1 (runs first) is the client's 10
}

TEST(JobJsonDialectTest, ConveyorsOwnAnswerHasNoAliases) {
  const json::object o = json::parse(JobToJson(Succeeded("1"))).as_object();
  EXPECT_EQ(o.at("status").as_string(), "SUCCEEDED");
  for (const char* alias : {"operation", "task_name", "attempts", "error_message", "is_new"}) {
    EXPECT_FALSE(o.contains(alias)) << alias;
  }
}

TEST(JobJsonDialectTest, DocumentCreateAnswerSaysWhatHappened) {
  Job j = Succeeded("1");
  j.type = "document.pipeline";
  j.idempotency_key = "doc-1";
  CreateAnswer created{.is_new = true};
  json::object o = json::parse(JobToJson(j, Dialect::kSucceeded, &created)).as_object();
  EXPECT_EQ(o.at("message").as_string(), "Job created and queued for processing");
  EXPECT_EQ(o.at("doc_id").as_string(), "doc-1");
  EXPECT_TRUE(o.at("is_new").as_bool());
  created.is_new = false;
  o = json::parse(JobToJson(j, Dialect::kSucceeded, &created)).as_object();
  EXPECT_FALSE(o.at("is_new").as_bool());
  EXPECT_FALSE(o.contains("warnings"));
  created.warnings = {"the header's key was used"};
  o = json::parse(JobToJson(j, Dialect::kSucceeded, &created)).as_object();
  EXPECT_EQ(o.at("warnings").as_array().size(), 1u);
}

TEST(JobJsonDialectTest, EventsNameStatesInTheDialect) {
  std::string text;
  AppendJobEventsJson("id", {{1, JobState::kPending, JobState::kRunning, 1, ""}},
                      Dialect::kCompleted, &text);
  const json::object e = json::parse(text).at("events").as_array()[0].as_object();
  EXPECT_EQ(e.at("from").as_string(), "PENDING");
  EXPECT_EQ(e.at("to").as_string(), "PROCESSING");
}

}  // namespace
}  // namespace conveyor::api
