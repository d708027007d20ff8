#include "outbound/smtp_client.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/secret_redaction.h"
#include "outbound/curl_transfer.h"

namespace conveyor {
namespace {

// An encoded-word may be 75 characters: "=?UTF-8?B?" + 60 base64 characters + "?=" is 72.
constexpr size_t kEncodedWordBytes = 45;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool HasLineBreakOrNul(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

Status CheckAddress(std::string_view field, std::string_view address) {
  if (address.empty()) return Status::InvalidArgument(std::string(field) + " must not be empty");
  if (HasLineBreakOrNul(address) || address.find_first_of("<>") != std::string_view::npos) {
    return Status::InvalidArgument(std::string(field) +
                                   " must not contain CR, LF, NUL, '<' or '>'");
  }
  return Status::Ok();
}

Status CheckMessage(const MailMessage& m) {
  if (Status s = CheckAddress("sender address", m.from); !s.ok()) return s;
  if (m.to.empty()) return Status::InvalidArgument("a message needs at least one recipient");
  for (const std::string& to : m.to) {
    if (Status s = CheckAddress("recipient address", to); !s.ok()) return s;
  }
  if (HasLineBreakOrNul(m.subject)) {
    return Status::InvalidArgument("subject must not contain CR, LF or NUL");
  }
  if (HasLineBreakOrNul(m.message_id)) {
    return Status::InvalidArgument("message id must not contain CR, LF or NUL");
  }
  return Status::Ok();
}

std::string Base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Where to cut `s` at most `max` bytes after `from` without splitting a UTF-8 sequence.
size_t Utf8Cut(std::string_view s, size_t from, size_t max) {
  size_t end = std::min(s.size(), from + max);
  while (end > from && end < s.size() && (static_cast<unsigned char>(s[end]) & 0xc0) == 0x80) {
    --end;
  }
  return end == from ? std::min(s.size(), from + max) : end;
}

// RFC 2047: ASCII stays as it is; anything else becomes base64 encoded-words, one per folded line.
std::string EncodeSubject(std::string_view subject) {
  if (IsAscii(subject)) return std::string(subject);
  std::string out;
  for (size_t i = 0; i < subject.size();) {
    size_t end = Utf8Cut(subject, i, kEncodedWordBytes);
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64(subject.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

// Every CRLF, lone LF and lone CR becomes CRLF; the body always ends with one.
std::string CrlfBody(std::string_view body) {
  std::string out;
  out.reserve(body.size() + body.size() / 32 + 2);
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\r' || body[i] == '\n') {
      if (body[i] == '\r' && i + 1 < body.size() && body[i + 1] == '\n') ++i;
      out += "\r\n";
    } else {
      out += body[i];
    }
  }
  if (!out.ends_with("\r\n")) out += "\r\n";
  return out;
}

// RFC 5322 date-time in UTC, spelled out by hand so the C locale does not matter.
std::string MailDate(long long now_s) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(now_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string JoinRecipients(const std::vector<std::string>& to) {
  std::string out;
  for (const std::string& a : to) out += (out.empty() ? "" : ",\r\n ") + a;
  return out;
}

// Feeds the message to libcurl's upload, and remembers the socket for a cancel.
struct Upload {
  std::string data;
  size_t sent = 0;
  curl_socket_t fd = CURL_SOCKET_BAD;
};

int OnSocket(void* user, curl_socket_t fd, curlsocktype /*purpose*/) {
  static_cast<Upload*>(user)->fd = fd;
  return CURL_SOCKOPT_OK;
}

size_t OnRead(char* buf, size_t size, size_t n, void* user) {
  auto* u = static_cast<Upload*>(user);
  size_t len = std::min(size * n, u->data.size() - u->sent);
  std::copy_n(u->data.data() + u->sent, len, buf);
  u->sent += len;
  return len;
}

Result<CurlSlistPtr> Recipients(const std::vector<std::string>& to) {
  CurlSlistPtr list;
  for (const std::string& a : to) {
    curl_slist* head = curl_slist_append(list.get(), ("<" + a + ">").c_str());
    if (head == nullptr) return Status::Internal("out of memory building the recipient list");
    if (!list) list.reset(head);
  }
  return list;
}

void SetOptions(CURL* h, const SmtpConfig& c, const std::string& from, curl_slist* rcpt,
                Upload& upload, char* errbuf) {
  curl_easy_setopt(h, CURLOPT_URL, c.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_PROXY, "");  // a proxy would see the credentials and the mail
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max(c.timeout_ms, 1)));
  if (!c.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, c.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, c.password.c_str());
    // Never a password in clear: on smtp:// a login requires STARTTLS (smtps:// is TLS anyway).
    curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  }
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, OnRead);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(upload.data.size()));
  curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, OnSocket);
  curl_easy_setopt(h, CURLOPT_SOCKOPTDATA, &upload);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
}

// The server's last reply code decides first: 4xx is "try later", 5xx is "never".
Status MapError(CURL* h, CURLcode code, const SmtpConfig& c, const char* errbuf) {
  long reply = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply);
  // This text becomes the job's error: SMTP_URL's userinfo and SMTP_PASSWORD must not be in it.
  std::string what = RedactSecrets(
      "SMTP " + c.url + ": " + (errbuf[0] != '\0' ? std::string(errbuf) : curl_easy_strerror(code)),
      {c.password, PasswordIn(c.url)});
  if (reply >= 400 && reply <= 499) {
    return Status::Unavailable(what + " (server replied " + std::to_string(reply) + ")");
  }
  if (reply >= 500 && reply <= 599) {
    return Status::FailedPrecondition(what + " (server replied " + std::to_string(reply) + ")");
  }
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return Status::InvalidArgument(what);
    case CURLE_LOGIN_DENIED:
      return Status::FailedPrecondition(what);
    case CURLE_USE_SSL_FAILED:  // the server offers no STARTTLS: retrying will not change that
      return Status::FailedPrecondition(what + " (a login over smtp:// needs STARTTLS)");
    default:  // resolve, connect, timeout, TLS and broken-connection errors: try again later
      return Status::Unavailable(what);
  }
}

std::optional<std::string> Env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

}  // namespace

std::string NewMessageId(std::string_view from) {
  unsigned char raw[16] = {};
  if (RAND_bytes(raw, sizeof raw) != 1) {
    // Uniqueness is what matters here, not secrecy: fall back to time and address.
    std::snprintf(reinterpret_cast<char*>(raw), sizeof raw, "%lld", (long long)std::time(nullptr));
  }
  std::string id;
  char hex[3];
  for (unsigned char b : raw) {
    std::snprintf(hex, sizeof hex, "%02x", b);
    id += hex;
  }
  size_t at = from.rfind('@');
  std::string_view domain = at == std::string_view::npos ? "" : from.substr(at + 1);
  return "<" + id + "@" + std::string(domain.empty() ? "conveyor.invalid" : domain) + ">";
}

std::string FormatMailMessage(const MailMessage& m, long long now_s) {
  std::string id = m.message_id.empty() ? NewMessageId(m.from) : m.message_id;
  return "Date: " + MailDate(now_s) + "\r\n" +              //
         "From: " + m.from + "\r\n" +                       //
         "To: " + JoinRecipients(m.to) + "\r\n" +           //
         "Subject: " + EncodeSubject(m.subject) + "\r\n" +  //
         "Message-ID: " + id + "\r\n" +                     //
         "MIME-Version: 1.0\r\n"
         "Content-Type: text/plain; charset=utf-8\r\n"
         "Content-Transfer-Encoding: 8bit\r\n"
         "\r\n" +
         CrlfBody(m.body);
}

Result<SmtpConfig> SmtpConfigFromEnv() {
  SmtpConfig c;
  std::optional<std::string> url = Env("SMTP_URL");
  if (!url) return Status::FailedPrecondition("SMTP_URL is not set (e.g. smtp://127.0.0.1:1025)");
  if (!url->starts_with("smtp://") && !url->starts_with("smtps://")) {
    return Status::FailedPrecondition("SMTP_URL must start with smtp:// or smtps://, not '" +
                                      RedactSecrets(*url) + "'");
  }
  c.url = *url;
  c.username = Env("SMTP_USERNAME").value_or("");
  c.default_from = Env("SMTP_FROM").value_or("");
  if (std::optional<std::string> pw = Env("SMTP_PASSWORD")) {
    c.password = *pw;
  } else if (std::optional<std::string> file = Env("SMTP_PASSWORD_FILE")) {
    std::ifstream in(*file, std::ios::binary);
    std::stringstream text;
    if (!in || !(text << in.rdbuf())) {
      return Status::FailedPrecondition("cannot read SMTP_PASSWORD_FILE " + *file);
    }
    c.password = std::string(Trim(text.str()));
  }
  return c;
}

Status SendMail(const SmtpConfig& config, const MailMessage& message,
                const std::function<bool()>& cancelled) {
  if (Status s = CheckMessage(message); !s.ok()) return s;
  if (!config.url.starts_with("smtp://") && !config.url.starts_with("smtps://")) {
    return Status::InvalidArgument("SMTP URL must start with smtp:// or smtps://");
  }
  Result<CurlSlistPtr> rcpt = Recipients(message.to);
  if (!rcpt.ok()) return rcpt.status();
  CurlGlobalInitOnce();
  CurlEasyPtr easy(curl_easy_init());
  if (!easy) return Status::Internal("curl_easy_init failed");
  Upload upload{.data = FormatMailMessage(message, std::time(nullptr))};
  const std::string from = "<" + message.from + ">";
  char errbuf[CURL_ERROR_SIZE] = {};
  SetOptions(easy.get(), config, from, rcpt->get(), upload, errbuf);
  // Closing an SMTP connection politely sends QUIT and blocks for the answer — up to the whole
  // timeout when the server is what we gave up on. Shutting the socket first ends that wait.
  Result<CURLcode> code = CurlDriveTransfer(easy.get(), cancelled, "sending mail", [&upload] {
    if (upload.fd != CURL_SOCKET_BAD) shutdown(upload.fd, SHUT_RDWR);
  });
  if (!code.ok()) return code.status();
  if (*code != CURLE_OK) return MapError(easy.get(), *code, config, errbuf);
  return Status::Ok();
}

}  // namespace conveyor
