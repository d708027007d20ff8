#include "api/job_json.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "core/time_format.h"

namespace conveyor::api {
namespace {

namespace json = boost::json;

const CreateAnswer kCreated{.is_new = true};

constexpr TimeMs kT0 = 1795327032123;  // 2026-11-22T05:57:12.123Z

Job FullJob() {
  Job j;
  j.id = "0192f0c1-8d3c-7abc-9def-0123456789ab";
  j.type = "square_sum";
  j.queue = "queue:pro";
  j.payload = R"({"data":[1,2,3],"note":"a \"quoted\" word"})";
  j.state = JobState::kSucceeded;
  j.priority = 2;
  j.attempt = 1;
  j.max_attempts = 4;
  j.run_at = kT0;
  j.expires_at = kT0 + 60000;
  j.timeout_s = 30;
  j.idempotency_key = "key-1";
  j.correlation_id = "req-1";
  j.webhook_url = "https://example.com/hook";
  j.depends_on = {"0192f0c1-8d3c-7abc-9def-0123456789aa"};
  j.tags = {"a", "b\n"};
  j.progress = 100;
  j.message = "done";
  j.current_step = "deliver";
  j.result = R"({"result":14})";
  j.result_ref = "s3://bucket/x";
  j.created_at = kT0;
  j.started_at = kT0 + 1;
  j.finished_at = kT0 + 2;
  j.updated_at = kT0 + 2;
  j.lease = Lease{"node/w1", "secret-token", kT0 + 30000};
  return j;
}

TEST(JobJsonTest, WritesEveryContractFieldAndHidesTheLease) {
  const std::string text = JobToJson(FullJob(), Dialect::kSucceeded, &kCreated);
  EXPECT_EQ(text.find("secret-token"), std::string::npos);
  const json::object o = json::parse(text).as_object();
  for (const char* key : {"id",
                          "job_id",
                          "type",
                          "queue",
                          "status",
                          "priority",
                          "attempt",
                          "max_attempts",
                          "payload",
                          "progress",
                          "message",
                          "current_step",
                          "result",
                          "result_ref",
                          "error",
                          "idempotency_key",
                          "correlation_id",
                          "webhook_url",
                          "tags",
                          "depends_on",
                          "run_at",
                          "expires_at",
                          "timeout_s",
                          "cancel_requested",
                          "created_at",
                          "started_at",
                          "finished_at",
                          "completed_at",
                          "updated_at",
                          "is_new"}) {
    EXPECT_TRUE(o.contains(key)) << key;
  }
  EXPECT_EQ(o.at("id"), o.at("job_id"));
  EXPECT_EQ(o.at("status").as_string(), "SUCCEEDED");
  EXPECT_EQ(o.at("payload").at("data").as_array().size(), 3u);  // a JSON value, not a string
  EXPECT_EQ(o.at("result").at("result").as_int64(), 14);
  EXPECT_EQ(o.at("created_at").as_string(), "2026-11-22T05:57:12.123Z");
  EXPECT_TRUE(o.at("is_new").as_bool());
}

TEST(JobJsonTest, AbsentOptionalsAreNull) {
  Job j;
  j.id = "0192f0c1-8d3c-7abc-9def-0123456789ab";
  j.type = "noop";
  const json::object o = json::parse(JobToJson(j)).as_object();
  for (const char* key : {"message", "current_step", "result", "result_ref", "error",
                          "idempotency_key", "correlation_id", "webhook_url", "expires_at",
                          "started_at", "finished_at", "completed_at"}) {
    EXPECT_TRUE(o.at(key).is_null()) << key;
  }
  EXPECT_FALSE(o.contains("is_new"));
  EXPECT_FALSE(o.contains("doc_id")) << "only document.pipeline jobs carry the seed's doc_id";
  EXPECT_TRUE(o.at("tags").as_array().empty());
}

TEST(JobJsonTest, RoundTrips) {
  const Job in = FullJob();
  auto out = JobFromJson(json::parse(JobToJson(in)));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->id, in.id);
  EXPECT_EQ(out->type, in.type);
  EXPECT_EQ(out->queue, in.queue);
  EXPECT_EQ(json::parse(out->payload), json::parse(in.payload));
  EXPECT_EQ(out->state, in.state);
  EXPECT_EQ(out->priority, in.priority);
  EXPECT_EQ(out->attempt, in.attempt);
  EXPECT_EQ(out->max_attempts, in.max_attempts);
  EXPECT_EQ(out->run_at, in.run_at);
  EXPECT_EQ(out->expires_at, in.expires_at);
  EXPECT_EQ(out->timeout_s, in.timeout_s);
  EXPECT_EQ(out->idempotency_key, in.idempotency_key);
  EXPECT_EQ(out->correlation_id, in.correlation_id);
  EXPECT_EQ(out->webhook_url, in.webhook_url);
  EXPECT_EQ(out->tags, in.tags);
  EXPECT_EQ(out->depends_on, in.depends_on);
  EXPECT_EQ(out->progress, in.progress);
  EXPECT_EQ(out->message, in.message);
  EXPECT_EQ(out->current_step, in.current_step);
  EXPECT_EQ(json::parse(*out->result), json::parse(*in.result));
  EXPECT_EQ(out->result_ref, in.result_ref);
  EXPECT_EQ(out->created_at, in.created_at);
  EXPECT_EQ(out->started_at, in.started_at);
  EXPECT_EQ(out->finished_at, in.finished_at);
  EXPECT_EQ(out->updated_at, in.updated_at);
  EXPECT_FALSE(out->lease.has_value());
}

TEST(JobJsonTest, InvalidStoredJsonIsEmittedAsAStringNotBrokenJson) {
  Job j = FullJob();
  j.payload = "{not json";
  j.result = "12 34";
  const json::object o = json::parse(JobToJson(j)).as_object();  // must still parse
  EXPECT_EQ(o.at("payload").as_string(), "{not json");
  EXPECT_EQ(o.at("result").as_string(), "12 34");
}

TEST(JobJsonTest, ResultIsNullUntilSucceeded) {
  Job j = FullJob();
  j.state = JobState::kRunning;
  std::string text;
  AppendJobResultJson(j, Dialect::kSucceeded, &text);
  EXPECT_TRUE(json::parse(text).at("result").is_null());
  j.state = JobState::kSucceeded;
  text.clear();
  AppendJobResultJson(j, Dialect::kSucceeded, &text);
  EXPECT_EQ(json::parse(text).at("result").at("result").as_int64(), 14);
}

TEST(JobJsonTest, StatusEventsPageAndStats) {
  const Job j = FullJob();
  std::string text;
  AppendJobStatusJson(j, Dialect::kSucceeded, &text);
  EXPECT_EQ(json::parse(text).at("progress").as_int64(), 100);

  text.clear();
  AppendJobEventsJson(j.id,
                      {{kT0, std::nullopt, JobState::kPending, 0, "submitted"},
                       {kT0 + 5, JobState::kPending, JobState::kRunning, 1, ""}},
                      Dialect::kSucceeded, &text);
  const auto events = json::parse(text).at("events").as_array();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(events[0].at("from").is_null());
  EXPECT_EQ(events[1].at("from").as_string(), "PENDING");
  EXPECT_EQ(events[1].at("to").as_string(), "RUNNING");

  text.clear();
  AppendJobPageJson({{j, j}, std::nullopt}, 2, std::nullopt, &text);
  const auto page = json::parse(text).as_object();
  EXPECT_EQ(page.at("jobs").as_array().size(), 2u);
  EXPECT_TRUE(page.at("next_cursor").is_null());
  EXPECT_EQ(page.at("limit").as_int64(), 2);

}

TEST(JsonWriterTest, TimesMatchTheCoreFormatter) {
  for (TimeMs t : {TimeMs{0}, TimeMs{951782400000} /* 2000-02-29 */, TimeMs{4107542399999}, kT0,
                   TimeMs{-1}, TimeMs{253402300799999} /* 9999-12-31 */}) {
    std::string out;
    AppendRfc3339(&out, t);
    EXPECT_EQ(out, FormatRfc3339(t)) << t;
  }
  for (TimeMs t = 0; t < TimeMs{4102444800000}; t += 86400000LL * 7 + 3600123) {
    std::string out;
    AppendRfc3339(&out, t);
    ASSERT_EQ(out, FormatRfc3339(t)) << t;
  }
}

TEST(JsonWriterTest, EscapesControlCharacters) {
  std::string out;
  AppendJsonString(&out, std::string("a\"b\\c\n\x01", 7));
  EXPECT_EQ(out, R"("a\"b\\c\n\u0001")");
  EXPECT_TRUE(IsValidJson(out));
  EXPECT_FALSE(IsValidJson("{\"a\":1} x"));
  EXPECT_FALSE(IsValidJson(""));
}

}  // namespace
}  // namespace conveyor::api
