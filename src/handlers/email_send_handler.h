// email.send: sends one plain-text e-mail over SMTP(S) through the server in SMTP_URL.
//
// Payload: {"to": "a@example.com" or ["a@example.com", …] (1 to 100), "subject": "text",
//           "body": "text", "from": "sender@example.com" (optional; default SMTP_FROM)}.
// Result:  {"accepted": ["a@example.com", …], "message_id": "<job-id@sender-domain>"} — the
//          Message-ID is the same on every attempt of a job, so a retried send can be recognised.
// Errors:  4xx SMTP replies, timeouts and connection errors are retried with backoff; 5xx
//          replies, a missing SMTP_URL or sender and bad payloads fail the job permanently.
//          Any rejected recipient fails the whole send (no partial delivery).
// Configuration is read from the environment on every run (see SmtpConfigFromEnv).
//
// Stateless: thread-safe.
#pragma once

#include "handlers/handler.h"

namespace conveyor {

inline constexpr size_t kMaxEmailRecipients = 100;

class EmailSendHandler final : public Handler {
 public:
  std::string_view type() const override { return "email.send"; }
  Status ValidatePayload(const boost::json::value& payload) const override;
  std::string_view PayloadSchema() const override;
  Result<std::string> Run(JobContext& ctx) override;
};

}  // namespace conveyor
