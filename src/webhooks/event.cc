#include "webhooks/event.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

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

std::string StatusOfEvent(const std::string& event) {
  std::string status = event.substr(event.find('.') + 1);
  std::transform(status.begin(), status.end(), status.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return status;
}

json::object JobData(const WebhookDelivery& d, const Job& job) {
  return json::object{
      {"id", job.id},
      {"job_id", job.id},
      {"type", job.type},
      {"queue", job.queue},
      {"status", StatusOfEvent(d.event)},
      {"attempt", job.attempt},
      {"result", OptJson(job.result)},
      {"error", OptString(job.error)},
      {"correlation_id", OptString(job.correlation_id)},
      {"created_at", FormatRfc3339(job.created_at)},
      {"started_at", OptTime(job.started_at)},
      {"finished_at", OptTime(job.finished_at)},
  };
}

}  // namespace

std::string WebhookEventJson(const WebhookDelivery& delivery, const Job& job, TimeMs now) {
  json::object event{{"type", delivery.event},
                     {"timestamp", FormatRfc3339(now)},
                     {"data", JobData(delivery, job)}};
  return ToJsonText(event);
}

}  // namespace conveyor
