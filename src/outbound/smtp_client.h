// SendMail: one e-mail over SMTP or SMTPS with libcurl, for the email.send job type.
//
// The server comes from the operator's environment (SmtpConfigFromEnv), never from a request, so
// no URL policy applies. SendMail builds an RFC 5322 message (Date, From, To, Subject — an RFC 2047
// encoded-word when not ASCII — Message-ID, MIME-Version, text/plain; charset=utf-8, 8bit, CRLF
// line endings) and uploads it; dot-stuffing is libcurl's job. Proxies from the environment are
// ignored. Body lines are not wrapped: lines over 998 octets may be refused by strict servers.
//
// Thread-safety: SendMail may be called from many threads at once; each call has its own curl
// handles. `cancelled` is called from the calling thread only, about every 50 ms.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace conveyor {

struct SmtpConfig {
  std::string url;                 // smtp://host:port or smtps://host:port (implicit TLS)
  std::string username, password;  // no login when username is empty; else smtp:// needs STARTTLS
  std::string default_from;        // used when a message has no sender of its own
  int timeout_ms = 30000;          // whole session: connect, dialogue, upload
};

// SMTP_URL (required), SMTP_USERNAME, SMTP_PASSWORD or else SMTP_PASSWORD_FILE (its contents,
// trimmed), SMTP_FROM. Errors, all FailedPrecondition: SMTP_URL unset or not smtp(s)://,
// the password file unreadable.
Result<SmtpConfig> SmtpConfigFromEnv();

struct MailMessage {
  std::string from;             // bare address: local@domain
  std::vector<std::string> to;  // bare addresses, at least one
  std::string subject, body;    // UTF-8; any line ending in the body becomes CRLF
  std::string message_id;       // "<id@domain>"; a random one when empty
};

// Error messages name the server by SMTP_URL with its password masked (RedactSecrets); neither
// it nor SMTP_PASSWORD ever appears in them, since they become the job's `error`.
// Errors:
//   InvalidArgument     empty sender or recipients, CR/LF/NUL or <> in an address, CR/LF/NUL in
//                       the subject, a URL that is not smtp(s):// (permanent)
//   FailedPrecondition  the server answered 5xx (message names the code), refused the login, or
//                       offers no STARTTLS for a login over smtp:// (permanent)
//   Unavailable         a 4xx answer, could not connect, timed out, connection broke (retryable)
//   Cancelled           cancelled() returned true
Status SendMail(const SmtpConfig& config, const MailMessage& message,
                const std::function<bool()>& cancelled);

// The complete message as uploaded (headers, blank line, body), CRLF line endings, not
// dot-stuffed. `now_s` is seconds since the epoch, for the Date header. Exposed for tests.
std::string FormatMailMessage(const MailMessage& message, long long now_s);

// "<32 hex digits@domain-of-from>", the domain defaulting to "conveyor.invalid".
std::string NewMessageId(std::string_view from);

}  // namespace conveyor
