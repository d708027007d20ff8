#include "runtime/submit_validator.h"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cmath>
#include <optional>

#include "core/ids.h"
#include "handlers/handler_registry.h"
#include "json/json_text.h"
#include "outbound/url_policy.h"
#include "runtime/batch_dependencies.h"
#include "runtime/type_catalog.h"

namespace conveyor {
namespace json = boost::json;

namespace {

// ---- messages ----

std::string Characters(size_t max) { return "1 to " + std::to_string(max) + " characters"; }

std::string IntegerRule(int lo, int hi) {
  return "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
}

std::string StringRule(size_t max_length) {
  return "must be a string of " + Characters(max_length);
}

// "jobs[3]." + "priority" + " " + "must be ..."
Status Invalid(std::string_view prefix, std::string_view field, std::string_view rule) {
  std::string message;
  message.reserve(prefix.size() + field.size() + rule.size() + 1);
  message.append(prefix).append(field).append(" ").append(rule);
  return Status::InvalidArgument(std::move(message));
}

std::string Indexed(std::string_view list, size_t i) {
  return std::string(list) + "[" + std::to_string(i) + "]";
}

// ---- the request's own fields ----

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

bool IsName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxNameLength &&
         std::all_of(name.begin(), name.end(), IsNameChar);
}

Status CheckNames(const JobSpec& spec, std::string_view prefix) {
  // An empty type is reported with the list of known types (CheckHandler).
  if (!spec.type.empty() && !IsName(spec.type)) {
    return Invalid(prefix, spec.origin.type_field,
                   "must be " + Characters(kMaxNameLength) + " of letters, digits and . _ : -");
  }
  if (!IsName(spec.queue)) return Invalid(prefix, "queue", SubmitRule(SubmitField::kQueue));
  return Status::Ok();
}

Status CheckRange(std::string_view field, int value, int lo, int hi, std::string_view prefix) {
  if (value >= lo && value <= hi) return Status::Ok();
  return Invalid(prefix, field,
                 "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + " (got " +
                     std::to_string(value) + ")");
}

Status CheckNumbers(const JobSpec& spec, std::string_view prefix) {
  if (Status s = CheckRange("priority", spec.priority, kMinPriority, kMaxPriority, prefix); !s.ok())
    return s;
  if (spec.max_attempts) {
    if (Status s = CheckRange("max_attempts", *spec.max_attempts, kMinMaxAttempts, kMaxMaxAttempts,
                              prefix);
        !s.ok())
      return s;
  }
  if (spec.timeout_s) {
    return CheckRange("timeout_s", *spec.timeout_s, kMinTimeoutS, kMaxTimeoutS, prefix);
  }
  return Status::Ok();
}

bool IsHttpUrl(std::string_view s) {
  if (s.size() > kMaxWebhookUrlLength) return false;
  auto url = boost::urls::parse_absolute_uri(s);
  if (!url || !url->has_authority() || url->host().empty()) return false;
  return url->scheme_id() == boost::urls::scheme::http ||
         url->scheme_id() == boost::urls::scheme::https;
}

// The webhook URL the client sent: the job's own, or the one the document shape keeps in the
// pipeline's payload.
std::optional<std::string_view> SentWebhookUrl(const JobSpec& spec) {
  if (spec.webhook_url) return *spec.webhook_url;
  const json::object* payload = spec.payload.if_object();
  if (!spec.origin.document_shape || payload == nullptr) return std::nullopt;
  const json::value* url = payload->if_contains("webhook_url");
  if (url == nullptr || !url->is_string()) return std::nullopt;
  return std::string_view(url->get_string());
}

Status CheckWebhookSyntax(const JobSpec& spec, std::string_view prefix) {
  const std::optional<std::string_view> url = SentWebhookUrl(spec);
  if (!url || IsHttpUrl(*url)) return Status::Ok();
  return Invalid(prefix, "webhook_url", SubmitRule(SubmitField::kWebhookUrl));
}

Status CheckTags(const JobSpec& spec, std::string_view prefix) {
  if (spec.tags.size() > kMaxTags) return Invalid(prefix, "tags", SubmitRule(SubmitField::kTags));
  for (size_t i = 0; i < spec.tags.size(); ++i) {
    if (spec.tags[i].empty() || spec.tags[i].size() > kMaxTagLength)
      return Invalid(prefix, Indexed("tags", i), SubmitRule(SubmitField::kTag));
  }
  return Status::Ok();
}

Status CheckDependencies(const JobSpec& spec, std::string_view prefix) {
  if (spec.depends_on.size() > kMaxDependencies)
    return Invalid(prefix, "depends_on", SubmitRule(SubmitField::kDependsOn));
  for (size_t i = 0; i < spec.depends_on.size(); ++i) {
    if (!IsValidUuid(spec.depends_on[i]) && !IsBatchReference(spec.depends_on[i]))
      return Invalid(prefix, Indexed("depends_on", i), SubmitRule(SubmitField::kDependency));
  }
  return Status::Ok();
}

bool LengthWithin(const std::string& s, size_t max_length) {
  return !s.empty() && s.size() <= max_length;
}

Status InvalidKey(const JobSpec& spec, std::string_view prefix) {
  switch (spec.origin.key) {
    case SpecOrigin::Key::kField:
      break;
    case SpecOrigin::Key::kDocId:
      return Invalid(prefix, "doc_id", SubmitRule(SubmitField::kIdempotencyKey));
    case SpecOrigin::Key::kHeader:  // a batch takes no header, so no "jobs[i]." either
      return Status::InvalidArgument("the Idempotency-Key header must be " +
                                     Characters(kMaxIdempotencyKeyLength));
  }
  return Invalid(prefix, "idempotency_key", SubmitRule(SubmitField::kIdempotencyKey));
}

Status CheckKeys(const JobSpec& spec, std::string_view prefix) {
  if (spec.idempotency_key && !LengthWithin(*spec.idempotency_key, kMaxIdempotencyKeyLength))
    return InvalidKey(spec, prefix);
  if (spec.correlation_id && !LengthWithin(*spec.correlation_id, kMaxCorrelationIdLength))
    return Invalid(prefix, "correlation_id", SubmitRule(SubmitField::kCorrelationId));
  return Status::Ok();
}

// Rules that need nothing but the spec.
Status CheckFields(const JobSpec& spec, std::string_view prefix) {
  if (Status s = CheckNames(spec, prefix); !s.ok()) return s;
  if (Status s = CheckNumbers(spec, prefix); !s.ok()) return s;
  if (Status s = CheckWebhookSyntax(spec, prefix); !s.ok()) return s;
  if (Status s = CheckTags(spec, prefix); !s.ok()) return s;
  if (Status s = CheckDependencies(spec, prefix); !s.ok()) return s;
  return CheckKeys(spec, prefix);
}

// ---- rules that need the registry, the clock or the URL policy ----

std::string KnownTypes(const HandlerRegistry& handlers) {
  std::string out;
  for (const std::string& t : handlers.Names()) out += (out.empty() ? "" : ", ") + t;
  return out;
}

Status CheckHandler(const JobSpec& spec, const TypeCatalog& types, std::string_view prefix) {
  const HandlerRegistry& handlers = types.handlers();
  if (spec.type.empty())
    return Invalid(prefix, "type", "is required; known types: " + KnownTypes(handlers));
  const Handler* h = handlers.Find(spec.type);
  // command.<name>: only the operator's --commands-file declares those.
  if (h == nullptr && spec.type.starts_with("command.")) {
    std::string message = "job type '" + spec.type +
                          "' is not a declared command; known types: " + KnownTypes(handlers);
    return Status::InvalidArgument(std::string(prefix) + (prefix.empty() ? "" : "type: ") +
                                   message);
  }
  // Any other type no handler serves must be declared or asked for by an external worker, so no
  // job waits forever for nobody (runtime/type_catalog.h).
  if (h == nullptr) return types.CheckServed(spec.type, spec.origin.type_field, prefix);
  // The handler's message names the payload field; its code may be FailedPrecondition (a refused
  // webhook address), but a bad payload is always a 422.
  if (Status s = h->ValidatePayload(spec.payload); !s.ok())
    return Status::InvalidArgument(std::string(prefix) + s.message());
  return Status::Ok();
}

// The number as a client would write it: -1, 2.5, 1e+30.
std::string NumberText(double d) {
  if (std::trunc(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
  return ToJsonText(json::value(d));
}

// NaN fails both comparisons, so it is refused too (JSON has none, a spec built in code may).
Status CheckDelay(const JobSpec& spec, std::string_view prefix) {
  if (!spec.delay_s) return Status::Ok();
  if (spec.run_at) {
    return Invalid(prefix, "delay",
                   "cannot be given with run_at or scheduled_at: delay counts seconds from now, "
                   "run_at names the time; give only one of them");
  }
  const double d = *spec.delay_s;
  if (d >= 0 && d <= static_cast<double>(kMaxDelayS)) return Status::Ok();
  return Invalid(prefix, "delay",
                 SubmitRule(SubmitField::kDelay) + " (got " + NumberText(d) + ")");
}

Status CheckTimes(const JobSpec& spec, TimeMs now, std::string_view prefix) {
  if (Status s = CheckDelay(spec, prefix); !s.ok()) return s;
  if (!spec.expires_at) return Status::Ok();
  if (*spec.expires_at <= now) return Invalid(prefix, "expires_at", "must be in the future");
  const std::optional<TimeMs> run_at = RequestedRunAt(spec, now);
  if (run_at && *spec.expires_at <= *run_at) {
    return Invalid(prefix, "expires_at",
                   spec.delay_s ? "must be later than now + delay" : "must be later than run_at");
  }
  return Status::Ok();
}

// The address rules every node applies whatever its configuration (cloud metadata and link-local
// literals); the operator's own lists are applied at delivery, where names are resolved and the
// connected address is checked.
Status CheckWebhookPolicy(const JobSpec& spec, std::string_view prefix) {
  if (!spec.webhook_url) return Status::Ok();
  Status s = CheckWebhookUrl(*spec.webhook_url, UrlPolicy{});
  if (s.ok()) return s;
  const bool names_field = s.message().starts_with("webhook_url");
  return Status::InvalidArgument(std::string(prefix) +
                                 (names_field ? "" : "webhook_url refused: ") + s.message());
}

}  // namespace

std::string SubmitRule(SubmitField field) {
  switch (field) {
    case SubmitField::kQueue:
      return "must be a string of 1 to " + std::to_string(kMaxNameLength) +
             " letters, digits, '_', '-', '.' or ':'";
    case SubmitField::kPriority:
      return IntegerRule(kMinPriority, kMaxPriority);
    case SubmitField::kMaxAttempts:
      return IntegerRule(kMinMaxAttempts, kMaxMaxAttempts);
    case SubmitField::kTimeoutS:
      return IntegerRule(kMinTimeoutS, kMaxTimeoutS);
    case SubmitField::kIdempotencyKey:
      return StringRule(kMaxIdempotencyKeyLength);
    case SubmitField::kCorrelationId:
      return StringRule(kMaxCorrelationIdLength);
    case SubmitField::kWebhookUrl:
      return "must be an absolute http:// or https:// URL";
    case SubmitField::kTags:
      return "must be an array of at most " + std::to_string(kMaxTags) + " strings";
    case SubmitField::kTag:
      return StringRule(kMaxTagLength);
    case SubmitField::kDependsOn:
      return "must be an array of at most " + std::to_string(kMaxDependencies) + " job ids";
    case SubmitField::kDependency:
      return "must be a job id (UUID), or \"$n\" for the n-th job (from $0) of the same batch";
    case SubmitField::kDelay:
      return "must be a number of seconds from 0 to " + std::to_string(kMaxDelayS) +
             " (a year): the job runs that long after the submit";
  }
  return "is not valid";  // unreachable: the switch names every field
}

Status ValidateSubmitCount(size_t count) {
  if (count >= 1 && count <= kMaxBatchJobs) return Status::Ok();
  return Status::InvalidArgument("jobs must hold 1 to " + std::to_string(kMaxBatchJobs) + " jobs");
}

std::string SubmitErrorPrefix(const std::vector<JobSpec>& specs, size_t index) {
  const bool batch = specs.size() > 1 || specs[index].origin.batch_item;
  return batch ? Indexed("jobs", index) + "." : "";
}

Status ValidateSubmitSpec(const JobSpec& spec, const TypeCatalog& types, TimeMs now,
                          std::string_view prefix) {
  if (Status s = CheckFields(spec, prefix); !s.ok()) return s;
  if (Status s = CheckHandler(spec, types, prefix); !s.ok()) return s;
  if (Status s = CheckTimes(spec, now, prefix); !s.ok()) return s;
  return CheckWebhookPolicy(spec, prefix);
}

}  // namespace conveyor
