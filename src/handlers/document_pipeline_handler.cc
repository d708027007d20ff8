#include "handlers/document_pipeline_handler.h"

#include <boost/json.hpp>
#include <string>

#include "core/time_format.h"
#include "handlers/canonical_json.h"
#include "json/json_text.h"
#include "outbound/http_client.h"
#include "outbound/http_status.h"
#include "webhooks/signature.h"

namespace conveyor {
namespace json = boost::json;

namespace {

constexpr size_t kMaxDocIdLength = 255;
constexpr size_t kMaxResponseBytes = 4096;  // the receiver's answer is only looked at for its code

Status Invalid(std::string message) { return Status::InvalidArgument(std::move(message)); }

Status ValidateDocId(const json::object& obj) {
  const json::value* id = obj.if_contains("doc_id");
  if (id == nullptr || id->is_null()) {
    return Invalid("doc_id is required: a string of 1 to 255 characters naming the document");
  }
  if (!id->is_string() || id->get_string().empty() || id->get_string().size() > kMaxDocIdLength) {
    return Invalid("doc_id must be a string of 1 to 255 characters");
  }
  return Status::Ok();
}

Status ValidateUrl(const json::object& obj, const UrlPolicy& policy) {
  const json::value* url = obj.if_contains("webhook_url");
  if (url == nullptr || url->is_null()) return Status::Ok();
  if (!url->is_string()) return Invalid("webhook_url must be an http or https URL (a string)");
  // The policy's messages already name webhook_url.
  return CheckWebhookUrl(std::string_view(url->get_string()), policy);
}

std::string_view DocId(const json::object& obj) { return obj.at("doc_id").get_string(); }

}  // namespace

Status DocumentPipelineHandler::ValidatePayload(const json::value& payload) const {
  if (!payload.is_object()) {
    return Invalid(R"(payload must be a JSON object such as {"doc_id": "doc-1", "payload": {}})");
  }
  const json::object& obj = payload.get_object();
  if (Status s = ValidateDocId(obj); !s.ok()) return s;
  const json::value* data = obj.if_contains("payload");
  if (data == nullptr || data->is_null()) {
    return Invalid("payload is required: the document to process, any JSON value but null");
  }
  return ValidateUrl(obj, options_.policy);
}

// webhook_url's address policy is the node's, checked at submit.
std::string_view DocumentPipelineHandler::PayloadSchema() const {
  return R"({"type":"object","required":["doc_id","payload"],"properties":{)"
         R"("doc_id":{"type":"string","minLength":1,"maxLength":255,"examples":["doc-1"]},)"
         R"("payload":{"not":{"type":"null"},"description":"the document: any JSON value but null"},)"
         R"("webhook_url":{"type":["string","null"],"pattern":"^[Hh][Tt][Tt][Pp][Ss]?://"}}})";
}

TimeMs DocumentPipelineHandler::NowMs() const {
  return (options_.clock ? options_.clock : SystemClock::Default())->NowMs();
}

Result<std::string> DocumentPipelineHandler::Run(JobContext& ctx) {
  ctx.SetStep("validate");
  json::error_code ec;
  json::value payload = json::parse(ctx.job().payload, ec);
  if (ec) return Invalid("payload is not valid JSON: " + ec.message());
  if (Status s = ValidatePayload(payload); !s.ok()) return s;
  const json::object& input = payload.get_object();
  if (ctx.Cancelled()) return Status::Cancelled("cancelled after validate");

  ctx.SetStep("transform");
  const json::value& data = input.at("payload");
  json::object result{{"original_data", data},
                      {"processed_at", FormatRfc3339(NowMs())},
                      {"data_hash", Sha256Hex(CanonicalJsonText(data))}};
  if (ctx.Cancelled()) return Status::Cancelled("cancelled after transform");

  ctx.SetStep("deliver");
  const json::value* url = input.if_contains("webhook_url");
  if (url != nullptr && url->is_string()) {
    const json::object body{{"event", "document.processed"},
                            {"job_id", ctx.job().id},
                            {"doc_id", DocId(input)},
                            {"result", result}};
    if (Status s = Deliver(ctx, std::string(url->get_string()), ToJsonText(body)); !s.ok())
      return s;
  }
  return ToJsonText(result);
}

Status DocumentPipelineHandler::Deliver(JobContext& ctx, const std::string& url,
                                        const std::string& body) const {
  const std::string& key = ctx.job().id;  // the same for every attempt of this job
  HttpRequestSpec spec{.method = "POST",
                       .url = url,
                       .headers = {{"Content-Type", "application/json"},
                                   {"Idempotency-Key", key},
                                   {"webhook-id", key}},
                       .body = body,
                       .timeout_ms = options_.delivery_timeout_ms,
                       .max_response_bytes = kMaxResponseBytes};
  if (!options_.webhook_secret.empty()) {
    const WebhookSignatureHeaders sig =
        SignWebhook(options_.webhook_secret, key, NowMs() / 1000, body);
    spec.headers.emplace_back("webhook-timestamp", sig.timestamp);
    spec.headers.emplace_back("webhook-signature", sig.signature);
  }
  Result<HttpResponseData> r =
      PerformHttpRequest(spec, options_.policy, [&ctx] { return ctx.Cancelled(); });
  if (!r.ok()) {
    const Status& s = r.status();
    if (s.code() == StatusCode::kDeadlineExceeded || s.code() == StatusCode::kUnavailable) {
      return Status::Unavailable("deliver: " + s.message());  // retried with backoff
    }
    return s;  // InvalidArgument / FailedPrecondition: permanent; Cancelled: honoured
  }
  const std::string answered = "deliver: " + url + " answered " + std::to_string(r->status);
  if (r->status >= 200 && r->status < 300) return Status::Ok();
  if (IsRetryableHttpStatus(r->status)) return Status::Unavailable(answered + "; will retry");
  if (r->status >= 300 && r->status < 400) {
    return Status::FailedPrecondition(answered +
                                      "; redirects are not followed, give the final URL");
  }
  return Status::FailedPrecondition(answered + "; a 4xx other than 408/429 is not retried");
}

}  // namespace conveyor
