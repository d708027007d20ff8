#include "runtime/submit_validator.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "core/job.h"
#include "handlers/handler_registry.h"
#include "runtime/type_catalog.h"

namespace conveyor {
namespace {

namespace json = boost::json;

constexpr TimeMs kNow = 1'800'000'000'000;
constexpr const char* kUuid = "0192f0c1-8d3c-7abc-9def-0123456789ab";

// The built-in types, and every other type declared for external workers ("*"), so these
// tests see the field rules alone; type_catalog_test.cc covers undeclared types.
const TypeCatalog& Handlers() {
  static const TypeCatalog* types = [] {
    auto* r = new HandlerRegistry();
    RegisterBuiltinHandlers(*r);
    return new TypeCatalog(*r, {"*"});
  }();
  return *types;
}

JobSpec Noop() { return JobSpec{.type = "noop"}; }

// The message for `spec`, or "" when it is valid.
std::string Message(const JobSpec& spec, std::string_view prefix = "") {
  Status s = ValidateSubmitSpec(spec, Handlers(), kNow, prefix);
  if (s.ok()) return "";
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.message();
  return s.message();
}

std::string N(size_t n) { return std::to_string(n); }

TEST(SubmitValidatorTest, AValidSpecPasses) {
  JobSpec spec = Noop();
  spec.priority = kMaxPriority;
  spec.max_attempts = kMaxMaxAttempts;
  spec.timeout_s = kMaxTimeoutS;
  spec.queue = std::string(kMaxNameLength, 'q');
  spec.idempotency_key = std::string(kMaxIdempotencyKeyLength, 'k');
  spec.tags.assign(kMaxTags, std::string(kMaxTagLength, 't'));
  spec.depends_on.assign(kMaxDependencies, kUuid);
  spec.webhook_url = "https://example.com/hook";
  EXPECT_EQ(Message(spec), "");
}

TEST(SubmitValidatorTest, RangeMessagesTakeTheirNumbersFromTheLimits) {
  JobSpec spec = Noop();
  spec.priority = kMaxPriority + 1;
  EXPECT_EQ(Message(spec), "priority must be between " + N(kMinPriority) + " and " +
                               N(kMaxPriority) + " (got " + N(kMaxPriority + 1) + ")");
  spec = Noop();
  spec.max_attempts = kMaxMaxAttempts + 1;
  EXPECT_EQ(Message(spec), "max_attempts must be between " + N(kMinMaxAttempts) + " and " +
                               N(kMaxMaxAttempts) + " (got " + N(kMaxMaxAttempts + 1) + ")");
  spec = Noop();
  spec.timeout_s = kMinTimeoutS - 1;
  EXPECT_EQ(Message(spec), "timeout_s must be between " + N(kMinTimeoutS) + " and " +
                               N(kMaxTimeoutS) + " (got " + N(kMinTimeoutS - 1) + ")");
}

TEST(SubmitValidatorTest, ListAndLengthMessagesAreTheFieldsRule) {
  JobSpec spec = Noop();
  spec.queue = std::string(kMaxNameLength + 1, 'q');
  EXPECT_EQ(Message(spec), "queue " + SubmitRule(SubmitField::kQueue));
  spec = Noop();
  spec.idempotency_key = "";
  EXPECT_EQ(Message(spec), "idempotency_key " + SubmitRule(SubmitField::kIdempotencyKey));
  spec = Noop();
  spec.correlation_id = std::string(kMaxCorrelationIdLength + 1, 'c');
  EXPECT_EQ(Message(spec), "correlation_id " + SubmitRule(SubmitField::kCorrelationId));
  spec = Noop();
  spec.tags.assign(kMaxTags + 1, "t");
  EXPECT_EQ(Message(spec), "tags " + SubmitRule(SubmitField::kTags));
  spec = Noop();
  spec.tags = {"t", std::string(kMaxTagLength + 1, 't')};
  EXPECT_EQ(Message(spec), "tags[1] " + SubmitRule(SubmitField::kTag));
  spec = Noop();
  spec.depends_on.assign(kMaxDependencies + 1, kUuid);
  EXPECT_EQ(Message(spec), "depends_on " + SubmitRule(SubmitField::kDependsOn));
  spec = Noop();
  spec.depends_on = {kUuid, "nope"};
  EXPECT_EQ(Message(spec), "depends_on[1] " + SubmitRule(SubmitField::kDependency));
}

TEST(SubmitValidatorTest, RulesNameTheirLimits) {
  EXPECT_EQ(SubmitRule(SubmitField::kPriority),
            "must be an integer from " + N(kMinPriority) + " to " + N(kMaxPriority));
  EXPECT_EQ(SubmitRule(SubmitField::kTimeoutS),
            "must be an integer from " + N(kMinTimeoutS) + " to " + N(kMaxTimeoutS));
  EXPECT_EQ(SubmitRule(SubmitField::kIdempotencyKey),
            "must be a string of 1 to " + N(kMaxIdempotencyKeyLength) + " characters");
  EXPECT_EQ(SubmitRule(SubmitField::kTags),
            "must be an array of at most " + N(kMaxTags) + " strings");
}

TEST(SubmitValidatorTest, WebhookUrlSyntaxThenTheAddressRules) {
  JobSpec spec = Noop();
  for (const char* url : {"ftp://example.com/h", "http://", "https://example.com/a<b", "hook"}) {
    spec.webhook_url = url;
    EXPECT_EQ(Message(spec), "webhook_url " + SubmitRule(SubmitField::kWebhookUrl)) << url;
  }
  spec.webhook_url = "https://example.com/" + std::string(kMaxWebhookUrlLength, 'a');
  EXPECT_EQ(Message(spec), "webhook_url " + SubmitRule(SubmitField::kWebhookUrl));
  // Metadata addresses are refused on every node, whatever the operator's lists; a refusal is
  // still a bad field (422), not a conflict.
  spec.webhook_url = "http://169.254.169.254/latest";
  const std::string m = Message(spec, "jobs[2].");
  EXPECT_TRUE(m.starts_with("jobs[2].webhook_url")) << m;
  EXPECT_NE(m.find("169.254.169.254"), std::string::npos) << m;
}

TEST(SubmitValidatorTest, MessagesNameTheFieldWhereTheClientWroteIt) {
  JobSpec spec = Noop();
  spec.type = std::string(kMaxNameLength + 1, 't');
  spec.origin.type_field = "task";
  EXPECT_EQ(Message(spec).rfind("task must be 1 to " + N(kMaxNameLength) + " characters", 0), 0u);

  spec = JobSpec{.type = "document.pipeline",
                 .payload = json::parse(R"({"doc_id": "", "payload": 1})"),
                 .idempotency_key = ""};
  spec.origin.key = SpecOrigin::Key::kDocId;
  spec.origin.document_shape = true;
  EXPECT_EQ(Message(spec), "doc_id " + SubmitRule(SubmitField::kIdempotencyKey));

  spec = Noop();
  spec.idempotency_key = std::string(kMaxIdempotencyKeyLength + 1, 'k');
  spec.origin.key = SpecOrigin::Key::kHeader;
  EXPECT_EQ(Message(spec), "the Idempotency-Key header must be 1 to " +
                               N(kMaxIdempotencyKeyLength) + " characters");
}

TEST(SubmitValidatorTest, TheDocumentShapesWebhookUrlIsInThePayload) {
  JobSpec spec{
      .type = "document.pipeline",
      .payload = json::parse(R"({"doc_id": "d", "payload": 1, "webhook_url": "ftp://x"})")};
  spec.origin.document_shape = true;
  EXPECT_EQ(Message(spec, "jobs[0]."),
            "jobs[0].webhook_url " + SubmitRule(SubmitField::kWebhookUrl));
  spec.payload.as_object()["webhook_url"] = "https://example.com/hook";
  EXPECT_EQ(Message(spec), "");
}

TEST(SubmitValidatorTest, CountIsOneToTheBatchLimit) {
  EXPECT_TRUE(ValidateSubmitCount(1).ok());
  EXPECT_TRUE(ValidateSubmitCount(kMaxBatchJobs).ok());
  for (size_t n : {size_t{0}, kMaxBatchJobs + 1}) {
    Status s = ValidateSubmitCount(n);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), "jobs must hold 1 to " + N(kMaxBatchJobs) + " jobs");
  }
}

TEST(SubmitValidatorTest, PrefixNamesTheIndexOfEveryBatchItem) {
  std::vector<JobSpec> specs{Noop()};
  EXPECT_EQ(SubmitErrorPrefix(specs, 0), "");
  specs[0].origin.batch_item = true;  // a batch of one still names its item
  EXPECT_EQ(SubmitErrorPrefix(specs, 0), "jobs[0].");
  specs = {Noop(), Noop()};
  EXPECT_EQ(SubmitErrorPrefix(specs, 1), "jobs[1].");
}

}  // namespace
}  // namespace conveyor
