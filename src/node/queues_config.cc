#include "node/queues_config.h"

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "api/queue_request.h"

namespace conveyor {
namespace {

namespace json = boost::json;
constexpr size_t kMaxConfigBytes = 1 << 20;

Status Bad(const std::string& path, const std::string& why) {
  return Status::InvalidArgument("bad --queues-config " + path + ": " + why);
}

Status ApplyQueues(const std::string& path, const json::object& queues, Store& store, TimeMs now) {
  for (const auto& [name, settings] : queues) {
    QueuePatchParams p;
    if (auto e = api::ParseQueuePatch(std::string(name), json::serialize(settings), &p)) {
      return Bad(path, "queue '" + std::string(name) + "': " + e->detail);
    }
    p.now = now;
    if (auto r = store.QueuePatch(p); !r.ok()) return r.status();
  }
  return Status::Ok();
}

Status ApplyRates(const std::string& path, const json::object& rates, Store& store) {
  for (const auto& [type, rate] : rates) {
    RateLimitSetParams p{.kind = RateLimitKind::kType};
    const std::string body = json::serialize(json::object{{"rate", rate}});
    if (auto e = api::ParseTypeRate(std::string(type), std::string_view(body), &p)) {
      return Bad(path, "rate limit of '" + std::string(type) + "': " + e->detail);
    }
    if (Status s = store.RateLimitSet(p); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

Status ApplyQueuesConfig(const std::string& path, Store& store, TimeMs now) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Bad(path, "cannot read it");
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > kMaxConfigBytes) return Bad(path, "larger than 1 MiB");
  json::error_code ec;
  json::value v = json::parse(text.str(), ec);
  if (ec || !v.is_object()) return Bad(path, "not a JSON object");
  for (const auto& [key, value] : v.as_object()) {
    if (key != "queues" && key != "rate_limits") {
      return Bad(path, "unknown key '" + std::string(key) + "'; the keys are queues and rate_limits");
    }
    if (!value.is_object()) return Bad(path, std::string(key) + " must be an object");
  }
  if (const json::value* q = v.as_object().if_contains("queues")) {
    if (Status s = ApplyQueues(path, q->as_object(), store, now); !s.ok()) return s;
  }
  if (const json::value* r = v.as_object().if_contains("rate_limits")) {
    if (Status s = ApplyRates(path, r->as_object(), store); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace conveyor
