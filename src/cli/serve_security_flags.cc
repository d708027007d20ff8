#include "cli/serve_security_flags.h"

#include <cstdlib>

#include "api/cors.h"
#include "api/tls_context.h"
#include "core/duration_text.h"
#include "core/secret_file.h"

namespace conveyor::cli {
namespace {

bool EnvSet(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0';
}

// The email.send handler reads SMTP_PASSWORD_FILE when it sends; a file it cannot read would
// only show as failed jobs, so the node refuses to start instead.
Status CheckSmtpPasswordFile() {
  if (EnvSet("SMTP_PASSWORD") || !EnvSet("SMTP_PASSWORD_FILE")) return Status::Ok();
  Result<std::string> password =
      ReadSecretFile(std::getenv("SMTP_PASSWORD_FILE"), "SMTP_PASSWORD_FILE");
  return password.ok() ? Status::Ok() : password.status();
}

}  // namespace

void AddTlsFlags(CLI::App& cmd, SecuritySettings& s) {
  cmd.add_option("--tls-cert", s.tls_cert_file,
                 "PEM certificate chain: the listener speaks HTTPS only (with --tls-key; "
                 "re-read on SIGHUP)")
      ->envname("TLS_CERT_FILE");
  cmd.add_option("--tls-key", s.tls_key_file,
                 "PEM private key of --tls-cert, without a passphrase (re-read on SIGHUP)")
      ->envname("TLS_KEY_FILE");
  cmd.add_option("--header-timeout", s.header_timeout,
                 "A new connection's TLS handshake, and each request's headers, must arrive "
                 "within this (e.g. 10s, 500ms)")
      ->envname("CONVEYOR_HEADER_TIMEOUT")
      ->check([](const std::string& t) {
        return ParseDurationMs(t).value_or(0) > 0 ? std::string() : "must be " + DurationRule();
      })
      ->capture_default_str();
}

void AddCorsFlags(CLI::App& cmd, SecuritySettings& s) {
  cmd.add_option("--cors-origin", s.cors_origins,
                 "Browser origin allowed to call the API, exactly scheme://host[:port] "
                 "(repeatable or comma-separated; \"*\" is refused; default: CORS off)")
      ->envname("CONVEYOR_CORS_ORIGINS");
}

Status ApplySecuritySettings(const SecuritySettings& s, ServerConfig* server) {
  // Checked here as well as by the server, so a mistake stops the node before the store opens.
  if (Status t = api::CheckTlsFilePair(s.tls_cert_file, s.tls_key_file); !t.ok()) return t;
  server->tls_cert_file = s.tls_cert_file;
  server->tls_key_file = s.tls_key_file;
  server->cors_origins = api::SplitCorsOrigins(s.cors_origins);
  if (Status c = api::CheckCorsOrigins(server->cors_origins); !c.ok()) return c;
  server->header_timeout = std::chrono::milliseconds(
      ParseDurationMs(s.header_timeout)
          .value_or(ServerConfig{}.header_timeout.count()));  // checked by CLI11
  return CheckSmtpPasswordFile();
}

}  // namespace conveyor::cli
