#include "api/submit_request.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "api/problem.h"
#include "core/time_format.h"
#include "core/trace_context.h"
#include "handlers/handler_registry.h"
#include "runtime/canonical_request.h"
#include "runtime/submit_validator.h"
#include "runtime/type_catalog.h"

namespace conveyor::api {
namespace {

namespace json = boost::json;

struct Parsed {
  std::optional<ApiError> error;
  std::vector<JobSpec> specs;
};

Parsed Submit(std::string_view body, SubmitHeaders headers = {}) {
  Parsed p;
  p.error = ParseSubmitBody(body, headers, &p.specs);
  return p;
}

// What JobService then asks of the validator, in its order: the rules on the values live there
// (runtime/submit_validator.h), so a test of the answer a body gets runs both layers.
void Validate(Parsed& p) {
  // Every type declared ("*"): these tests are about the request's fields, not which types run.
  static const TypeCatalog* handlers = [] {
    auto* r = new HandlerRegistry();
    RegisterBuiltinHandlers(*r);
    return new TypeCatalog(*r, {"*"});
  }();
  constexpr TimeMs kNow = 1764000000000;  // 2025-11-24, fixed so runs repeat
  if (p.error) return;
  Status s = ValidateSubmitCount(p.specs.size());
  for (size_t i = 0; s.ok() && i < p.specs.size(); ++i) {
    s = ValidateSubmitSpec(p.specs[i], *handlers, kNow, SubmitErrorPrefix(p.specs, i));
  }
  if (!s.ok()) p.error = ErrorFromStatus(s);
}

// POST /jobs/batch as the route answers it: parsed, then validated.
Parsed Batch(std::string_view body) {
  Parsed p;
  p.error = ParseBatchBody(body, {}, &p.specs);
  Validate(p);
  return p;
}

// The 422 detail POST /jobs answers for `body` (parsed, then validated), or "" when accepted.
std::string Error422(std::string_view body) {
  Parsed p = Submit(body);
  Validate(p);
  if (!p.error) return "";
  EXPECT_EQ(p.error->kind, ErrorKind::kInvalidField) << p.error->detail;
  return p.error->detail;
}

TEST(SubmitRequestTest, CanonicalShape) {
  Parsed p = Submit(R"({"type":"square_sum","payload":{"data":[1,2]},"queue":"pro",
      "priority":1,"max_attempts":5,"run_at":"2026-02-01T15:00:00Z","expires_at":
      "2026-02-02T15:00:00+01:00","timeout_s":60,"idempotency_key":"k","correlation_id":"c",
      "webhook_url":"https://example.com/h","tags":["x"],
      "depends_on":["0192f0c1-8d3c-7abc-9def-0123456789ab"]})");
  ASSERT_FALSE(p.error) << p.error->detail;
  ASSERT_EQ(p.specs.size(), 1u);
  const JobSpec& s = p.specs[0];
  EXPECT_EQ(s.type, "square_sum");
  EXPECT_EQ(json::serialize(s.payload), R"({"data":[1,2]})");
  EXPECT_EQ(s.queue, "pro");
  EXPECT_EQ(s.priority, 1);
  EXPECT_EQ(s.max_attempts, 5);
  EXPECT_EQ(s.run_at, ParseRfc3339("2026-02-01T15:00:00Z"));
  EXPECT_EQ(s.expires_at, ParseRfc3339("2026-02-02T14:00:00Z"));
  EXPECT_EQ(s.timeout_s, 60);
  EXPECT_EQ(s.idempotency_key, "k");
  EXPECT_EQ(s.correlation_id, "c");
  EXPECT_EQ(s.webhook_url, "https://example.com/h");
  EXPECT_EQ(s.tags, std::vector<std::string>{"x"});
  EXPECT_EQ(s.depends_on.size(), 1u);
}

TEST(SubmitRequestTest, DefaultsWhenOptionalFieldsAreAbsentOrNull) {
  Parsed p = Submit(R"({"type":"noop","priority":null,"run_at":null})");
  ASSERT_FALSE(p.error);
  EXPECT_EQ(p.specs[0].priority, kDefaultPriority);
  EXPECT_EQ(p.specs[0].queue, kDefaultQueue);
  EXPECT_TRUE(p.specs[0].payload.is_object());
  EXPECT_FALSE(p.specs[0].run_at);
  EXPECT_FALSE(p.specs[0].idempotency_key);
}

TEST(SubmitRequestTest, TaskParamsShape) {
  Parsed p = Submit(R"({"task":"validate_csv_job","params":{"input_uri":"s3://b/f.csv"},
      "priority":5,"plan":"pro","idempotency_key":"upload-xyz-123"})");
  ASSERT_FALSE(p.error);
  EXPECT_EQ(p.specs[0].type, "validate_csv_job");
  EXPECT_EQ(json::serialize(p.specs[0].payload), R"({"input_uri":"s3://b/f.csv"})");
  EXPECT_EQ(p.specs[0].idempotency_key, "upload-xyz-123");
}

TEST(SubmitRequestTest, OperationDataShape) {
  Parsed p = Submit(R"({"data":[1,2,3,4,5],"operation":"square_sum"})");
  ASSERT_FALSE(p.error);
  EXPECT_EQ(p.specs[0].type, "square_sum");
  EXPECT_EQ(json::serialize(p.specs[0].payload), R"({"data":[1,2,3,4,5]})");
}

TEST(SubmitRequestTest, DocIdShape) {
  Parsed p = Submit(R"({"doc_id":"doc-1","payload":{"key":"value"},
      "webhook_url":"http://localhost:8000/webhook-receiver"})");
  ASSERT_FALSE(p.error);
  EXPECT_EQ(p.specs[0].type, "document.pipeline");
  EXPECT_EQ(p.specs[0].idempotency_key, "doc-1");
  // The whole seed body is the pipeline's payload; its deliver step is the notification, so the
  // job itself carries no webhook_url (no second, generic POST).
  EXPECT_EQ(p.specs[0].webhook_url, std::nullopt);
  EXPECT_EQ(json::serialize(p.specs[0].payload),
            R"({"doc_id":"doc-1","payload":{"key":"value"},)"
            R"("webhook_url":"http://localhost:8000/webhook-receiver"})");
  EXPECT_EQ(Error422(R"({"doc_id":"doc-1"})"),
            "payload is required: the document to process (any JSON value)");
  EXPECT_EQ(Error422(R"({"doc_id":"doc-1","payload":1,"webhook_url":"ftp://x"})"),
            "webhook_url must be an absolute http:// or https:// URL");
}

TEST(SubmitRequestTest, HeadersSupplyKeyAndCorrelation) {
  Parsed p = Submit(R"({"type":"noop"})", {.idempotency_key = "h-key", .correlation_id = "h-c"});
  ASSERT_FALSE(p.error);
  EXPECT_EQ(p.specs[0].idempotency_key, "h-key");
  EXPECT_EQ(p.specs[0].correlation_id, "h-c");
  // Same key in both places is fine; the body's correlation id wins over the header's.
  p = Submit(R"({"type":"noop","idempotency_key":"h-key","correlation_id":"b-c"})",
             {.idempotency_key = "h-key", .correlation_id = "h-c"});
  ASSERT_FALSE(p.error);
  EXPECT_EQ(p.specs[0].correlation_id, "b-c");
}

TEST(SubmitRequestTest, ARequestsTraceIsEveryJobsTrace) {
  const std::string tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const RequestTrace trace = TraceOfRequest(tp, 1, "k=v");
  EXPECT_EQ(trace.traceparent, tp);
  EXPECT_EQ(trace.tracestate, "k=v");
  Parsed p;
  p.error = ParseBatchBody(R"([{"type":"noop"},{"type":"noop"}])",
                           {.traceparent = trace.traceparent, .tracestate = trace.tracestate},
                           &p.specs);
  ASSERT_FALSE(p.error);
  for (const JobSpec& spec : p.specs) {
    EXPECT_EQ(spec.traceparent, tp);
    EXPECT_EQ(spec.tracestate, "k=v");
  }
  // Without headers the spec names no trace: JobService starts a fresh one for the job.
  p = Submit(R"({"type":"noop"})");
  EXPECT_EQ(p.specs.at(0).traceparent, std::nullopt);
}

TEST(SubmitRequestTest, AnInvalidRepeatedOrMissingTraceParentStartsAFreshTrace) {
  const std::string tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const std::string version_ff = "ff" + tp.substr(2);
  for (const auto& [header, count] : {std::pair<std::string_view, size_t>{"", 0},
                                      {tp, 2},  // W3C: repeated traceparent headers are invalid
                                      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", 1},
                                      {version_ff, 1}}) {
    const RequestTrace trace = TraceOfRequest(header, count, "k=v");
    EXPECT_EQ(trace.traceparent, "") << "each job starts its own: " << header;
    EXPECT_EQ(trace.tracestate, "") << "tracestate only travels with its traceparent: " << header;
  }
  EXPECT_EQ(TraceOfRequest(tp, 1, "k=v\x01").tracestate, "");
  EXPECT_EQ(TraceOfRequest(tp, 1, std::string(kMaxTraceStateLength + 1, 'a')).tracestate, "");
}

TEST(SubmitRequestTest, HeaderKeyWinsOverADifferentBodyKeyWithAWarning) {
  // Seed 003's own example sends both; the IETF draft's header decides, and the answer says so.
  Parsed p;
  std::vector<std::string> warnings;
  p.error = ParseSubmitBody(R"({"task":"noop","idempotency_key":"upload-xyz-123"})",
                            {.idempotency_key = "unique-key-123"}, &p.specs, &warnings);
  ASSERT_FALSE(p.error);
  EXPECT_EQ(p.specs[0].idempotency_key, "unique-key-123");
  EXPECT_EQ(p.specs[0].origin.key, SpecOrigin::Key::kHeader);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("header's key was used"), std::string::npos);
  // The same key in both places warns of nothing.
  warnings.clear();
  p.specs.clear();
  p.error = ParseSubmitBody(R"({"task":"noop","idempotency_key":"k"})", {.idempotency_key = "k"},
                            &p.specs, &warnings);
  ASSERT_FALSE(p.error);
  EXPECT_TRUE(warnings.empty());
}

TEST(SubmitRequestTest, TheShapePicksTheDialect) {
  EXPECT_EQ(Submit(R"({"type":"noop"})").specs[0].dialect, Dialect::kSucceeded);
  EXPECT_EQ(Submit(R"({"task":"noop"})").specs[0].dialect, Dialect::kQueued);
  EXPECT_EQ(Submit(R"({"doc_id":"d","payload":{}})").specs[0].dialect, Dialect::kSucceeded);
  // {operation, data}: seed 001 under /api/v1 (nested result), seed 004 without it (plain).
  EXPECT_EQ(Submit(R"({"operation":"square_sum","data":[1]})", {.under_api_prefix = true})
                .specs[0]
                .dialect,
            Dialect::kSuccess);
  EXPECT_EQ(Submit(R"({"operation":"square_sum","data":[1]})").specs[0].dialect,
            Dialect::kSuccessPlain);
}

TEST(SubmitRequestTest, ServerDefaultAppliesToTheCanonicalShapeOnly) {
  const SubmitHeaders completed{.default_dialect = Dialect::kCompleted};
  EXPECT_EQ(Submit(R"({"type":"noop"})", completed).specs[0].dialect, Dialect::kCompleted);
  EXPECT_EQ(Submit(R"({"task":"noop"})", completed).specs[0].dialect, Dialect::kQueued);
}

TEST(SubmitRequestTest, AnExplicitDialectBeatsTheShape) {
  const SubmitHeaders queued{.dialect = Dialect::kQueued};
  EXPECT_EQ(Submit(R"({"type":"noop"})", queued).specs[0].dialect, Dialect::kQueued);
  EXPECT_EQ(Submit(R"({"operation":"noop"})", queued).specs[0].dialect, Dialect::kQueued);
}

TEST(SubmitRequestTest, QueuedDialectPrioritiesCountUpAndAreMirrored) {
  // Seed 003: 10 is the most urgent; the store runs 1 first, so 10 is kept as 1.
  EXPECT_EQ(Submit(R"({"task":"noop","priority":10})").specs[0].priority, 1);
  EXPECT_EQ(Submit(R"({"task":"noop","priority":1})").specs[0].priority, 10);
  EXPECT_EQ(Submit(R"({"type":"noop","priority":10})").specs[0].priority, 10);
  EXPECT_EQ(Error422(R"({"task":"noop","priority":11})"),
            "priority must be between 1 and 10 (got 11)");
}

TEST(SubmitRequestTest, PlanRoutesToItsQueueAndLeavesThePriority) {
  EXPECT_EQ(Submit(R"({"task":"noop","plan":"enterprise"})").specs[0].queue, "queue:enterprise");
  EXPECT_EQ(Submit(R"({"type":"noop","plan":"free"})").specs[0].queue, "queue:free");
  EXPECT_EQ(Submit(R"({"task":"noop","plan":"free","priority":7})").specs[0].priority, 4);
  // No priority: the client's 5, kept as the store's 6 so that it reads back as 5.
  EXPECT_EQ(Submit(R"({"task":"noop","plan":"pro"})").specs[0].priority, 6);
  EXPECT_EQ(Submit(R"({"task":"noop","plan":"pro","queue":"queue:pro"})").specs[0].queue,
            "queue:pro");
  EXPECT_EQ(Error422(R"({"task":"noop","plan":"pro","queue":"emails"})"),
            "plan routes the job to queue 'queue:pro' but queue names 'emails'; give one of them");
  EXPECT_EQ(Error422(R"({"task":"noop","plan":"gold"})"),
            "plan must be one of free, pro, business, enterprise (it routes the job to the queue "
            "queue:<plan>)");
}

TEST(SubmitRequestTest, DocIdResubmissionIsTheSameRequestWhateverTheBody) {
  // Seed 000: the existing job comes back (200, is_new false) even when the payload changed.
  const Parsed a = Submit(R"({"doc_id":"doc-1","payload":{"v":1}})");
  const Parsed b = Submit(R"({"doc_id":"doc-1","payload":{"v":2}})");
  ASSERT_FALSE(a.error);
  ASSERT_FALSE(b.error);
  Job ja, jb;
  ja.idempotency_key = jb.idempotency_key = "doc-1";
  EXPECT_EQ(CanonicalRequest(a.specs[0], ja), CanonicalRequest(b.specs[0], jb));
  // A canonical key stays strict: another payload is another request.
  const Parsed c = Submit(R"({"type":"noop","idempotency_key":"k","payload":{"v":1}})");
  const Parsed d = Submit(R"({"type":"noop","idempotency_key":"k","payload":{"v":2}})");
  Job jc;
  jc.type = "noop";
  EXPECT_NE(CanonicalRequest(c.specs[0], jc), CanonicalRequest(d.specs[0], jc));
}

TEST(SubmitRequestTest, MalformedBodiesAre400) {
  for (std::string_view body : {"", "{", "{\"type\": \"noop\",}", "nul", "{} {}"}) {
    Parsed p = Submit(body);
    ASSERT_TRUE(p.error) << body;
    EXPECT_EQ(p.error->kind, ErrorKind::kMalformed) << body;
  }
}

TEST(SubmitRequestTest, JsonThatIsNotAnObjectIs422) {
  EXPECT_NE(Error422("[1,2]").find("must be a JSON object"), std::string::npos);
  EXPECT_NE(Error422("\"noop\"").find("must be a JSON object"), std::string::npos);
}

TEST(SubmitRequestTest, EveryFieldIsTypeChecked) {
  EXPECT_EQ(Error422(R"({"payload":{}})").substr(0, 16), "type is required");
  EXPECT_EQ(Error422(R"({"type":7})"), "type must be a non-empty string naming the job type");
  EXPECT_EQ(Error422(R"({"type":""})"), "type must be a non-empty string naming the job type");
  EXPECT_EQ(Error422(R"({"task":null})"), "task must be a non-empty string naming the job type");
  EXPECT_EQ(Error422(R"({"operation":[]})"),
            "operation must be a non-empty string naming the job type");
  EXPECT_EQ(Error422(R"({"doc_id":5})"), "doc_id must be a string of 1 to 255 characters");
  EXPECT_EQ(Error422(R"({"type":"noop","payload":[1]})"), "payload must be a JSON object");
  EXPECT_EQ(Error422(R"({"task":"noop","params":"x"})"), "params must be a JSON object");
  EXPECT_EQ(Error422(R"({"type":"noop","priority":11})"),
            "priority must be between 1 and 10 (got 11)");
  EXPECT_EQ(Error422(R"({"type":"noop","priority":"high"})"),
            "priority must be an integer from 1 to 10");
  EXPECT_EQ(Error422(R"({"type":"noop","priority":2.5})"),
            "priority must be an integer from 1 to 10");
  EXPECT_EQ(Error422(R"({"type":"noop","priority":3.0})"), "");  // an integral number is fine
  EXPECT_EQ(Error422(R"({"type":"noop","max_attempts":0})"),
            "max_attempts must be between 1 and 100 (got 0)");
  EXPECT_EQ(Error422(R"({"type":"noop","timeout_s":true})"),
            "timeout_s must be an integer from 1 to 86400");
  EXPECT_EQ(Error422(R"({"type":"noop","run_at":"tomorrow"})"),
            "run_at must be an RFC 3339 time such as 2026-02-01T15:00:00Z");
  EXPECT_EQ(Error422(R"({"type":"noop","scheduled_at":1700000000})"),
            "scheduled_at must be an RFC 3339 time such as 2026-02-01T15:00:00Z");
  EXPECT_EQ(Error422(R"({"type":"noop","run_at":"2026-02-01T15:00:00Z",
                        "scheduled_at":"2026-02-01T15:00:00Z"})"),
            "run_at and scheduled_at mean the same; give only one of them");
  EXPECT_EQ(Error422(R"({"type":"noop","expires_at":"2026-13-01T00:00:00Z"})"),
            "expires_at must be an RFC 3339 time such as 2026-02-01T15:00:00Z");
  EXPECT_EQ(Error422(R"({"type":"noop","queue":"a b"})"),
            "queue must be a string of 1 to 128 letters, digits, '_', '-', '.' or ':'");
  EXPECT_EQ(Error422(R"({"type":"noop","idempotency_key":""})"),
            "idempotency_key must be a string of 1 to 255 characters");
  EXPECT_EQ(Error422(R"({"type":"noop","correlation_id":{}})"),
            "correlation_id must be a string of 1 to 255 characters");
  EXPECT_EQ(Error422(R"({"type":"noop","webhook_url":"ftp://x/y"})"),
            "webhook_url must be an absolute http:// or https:// URL");
  EXPECT_EQ(Error422(R"({"type":"noop","tags":"a"})"),
            "tags must be an array of at most 32 strings");
  EXPECT_EQ(Error422(R"({"type":"noop","tags":["a",1]})"),
            "tags[1] must be a string of 1 to 128 characters");
  EXPECT_EQ(
      Error422(R"({"type":"noop","depends_on":["nope"]})"),
      "depends_on[0] must be a job id (UUID), or \"$n\" for the n-th job (from $0) of the same "
      "batch");
}

TEST(SubmitRequestTest, BatchAcceptsWrappedAndBareArrays) {
  Parsed p = Batch(R"({"jobs":[{"type":"noop"},{"operation":"cube_sum","data":[1]}]})");
  ASSERT_FALSE(p.error);
  ASSERT_EQ(p.specs.size(), 2u);
  EXPECT_EQ(p.specs[1].type, "cube_sum");
  p = Batch(R"([{"type":"noop"}])");
  ASSERT_FALSE(p.error);
  EXPECT_EQ(p.specs.size(), 1u);
}

TEST(SubmitRequestTest, BatchErrorsNameTheIndex) {
  Parsed p = Batch(R"({"jobs":[{"type":"noop"},{"type":"noop","priority":0}]})");
  ASSERT_TRUE(p.error);
  EXPECT_EQ(p.error->detail, "jobs[1].priority must be between 1 and 10 (got 0)");
  p = Batch(R"([{"type":"noop"}, 3])");
  ASSERT_TRUE(p.error);
  EXPECT_EQ(p.error->detail, "jobs[1] must be a JSON object");
  p = Batch(R"({"jobs":[]})");
  ASSERT_TRUE(p.error);
  EXPECT_EQ(p.error->detail, "jobs must hold 1 to 1000 jobs");
  p = Batch(R"({"type":"noop"})");
  ASSERT_TRUE(p.error);
  EXPECT_EQ(p.error->kind, ErrorKind::kInvalidField);
}

TEST(SubmitRequestTest, ParsingJudgesOnlyJsonTypes) {
  // A value of the right JSON type comes through for the validator to judge.
  Parsed p = Submit(R"({"type":"noop","priority":11,"queue":"a b","tags":[""],
      "webhook_url":"ftp://x","depends_on":["nope"],"idempotency_key":""})");
  ASSERT_FALSE(p.error) << p.error->detail;
  EXPECT_EQ(p.specs[0].priority, 11);
  EXPECT_EQ(p.specs[0].queue, "a b");
  EXPECT_EQ(p.specs[0].webhook_url, "ftp://x");
  EXPECT_EQ(Batch(R"({"jobs":[]})").specs.size(), 0u);
  // A number no int holds is beyond every range: a type error, worded as the field's rule.
  p = Submit(R"({"type":"noop","priority":3000000000})");
  ASSERT_TRUE(p.error);
  EXPECT_EQ(p.error->detail, "priority must be an integer from 1 to 10");
}

TEST(SubmitRequestTest, RulesOnValuesNameTheFieldAsTheBodyWroteIt) {
  EXPECT_EQ(Error422(R"({"task":"a b"})"),
            "task must be 1 to 128 characters of letters, digits and . _ : -");
  EXPECT_EQ(Error422(R"({"doc_id":"","payload":1})"),
            "doc_id must be a string of 1 to 255 characters");
  const std::string long_key(256, 'k');
  Parsed p = Submit(R"({"type":"noop"})", {.idempotency_key = long_key});
  Validate(p);
  ASSERT_TRUE(p.error);
  EXPECT_EQ(p.error->detail, "the Idempotency-Key header must be 1 to 255 characters");
  // A batch of one still names its item.
  p = Batch(R"([{"type":"noop","queue":"a b"}])");
  ASSERT_TRUE(p.error);
  EXPECT_EQ(p.error->detail.rfind("jobs[0].queue must be", 0), 0u) << p.error->detail;
}

TEST(SubmitRequestTest, ContentTypeCheck) {
  EXPECT_TRUE(IsJsonContentType("application/json"));
  EXPECT_TRUE(IsJsonContentType("Application/JSON; charset=utf-8"));
  EXPECT_FALSE(IsJsonContentType(""));
  EXPECT_FALSE(IsJsonContentType("text/plain"));
  EXPECT_FALSE(IsJsonContentType("application/x-www-form-urlencoded"));
  EXPECT_FALSE(IsJsonContentType("application/jsonx"));
}

}  // namespace
}  // namespace conveyor::api
