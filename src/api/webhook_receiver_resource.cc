#include "api/webhook_receiver_resource.h"

#include <boost/beast/http/verb.hpp>
#include <charconv>
#include <string_view>

#include "api/json_writer.h"
#include "api/request_context.h"
#include "webhooks/signature.h"

namespace conveyor::api {
namespace {

namespace http = boost::beast::http;

constexpr size_t kDefaultLimit = 100;
constexpr size_t kMaxLimit = 1000;
constexpr std::string_view kHeadersOfInterest[] = {
    "content-type",      "user-agent",        "idempotency-key", "webhook-id",
    "webhook-timestamp", "webhook-signature", "x-correlation-id"};

std::string_view Header(const RequestContext& ctx, std::string_view name) {
  auto it = ctx.request.find(boost::beast::string_view(name.data(), name.size()));
  if (it == ctx.request.end()) return {};
  return {it->value().data(), it->value().size()};
}

// OK, or the 401 to answer.
std::optional<ApiError> CheckSignature(const RequestContext& ctx, const std::string& secret) {
  WebhookSignatureHeaders h{.id = std::string(Header(ctx, "webhook-id")),
                            .timestamp = std::string(Header(ctx, "webhook-timestamp")),
                            .signature = std::string(Header(ctx, "webhook-signature"))};
  if (h.id.empty() || h.timestamp.empty() || h.signature.empty()) {
    return ApiError{ErrorKind::kUnauthorized,
                    "this receiver checks Standard Webhooks signatures: send the webhook-id, "
                    "webhook-timestamp and webhook-signature headers, signed with WEBHOOK_SECRET"};
  }
  const int64_t now_s = SystemClock::Default()->NowMs() / 1000;
  if (VerifyWebhook(secret, h, ctx.request.body(), now_s)) return std::nullopt;
  return ApiError{ErrorKind::kUnauthorized,
                  "webhook-signature does not match the body signed with WEBHOOK_SECRET, or "
                  "webhook-timestamp is more than 5 minutes away from now"};
}

// What a receipt costs in memory, roughly: its strings plus a fixed overhead.
size_t SizeOf(const WebhookReceipt& r) {
  size_t n = sizeof r + r.body.size() + (r.idempotency_key ? r.idempotency_key->size() : 0);
  for (const auto& [name, value] : r.headers) n += name.size() + value.size() + 64;
  return n;
}

WebhookReceipt MakeReceipt(const RequestContext& ctx, bool verified) {
  WebhookReceipt r{.received_at = SystemClock::Default()->NowMs(),
                   .signature_verified = verified,
                   .body = ctx.request.body().empty() ? "null" : ctx.request.body()};
  std::string_view key = Header(ctx, "idempotency-key");
  if (key.empty()) key = Header(ctx, "webhook-id");
  if (!key.empty()) r.idempotency_key = std::string(key);
  for (std::string_view name : kHeadersOfInterest) {
    std::string_view value = Header(ctx, name);
    if (!value.empty()) r.headers.emplace_back(std::string(name), std::string(value));
  }
  return r;
}

std::optional<size_t> ParseLimit(std::string_view query) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (!pair.starts_with("limit=")) continue;
    const std::string_view text = pair.substr(6);
    size_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n < 1 || n > kMaxLimit) {
      return std::nullopt;
    }
    return n;
  }
  return kDefaultLimit;
}

void WriteReceipt(JsonWriter& w, const WebhookReceipt& r) {
  w.BeginObject().Key("seq").Int(r.seq).Key("received_at").Time(r.received_at);
  w.Key("idempotency_key").OptString(r.idempotency_key);
  w.Key("signature_verified").Bool(r.signature_verified).Key("headers").BeginObject();
  for (const auto& [name, value] : r.headers) w.Key(name).String(value);
  w.EndObject().Key("body").Raw(r.body).EndObject();
}

void ReceiveRoute(RequestContext& ctx) { ctx.webhook_receiver->Receive(ctx); }
void ListRoute(RequestContext& ctx) { ctx.webhook_receiver->List(ctx); }

}  // namespace

bool WebhookReceipts::Add(WebhookReceipt r) {
  std::lock_guard<std::mutex> lock(mu_);
  if (r.idempotency_key && !keys_.insert(*r.idempotency_key).second) return false;
  r.seq = next_seq_++;
  bytes_ += SizeOf(r);
  receipts_.push_back(std::move(r));
  // The newest receipt always stays, even alone over the byte budget (bodies are bounded by
  // the server's body limit).
  while (receipts_.size() > 1 && (receipts_.size() > capacity_ || bytes_ > max_bytes_)) {
    DropOldest();
  }
  return true;
}

void WebhookReceipts::DropOldest() {
  const WebhookReceipt& oldest = receipts_.front();
  if (oldest.idempotency_key) keys_.erase(*oldest.idempotency_key);
  bytes_ -= SizeOf(oldest);
  receipts_.pop_front();
}

std::vector<WebhookReceipt> WebhookReceipts::Newest(size_t limit, size_t max_bytes) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<WebhookReceipt> out;
  size_t bytes = 0;
  for (auto it = receipts_.rbegin(); it != receipts_.rend() && out.size() < limit; ++it) {
    bytes += SizeOf(*it);
    if (!out.empty() && bytes > max_bytes) break;
    out.push_back(*it);
  }
  return out;
}

size_t WebhookReceipts::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

size_t WebhookReceipts::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return receipts_.size();
}

void WebhookReceipts::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  receipts_.clear();
  keys_.clear();
  bytes_ = 0;
}

void WebhookReceiver::Receive(RequestContext& ctx) {
  // A bare POST (the seed's own example sends no body) is recorded with a null body.
  if (!ctx.request.body().empty() && !IsValidJson(ctx.request.body())) {
    return ctx.Fail({ErrorKind::kMalformed,
                     "the body must be one JSON value, such as the job notification a webhook "
                     "sends"});
  }
  if (!secret_.empty()) {
    if (auto e = CheckSignature(ctx, secret_)) return ctx.Fail(*e);
  }
  WebhookReceipt receipt = MakeReceipt(ctx, !secret_.empty());
  const std::optional<std::string> key = receipt.idempotency_key;
  const bool is_new = receipts_.Add(std::move(receipt));
  JsonWriter w(&ctx.response.body);
  w.BeginObject().Key("received").Bool(true).Key("duplicate").Bool(!is_new);
  w.Key("idempotency_key").OptString(key).EndObject();
}

void WebhookReceiver::List(RequestContext& ctx) const {
  const std::optional<size_t> limit = ParseLimit(ctx.query);
  if (!limit)
    return ctx.Fail({ErrorKind::kInvalidField, "limit must be an integer from 1 to 1000"});
  const std::vector<WebhookReceipt> newest = receipts_.Newest(*limit);
  JsonWriter w(&ctx.response.body);
  w.BeginObject().Key("receipts").BeginArray();
  for (const WebhookReceipt& r : newest) WriteReceipt(w, r);
  w.EndArray().Key("total").Int(static_cast<int64_t>(receipts_.size()));
  w.Key("limit").Int(static_cast<int64_t>(*limit)).EndObject();
}

void RegisterWebhookReceiverRoutes(Router& router) {
  router.Add(http::verb::post, "/webhook-receiver", {.sync = &ReceiveRoute, .access = Access::kWebhookReceiver});
  router.Add(http::verb::get, "/webhook-receiver", {.sync = &ListRoute, .access = Access::kAdmin});
}

}  // namespace conveyor::api
