#include "handlers/email_send_handler.h"

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "json/json_text.h"
#include "outbound/smtp_client.h"

namespace conveyor {
namespace json = boost::json;

namespace {

Status Invalid(std::string message) { return Status::InvalidArgument(std::move(message)); }

// Crude on purpose: one '@' with something on both sides, at most 254 bytes, no spaces,
// brackets or line breaks. The SMTP server has the last word.
bool LooksLikeAddress(std::string_view a) {
  size_t at = a.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == a.size() || a.size() > 254) return false;
  if (a.find('@', at + 1) != std::string_view::npos) return false;
  return a.find_first_of(std::string_view(" \t\r\n\0<>,;\"", 10)) == std::string_view::npos;
}

Status ValidateTo(const json::object& obj) {
  static const std::string kMessage =
      "payload.to must be an e-mail address or a list of them, e.g. \"ops@example.com\"";
  const json::value* to = obj.if_contains("to");
  if (to == nullptr) return Invalid(kMessage);
  if (to->is_string()) {
    return LooksLikeAddress(to->get_string()) ? Status::Ok() : Invalid(kMessage);
  }
  if (!to->is_array() || to->get_array().empty()) return Invalid(kMessage);
  const json::array& list = to->get_array();
  if (list.size() > kMaxEmailRecipients) {
    return Invalid("payload.to must list at most 100 recipients");
  }
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string() || !LooksLikeAddress(list[i].get_string())) {
      return Invalid("payload.to[" + std::to_string(i) + "] must be an e-mail address");
    }
  }
  return Status::Ok();
}

Status ValidateText(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  if (v != nullptr && v->is_string()) return Status::Ok();
  return Invalid("payload." + std::string(key) + " must be a string");
}

std::vector<std::string> Recipients(const json::value& to) {
  if (to.is_string()) return {std::string(to.get_string())};
  std::vector<std::string> out;
  for (const json::value& a : to.get_array()) out.emplace_back(a.get_string());
  return out;
}

// Stable across attempts: a receiver (or a person) can spot the duplicate of a retried send.
std::string JobMessageId(const Job& job, std::string_view from) {
  return "<" + job.id + "@" + std::string(from.substr(from.rfind('@') + 1)) + ">";
}

Result<SmtpConfig> Config() {
  Result<SmtpConfig> c = SmtpConfigFromEnv();
  if (!c.ok() && c.status().message().starts_with("SMTP_URL is not set")) {
    return Status::FailedPrecondition("email.send needs SMTP_URL (e.g. smtp://127.0.0.1:1025)");
  }
  return c;
}

}  // namespace

Status EmailSendHandler::ValidatePayload(const json::value& payload) const {
  if (!payload.is_object()) {
    return Invalid(
        R"(payload must be a JSON object, e.g. {"to": "ops@example.com", "subject": "Hi", "body": "…"})");
  }
  const json::object& obj = payload.get_object();
  if (Status s = ValidateTo(obj); !s.ok()) return s;
  if (Status s = ValidateText(obj, "subject"); !s.ok()) return s;
  if (obj.at("subject").get_string().find_first_of("\r\n") != json::string::npos) {
    return Invalid("payload.subject must be one line (no CR or LF)");
  }
  if (Status s = ValidateText(obj, "body"); !s.ok()) return s;
  const json::value* from = obj.if_contains("from");
  if (from != nullptr && (!from->is_string() || !LooksLikeAddress(from->get_string()))) {
    return Invalid("payload.from must be an e-mail address, e.g. \"noreply@example.com\"");
  }
  return Status::Ok();
}

// The address pattern is LooksLikeAddress: one '@', no spaces, brackets, commas or quotes. It is
// written out three times because the schema is embedded in /openapi.json, where a "#/$defs"
// reference would resolve against the whole document.
#define CONVEYOR_EMAIL_ADDRESS \
  R"({"type":"string","maxLength":254,"pattern":"^[^@\\s<>,;\"\\u0000]+@[^@\\s<>,;\"\\u0000]+$"})"
std::string_view EmailSendHandler::PayloadSchema() const {
  return R"({"type":"object","required":["to","subject","body"],"properties":{)"
         R"("to":{"oneOf":[)" CONVEYOR_EMAIL_ADDRESS R"(,{"type":"array","minItems":1,"maxItems":100,)"
         R"("items":)" CONVEYOR_EMAIL_ADDRESS R"(}],"examples":["ops@example.com"]},)"
         R"("subject":{"type":"string","pattern":"^[^\\r\\n]*$"},"body":{"type":"string"},)"
         R"("from":)" CONVEYOR_EMAIL_ADDRESS R"(}})";
}
#undef CONVEYOR_EMAIL_ADDRESS

Result<std::string> EmailSendHandler::Run(JobContext& ctx) {
  json::error_code ec;
  json::value payload = json::parse(ctx.job().payload, ec);
  if (ec) return Invalid("payload is not valid JSON: " + ec.message());
  if (Status s = ValidatePayload(payload); !s.ok()) return s;
  Result<SmtpConfig> config = Config();
  if (!config.ok()) return config.status();
  const json::object& obj = payload.get_object();
  MailMessage m;
  const json::value* from = obj.if_contains("from");
  m.from = from != nullptr ? std::string(from->get_string()) : config->default_from;
  if (!LooksLikeAddress(m.from)) {
    return Status::FailedPrecondition("email.send needs payload.from or SMTP_FROM (an address)");
  }
  m.to = Recipients(obj.at("to"));
  m.subject = std::string(obj.at("subject").get_string());
  m.body = std::string(obj.at("body").get_string());
  m.message_id = JobMessageId(ctx.job(), m.from);
  if (Status s = SendMail(*config, m, [&ctx] { return ctx.Cancelled(); }); !s.ok()) return s;
  json::array accepted;
  for (const std::string& a : m.to) accepted.emplace_back(a);
  return ToJsonText(json::object{{"accepted", accepted}, {"message_id", m.message_id}});
}

}  // namespace conveyor
