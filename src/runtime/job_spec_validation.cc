#include "runtime/job_spec_validation.h"

#include <algorithm>
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "core/ids.h"
#include "handlers/handler_registry.h"
#include "outbound/url_policy.h"

namespace conveyor {
namespace json = boost::json;

namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == ':' || c == '-';
}

Status CheckName(std::string_view field, const std::string& name, std::string_view prefix) {
  const bool ok = !name.empty() && name.size() <= kMaxNameLength &&
                  std::all_of(name.begin(), name.end(), IsNameChar);
  if (ok) return Status::Ok();
  return Status::InvalidArgument(std::string(prefix) + std::string(field) +
                                 " must be 1 to 128 characters of letters, digits and . _ : -");
}

Status CheckRange(std::string_view field, int value, int lo, int hi, std::string_view prefix) {
  if (value >= lo && value <= hi) return Status::Ok();
  return Status::InvalidArgument(std::string(prefix) + std::string(field) + " must be between " +
                                 std::to_string(lo) + " and " + std::to_string(hi) + " (got " +
                                 std::to_string(value) + ")");
}

Status Invalid(std::string_view prefix, std::string message) {
  return Status::InvalidArgument(std::string(prefix) + message);
}

std::string KnownTypes(const HandlerRegistry& handlers) {
  std::string out;
  for (const std::string& t : handlers.Types()) out += (out.empty() ? "" : ", ") + t;
  return out;
}

Status CheckType(const JobSpec& spec, const HandlerRegistry& handlers, std::string_view prefix) {
  if (spec.type.empty())
    return Invalid(prefix, "type is required; known types: " + KnownTypes(handlers));
  const Handler* h = handlers.Find(spec.type);
  // A type no built-in handler serves waits for an external worker (POST /leases names it),
  // except command.<name>: only the operator's --commands-file declares those.
  if (h == nullptr && spec.type.rfind("command.", 0) == 0) {
    std::string msg = "job type '" + spec.type + "' is not a declared command; known types: " +
                      KnownTypes(handlers);
    return Invalid(prefix, prefix.empty() ? msg : "type: " + msg);
  }
  if (h == nullptr) return Status::Ok();
  if (Status s = h->ValidatePayload(spec.payload); !s.ok())
    return Status::InvalidArgument(std::string(prefix) + s.message());
  return Status::Ok();
}

Status CheckNumbers(const JobSpec& spec, std::string_view prefix) {
  if (Status s = CheckRange("priority", spec.priority, kMinPriority, kMaxPriority, prefix); !s.ok())
    return s;
  if (spec.max_attempts) {
    if (Status s = CheckRange("max_attempts", *spec.max_attempts, 1, kMaxMaxAttempts, prefix);
        !s.ok())
      return s;
  }
  if (spec.timeout_s) {
    if (Status s = CheckRange("timeout_s", *spec.timeout_s, 1, kMaxTimeoutS, prefix); !s.ok())
      return s;
  }
  return Status::Ok();
}

Status CheckTimes(const JobSpec& spec, TimeMs now, std::string_view prefix) {
  if (!spec.expires_at) return Status::Ok();
  if (*spec.expires_at <= now) return Invalid(prefix, "expires_at must be in the future");
  if (spec.run_at && *spec.expires_at <= *spec.run_at)
    return Invalid(prefix, "expires_at must be later than run_at");
  return Status::Ok();
}

// Syntax, scheme, and the address rules every node applies whatever its configuration (cloud
// metadata and link-local literals); the operator's own lists are applied at delivery, where
// names are resolved and the connected address is checked.
Status CheckWebhookUrlAtSubmit(const std::string& url, std::string_view prefix) {
  Status s = CheckWebhookUrl(url, UrlPolicy{});
  if (s.ok()) return s;
  const bool names_field = s.message().starts_with("webhook_url");
  return Invalid(prefix, names_field ? s.message() : "webhook_url refused: " + s.message());
}

Status CheckStrings(const JobSpec& spec, std::string_view prefix) {
  if (spec.idempotency_key &&
      (spec.idempotency_key->empty() || spec.idempotency_key->size() > kMaxIdempotencyKeyLength))
    return Invalid(prefix, "idempotency_key must be 1 to 255 characters");
  if (spec.correlation_id && spec.correlation_id->size() > kMaxCorrelationIdLength)
    return Invalid(prefix, "correlation_id must be at most 255 characters");
  if (spec.webhook_url) return CheckWebhookUrlAtSubmit(*spec.webhook_url, prefix);
  return Status::Ok();
}

Status CheckLists(const JobSpec& spec, std::string_view prefix) {
  if (spec.tags.size() > kMaxTags) return Invalid(prefix, "tags may hold at most 32 tags");
  for (size_t i = 0; i < spec.tags.size(); ++i) {
    if (spec.tags[i].empty() || spec.tags[i].size() > kMaxTagLength)
      return Invalid(prefix, "tags[" + std::to_string(i) + "] must be 1 to 128 characters");
  }
  if (spec.depends_on.size() > kMaxDependencies)
    return Invalid(prefix, "depends_on may name at most 100 jobs");
  for (size_t i = 0; i < spec.depends_on.size(); ++i) {
    if (!IsValidUuid(spec.depends_on[i]))
      return Invalid(prefix, "depends_on[" + std::to_string(i) + "] must be a job id (a UUID)");
  }
  return Status::Ok();
}

void WriteCanonical(const json::value& v, std::string& out) {
  if (const json::object* obj = v.if_object()) {
    std::vector<const json::key_value_pair*> items;
    items.reserve(obj->size());
    for (const auto& kv : *obj) items.push_back(&kv);
    std::sort(items.begin(), items.end(),
              [](auto* a, auto* b) { return a->key() < b->key(); });
    out += '{';
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out += ',';
      out += json::serialize(json::string_view(items[i]->key()));
      out += ':';
      WriteCanonical(items[i]->value(), out);
    }
    out += '}';
  } else if (const json::array* arr = v.if_array()) {
    out += '[';
    for (size_t i = 0; i < arr->size(); ++i) {
      if (i) out += ',';
      WriteCanonical((*arr)[i], out);
    }
    out += ']';
  } else {
    out += json::serialize(v);
  }
}

json::value OptionalTime(const std::optional<TimeMs>& t) {
  return t ? json::value(*t) : json::value(nullptr);
}

}  // namespace

Status ValidateJobSpec(const JobSpec& spec, const HandlerRegistry& handlers, TimeMs now,
                       std::string_view prefix) {
  if (Status s = CheckName("type", spec.type, prefix); !s.ok() && !spec.type.empty()) return s;
  if (Status s = CheckType(spec, handlers, prefix); !s.ok()) return s;
  if (Status s = CheckName("queue", spec.queue, prefix); !s.ok()) return s;
  if (Status s = CheckNumbers(spec, prefix); !s.ok()) return s;
  if (Status s = CheckTimes(spec, now, prefix); !s.ok()) return s;
  if (Status s = CheckStrings(spec, prefix); !s.ok()) return s;
  return CheckLists(spec, prefix);
}

std::string CanonicalJson(const json::value& v) {
  std::string out;
  WriteCanonical(v, out);
  return out;
}

std::string CanonicalRequest(const JobSpec& spec, const Job& job) {
  json::array tags(spec.tags.begin(), spec.tags.end());
  json::array deps(spec.depends_on.begin(), spec.depends_on.end());
  // run_at as the client gave it: a defaulted "now" would differ on every replay.
  json::object o{{"type", job.type},
                 {"queue", job.queue},
                 {"payload", spec.payload},
                 {"priority", job.priority},
                 {"max_attempts", job.max_attempts},
                 {"run_at", OptionalTime(spec.run_at)},
                 {"expires_at", OptionalTime(spec.expires_at)},
                 {"timeout_s", job.timeout_s},
                 {"webhook_url", spec.webhook_url ? json::value(*spec.webhook_url) : nullptr},
                 {"tags", std::move(tags)},
                 {"depends_on", std::move(deps)}};
  return CanonicalJson(o);
}

}  // namespace conveyor
