#include "webhooks/event.h"

#include <boost/json.hpp>

#include "core/dialect.h"
#include "core/time_format.h"
#include "json/json_text.h"

namespace conveyor {
namespace {

namespace json = boost::json;

json::value OptTime(const std::optional<TimeMs>& t) {
  return t ? json::value(FormatRfc3339(*t)) : json::value(nullptr);
}

json::value OptString(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

// Stored JSON text spliced in as a value; text that does not parse travels as a string.
json::value OptJson(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  return ec ? json::value(*text) : v;
}

// The state the event reports ("job.failed": FAILED), in the words of the job's dialect.
std::string StatusOfEvent(const std::string& event, Dialect dialect) {
  const auto state = ParseJobState(std::string_view(event).substr(event.find('.') + 1));
  return std::string(state ? StatusName(dialect, *state) : "UNKNOWN");
}

json::object JobData(const WebhookDelivery& d, const Job& job) {
  json::object data{
      {"id", job.id},
      {"job_id", job.id},
      {"type", job.type},
      {"queue", job.queue},
      {"status", StatusOfEvent(d.event, job.dialect)},
      {"attempt", job.attempt},
      {"result", OptJson(job.result)},
      {"error", OptString(job.error)},
      {"correlation_id", OptString(job.correlation_id)},
      {"created_at", FormatRfc3339(job.created_at)},
      {"started_at", OptTime(job.started_at)},
      {"finished_at", OptTime(job.finished_at)},
  };
  // The names the job's clients read, as on its other answers (api/job_json.cc).
  const DialectRules& rules = RulesOf(job.dialect);
  if (!rules.type_alias.empty()) data[rules.type_alias] = job.type;
  if (rules.attempt_aliases) {
    data["attempts"] = job.attempt;
    data["error_message"] = OptString(job.error);
  }
  return data;
}

}  // namespace

std::string WebhookEventJson(const WebhookDelivery& delivery, const Job& job, TimeMs now) {
  json::object event{{"type", delivery.event},
                     {"timestamp", FormatRfc3339(now)},
                     {"data", JobData(delivery, job)}};
  return ToJsonText(event);
}

}  // namespace conveyor
