#include "api/events_resource.h"

#include <boost/asio/this_coro.hpp>
#include <charconv>
#include <string>
#include <vector>

#include "api/event_stream.h"
#include "api/request_context.h"
#include "api/query_params.h"
#include "runtime/auth/key_ring.h"

namespace conveyor::api {
namespace {

namespace asio = boost::asio;

std::optional<int64_t> ParseSeq(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

// Adds the comma-separated values of one parameter to `list`.
std::optional<ApiError> AddValues(std::string_view key, std::string_view value,
                                  std::vector<std::string>* list) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    const std::string_view one = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    if (one.empty()) continue;
    if (list->size() == kMaxEventFilterValues) {
      return ApiError{
          ErrorKind::kInvalidField,
          std::string(key) + " takes at most " + std::to_string(kMaxEventFilterValues) + " values"};
    }
    list->emplace_back(one);
  }
  return std::nullopt;
}

std::optional<ApiError> ApplyParam(std::string_view key, std::string_view value,
                                   SubscribeParams* out) {
  if (key == "job_id") return AddValues(key, value, &out->filter.job_ids);
  if (key == "type") return AddValues(key, value, &out->filter.types);
  if (key == "queue") return AddValues(key, value, &out->filter.queues);
  if (key == "since") {
    out->after_seq = ParseSeq(value);
    if (!out->after_seq) {
      return ApiError{ErrorKind::kInvalidField,
                      "since must be an event id (an integer of 0 or more), as sent in id:"};
    }
  }
  return std::nullopt;  // unknown parameters are ignored, as in the listings
}

asio::awaitable<void> Events(RequestContext& ctx) {
  if (ctx.events == nullptr) {
    co_return ctx.Fail({ErrorKind::kUnavailable, "this node does not serve live events"});
  }
  const auto header = ctx.request["Last-Event-ID"];
  SubscribeParams params;
  if (auto e = ParseEventsRequest(ctx.query, {header.data(), header.size()}, &params)) {
    co_return ctx.Fail(*e);
  }
  if (ctx.principal != nullptr) {
    params.owner = ctx.principal->key_id;
    if (!ctx.principal->tenant.empty()) params.filter.tenant = ctx.principal->tenant;
  }
  auto stream =
      EventStream::Open(*ctx.events, std::move(params), co_await asio::this_coro::executor);
  if (!stream.ok()) co_return ctx.Fail(ErrorFromStatus(stream.status()));
  ctx.response.content_type = kEventStreamType;
  ctx.response.streaming = std::move(*stream);
}

}  // namespace

std::optional<ApiError> ParseEventsRequest(std::string_view query, std::string_view last_event_id,
                                           SubscribeParams* out) {
  std::vector<QueryPair> pairs;
  if (auto e = ParseQueryPairs(query, &pairs)) return e;
  for (const auto& [key, value] : pairs) {
    if (auto e = ApplyParam(key, value, out)) return e;
  }
  // A reconnecting EventSource repeats the URL it first opened (with its ?since=) and adds the
  // header: the header is the newer position.
  if (!last_event_id.empty()) {
    out->after_seq = ParseSeq(last_event_id);
    if (!out->after_seq) {
      return ApiError{ErrorKind::kMalformed,
                      "Last-Event-ID must be an event id (an integer of 0 or more), as sent in "
                      "id:"};
    }
  }
  return std::nullopt;
}

void RegisterEventRoutes(Router& router) {
  router.Add(boost::beast::http::verb::get, "/events",
             {.async = &Events, .access = Access::kJobsRead});
}

}  // namespace conveyor::api
