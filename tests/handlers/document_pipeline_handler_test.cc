// document.pipeline: canonical JSON and hash vectors, payload validation, the steps, and how the
// deliver step classifies a real receiver's answers (a Python server started by the test).
#include "handlers/document_pipeline_handler.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <string>

#include "core/time_format.h"
#include "handlers/canonical_json.h"
#include "handlers/handler_registry.h"
#include "outbound/http_client.h"
#include "outbound/test_port_printer.h"
#include "test_context.h"
#include "webhooks/signature.h"

namespace conveyor {
namespace {

namespace json = boost::json;

std::string Canon(const std::string& text) { return CanonicalJsonText(json::parse(text)); }

TEST(CanonicalJson, SortsKeysAndDropsWhitespace) {
  EXPECT_EQ(Canon(R"({ "b": 1, "a": [true, false, null], "c": {"z": "", "y": {}} })"),
            R"({"a":[true,false,null],"b":1,"c":{"y":{},"z":""}})");
  EXPECT_EQ(Canon("[]"), "[]");
  EXPECT_EQ(Canon(R"("x")"), R"("x")");
}

TEST(CanonicalJson, SortsKeysByCodePoint) {
  // UTF-8 byte order: "B" < "a" < "é" (U+00E9) < "€" (U+20AC) < "😀" (U+1F600).
  EXPECT_EQ(Canon(R"({"😀":5,"€":4,"é":3,"a":2,"B":1})"), R"({"B":1,"a":2,"é":3,"€":4,"😀":5})");
}

TEST(CanonicalJson, EscapesLikePythonWithoutAsciiEscapes) {
  EXPECT_EQ(Canon(R"("q\" b\\ s/ \b\f\n\r\t \u0001\u001f \u007f é")"),
            "\"q\\\" b\\\\ s/ \\b\\f\\n\\r\\t \\u0001\\u001f \x7f \xc3\xa9\"");
}

TEST(CanonicalJson, NumbersLikePythonRepr) {
  EXPECT_EQ(Canon("[0, -7, 123, 9223372036854775807, 18446744073709551615]"),
            "[0,-7,123,9223372036854775807,18446744073709551615]");
  EXPECT_EQ(Canon("[1.0, -0.0, 0.0, 2.5, 123.456, 0.1, 1e2, 100.0]"),
            "[1.0,-0.0,0.0,2.5,123.456,0.1,100.0,100.0]");
  EXPECT_EQ(Canon("[0.0001, 0.00001, 1.5e-7, 1e15, 1e16, 1.2345678901234567e16, 1e100]"),
            "[0.0001,1e-05,1.5e-07,1000000000000000.0,1e+16,1.2345678901234568e+16,1e+100]");
  EXPECT_EQ(Canon("[1234567890123456.7, 3.141592653589793, 5e-324, 1.7976931348623157e308]"),
            "[1234567890123456.8,3.141592653589793,5e-324,1.7976931348623157e+308]");
}

TEST(CanonicalJson, Sha256HexVectors) {
  // FIPS 180-2 test vectors.
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // The seed's example payload; the same value from Python:
  // hashlib.sha256(json.dumps({"key": "value", "data": 123}, sort_keys=True,
  //                separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()
  EXPECT_EQ(Canon(R"({"key": "value", "data": 123})"), R"({"data":123,"key":"value"})");
  EXPECT_EQ(Sha256Hex(R"({"data":123,"key":"value"})"),
            "f5322462b16ba7b38f77501212447795376c3e98e700bb76f1f0e6ffc5aaffe5");
}

std::string ValidationError(const std::string& payload) {
  DocumentPipelineHandler h;
  Status s = h.ValidatePayload(json::parse(payload));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << payload;
  return s.message();
}

TEST(DocumentPipelineValidation, AcceptsTheSeedShape) {
  DocumentPipelineHandler h;
  EXPECT_TRUE(h.ValidatePayload(json::parse(R"({"doc_id": "d", "payload": {"key": "value"},
      "webhook_url": "http://localhost:8000/webhook-receiver"})"))
                  .ok());
  EXPECT_TRUE(h.ValidatePayload(json::parse(R"({"doc_id": "d", "payload": [1]})")).ok());
}

TEST(DocumentPipelineValidation, MessagesNameTheField) {
  EXPECT_EQ(ValidationError("[]"),
            R"(payload must be a JSON object such as {"doc_id": "doc-1", "payload": {}})");
  EXPECT_EQ(ValidationError(R"({"payload": {}})"),
            "doc_id is required: a string of 1 to 255 characters naming the document");
  EXPECT_EQ(ValidationError(R"({"doc_id": 7, "payload": {}})"),
            "doc_id must be a string of 1 to 255 characters");
  EXPECT_EQ(ValidationError(R"({"doc_id": "d"})"),
            "payload is required: the document to process, any JSON value but null");
  EXPECT_EQ(ValidationError(R"({"doc_id": "d", "payload": {}, "webhook_url": 3})"),
            "webhook_url must be an http or https URL (a string)");
  EXPECT_TRUE(ValidationError(R"({"doc_id": "d", "payload": {}, "webhook_url": "ftp://x/"})")
                  .starts_with("webhook_url"));
}

TEST(DocumentPipelineValidation, MetadataAddressIsRefused) {
  DocumentPipelineHandler h;
  Status s = h.ValidatePayload(
      json::parse(R"({"doc_id": "d", "payload": {}, "webhook_url": "http://169.254.169.254/x"})"));
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("169.254.169.254"), std::string::npos) << s.message();
}

TEST(DocumentPipelineValidation, IsABuiltinWithSixAttempts) {
  HandlerRegistry registry;
  RegisterBuiltinHandlers(registry);
  Handler* h = registry.Find("document.pipeline");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->DefaultMaxAttempts(), 6);
  EXPECT_EQ(DocumentPipelineHandler({.max_retries = 2}).DefaultMaxAttempts(), 3);
}

TEST(DocumentPipelineRun, WithoutUrlTransformsAndReachesDeliver) {
  ManualClock clock(1'700'000'000'123);
  DocumentPipelineHandler h({.clock = &clock});
  TestContext ctx(R"({"doc_id": "d1", "payload": {"key": "value", "data": 123}})");
  Result<std::string> r = h.Run(ctx);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(ctx.last_step, "deliver");
  const json::value result = json::parse(*r);
  EXPECT_EQ(result.at("original_data"), json::parse(R"({"key": "value", "data": 123})"));
  EXPECT_EQ(result.at("processed_at").as_string(), FormatRfc3339(1'700'000'000'123));
  EXPECT_EQ(result.at("data_hash").as_string(), Sha256Hex(R"({"data":123,"key":"value"})"));
}

// A receiver that records what it got: POST /flaky/<n>/<code> answers <code> to its first n
// requests and 200 after; POST /status/<code> always answers <code>; GET /log lists the requests.
constexpr const char* kReceiverScript = R"PY(
import http.server, json, socketserver, threading, time
log, counts, lock = [], {}, threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def reply(self, code, body=b"{}"):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        with lock: self.reply(200, json.dumps(log).encode())
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        parts = self.path.split("/")
        with lock:
            counts[self.path] = counts.get(self.path, 0) + 1
            n = counts[self.path]
            log.append({"path": self.path, "body": body, "headers": {k.lower(): v for k, v in self.headers.items()}})
        if parts[1] == "sleep": time.sleep(float(parts[2])); return self.reply(200)
        if parts[1] == "flaky": return self.reply(int(parts[3]) if n <= int(parts[2]) else 200)
        self.reply(int(parts[2]))
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    def handle_error(self, *a): pass  # a client that timed out (the /sleep test) closed early
s = S(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
)PY";

class DocumentPipelineDeliveryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char path[] = "/tmp/conveyor_pipeline_receiver_XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    script_ = new std::string(path);
    const std::string text = kReceiverScript;
    ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    close(fd);
    pid_ = SpawnPortPrinter({"python3", *script_}, "the receiver printed no port", &port_);
  }
  static void TearDownTestSuite() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    unlink(script_->c_str());
    delete script_;
  }

  static std::string Url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  static std::string Payload(const std::string& doc_id, const std::string& path) {
    return R"({"doc_id": ")" + doc_id + R"(", "payload": {"n": 1}, "webhook_url": ")" + Url(path) +
           R"("})";
  }
  // Requests the receiver got on `path`, oldest first.
  static json::array Received(const std::string& path) {
    HttpRequestSpec spec{.url = Url("/log")};
    Result<HttpResponseData> r = PerformHttpRequest(spec, UrlPolicy{}, [] { return false; });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    json::array out;
    if (!r.ok()) return out;
    const json::value log = json::parse(r->body);
    for (const json::value& v : log.as_array()) {
      if (v.at("path").as_string() == path) out.push_back(v);
    }
    return out;
  }
  Status RunOnce(const std::string& payload, int attempt = 1,
                 DocumentPipelineOptions options = {}) {
    DocumentPipelineHandler h(std::move(options));
    TestContext ctx(payload, attempt);
    Result<std::string> r = h.Run(ctx);
    last_step_ = ctx.last_step;
    return r.status();
  }

  std::string last_step_;
  static inline std::string* script_ = nullptr;
  static inline pid_t pid_ = -1;
  static inline int port_ = 0;
};

TEST_F(DocumentPipelineDeliveryTest, DeliversTheResultWithAStableIdempotencyKey) {
  const std::string path = "/flaky/2/503";
  EXPECT_EQ(RunOnce(Payload("doc-a", path), 1).code(), StatusCode::kUnavailable);
  EXPECT_EQ(RunOnce(Payload("doc-a", path), 2).code(), StatusCode::kUnavailable);
  EXPECT_EQ(last_step_, "deliver") << "a failed delivery leaves the job at the deliver step";
  EXPECT_TRUE(RunOnce(Payload("doc-a", path), 3).ok());
  json::array got = Received(path);
  ASSERT_EQ(got.size(), 3u);
  for (const json::value& req : got) {
    const json::object& h = req.at("headers").as_object();
    EXPECT_EQ(h.at("idempotency-key").as_string(), "0190b6c2-8f4e-7a3b-9c1d-2e3f4a5b6c7d");
    EXPECT_EQ(h.at("webhook-id").as_string(), "0190b6c2-8f4e-7a3b-9c1d-2e3f4a5b6c7d");
    EXPECT_EQ(h.at("content-type").as_string(), "application/json");
    EXPECT_FALSE(h.contains("webhook-signature")) << "no secret, no signature";
  }
  const json::value body = json::parse(got.back().at("body").as_string());
  EXPECT_EQ(body.at("event").as_string(), "document.processed");
  EXPECT_EQ(body.at("doc_id").as_string(), "doc-a");
  EXPECT_EQ(body.at("result").at("original_data"), json::parse(R"({"n": 1})"));
  EXPECT_EQ(body.at("result").at("data_hash").as_string(), Sha256Hex(R"({"n":1})"));
}

TEST_F(DocumentPipelineDeliveryTest, SignsWhenASecretIsSet) {
  const std::string path = "/flaky/0/200";
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  ASSERT_TRUE(RunOnce(Payload("doc-s", path), 1, {.webhook_secret = secret}).ok());
  json::array got = Received(path);
  ASSERT_EQ(got.size(), 1u);
  const json::object& h = got[0].at("headers").as_object();
  WebhookSignatureHeaders sig{.id = std::string(h.at("webhook-id").as_string()),
                              .timestamp = std::string(h.at("webhook-timestamp").as_string()),
                              .signature = std::string(h.at("webhook-signature").as_string())};
  const std::string body(got[0].at("body").as_string());
  const int64_t now_s = SystemClock::Default()->NowMs() / 1000;
  EXPECT_TRUE(VerifyWebhook(secret, sig, body, now_s));
  EXPECT_FALSE(VerifyWebhook("whsec_b3RoZXI=", sig, body, now_s)) << "another secret must fail";
}

TEST_F(DocumentPipelineDeliveryTest, RetryableAnswersAreRetryable) {
  for (const char* code : {"500", "502", "408", "429"}) {
    Status s = RunOnce(Payload("doc-r", std::string("/status/") + code));
    EXPECT_EQ(s.code(), StatusCode::kUnavailable) << code << ": " << s.ToString();
    EXPECT_NE(s.message().find(code), std::string::npos) << s.message();
  }
}

TEST_F(DocumentPipelineDeliveryTest, OtherClientErrorsAndRedirectsArePermanent) {
  for (const char* code : {"400", "401", "404", "410", "422", "301"}) {
    Status s = RunOnce(Payload("doc-p", std::string("/status/") + code));
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << code << ": " << s.ToString();
  }
}

TEST_F(DocumentPipelineDeliveryTest, TimeoutsAndRefusedConnectionsAreRetryable) {
  Status slow = RunOnce(Payload("doc-t", "/sleep/2"), 1, {.delivery_timeout_ms = 200});
  EXPECT_EQ(slow.code(), StatusCode::kUnavailable) << slow.ToString();
  // Port 1 on loopback: nothing listens there, the connection is refused.
  const std::string closed =
      R"({"doc_id": "doc-c", "payload": 1, "webhook_url": "http://127.0.0.1:1/hook"})";
  EXPECT_EQ(RunOnce(closed).code(), StatusCode::kUnavailable);
}

TEST_F(DocumentPipelineDeliveryTest, PolicyRefusalIsPermanent) {
  DocumentPipelineOptions strict{.policy = UrlPolicy{.allow_private = false}};
  // An IP literal is refused while validating; a name at connect time, in the deliver step.
  Status literal = RunOnce(Payload("doc-x", "/status/200"), 1, strict);
  EXPECT_EQ(literal.code(), StatusCode::kFailedPrecondition) << literal.ToString();
  EXPECT_EQ(last_step_, "validate");
  const std::string by_name = "http://localhost:" + std::to_string(port_) + "/status/201";
  Status named = RunOnce(
      R"({"doc_id": "doc-y", "payload": 1, "webhook_url": ")" + by_name + R"("})", 1, strict);
  EXPECT_EQ(named.code(), StatusCode::kFailedPrecondition) << named.ToString();
  EXPECT_EQ(last_step_, "deliver");
  EXPECT_TRUE(Received("/status/200").empty()) << "a refused address must not be contacted";
  EXPECT_TRUE(Received("/status/201").empty()) << "a refused address must not be contacted";
}

}  // namespace
}  // namespace conveyor
