// The listener-security flags of `conveyor serve` / `conveyor worker` (docs/security.md, "TLS, CORS and secrets from files"):
// TLS certificate and key, CORS origins, the header timeout, and the start-up check of secrets
// other layers read from files at run time (SMTP_PASSWORD_FILE). Each flag also reads its
// environment variable. Plain functions; called once at start-up.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "api/http_server.h"
#include "core/status.h"

namespace conveyor::cli {

struct SecuritySettings {
  std::string tls_cert_file;              // --tls-cert, TLS_CERT_FILE
  std::string tls_key_file;               // --tls-key, TLS_KEY_FILE
  std::vector<std::string> cors_origins;  // --cors-origin (repeatable, comma-separated)
  std::string header_timeout = "10s";     // --header-timeout: connect/handshake → end of headers
};

// --tls-cert, --tls-key and --header-timeout: for `serve` and for `worker`'s admin address.
void AddTlsFlags(CLI::App& cmd, SecuritySettings& s);
// --cors-origin: `serve` only (a worker's admin address serves no browser).
void AddCorsFlags(CLI::App& cmd, SecuritySettings& s);

// Checks the settings and copies them into the server's configuration. InvalidArgument, with
// the flag to fix, for one TLS file without the other, a CORS origin that is not one (or "*"),
// or a secret file named in the environment that cannot be read (named, never shown).
Status ApplySecuritySettings(const SecuritySettings& s, ServerConfig* server);

}  // namespace conveyor::cli
