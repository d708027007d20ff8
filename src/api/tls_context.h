// TLS for the HTTP listener (`conveyor serve --tls-cert FILE --tls-key FILE`): builds the
// server's OpenSSL context from PEM files with one fixed, modern policy, and holds the current
// one so a reload (SIGHUP) swaps it for new connections while open ones keep theirs.
//
// Policy (Mozilla "intermediate"): TLS 1.2 at least, 1.3 preferred (the server picks the
// highest both sides speak); TLS 1.2 only with ECDHE key exchange and AES-GCM or ChaCha20-Poly1305;
// the server's cipher order wins; no compression, no renegotiation; curves X25519, P-256, P-384.
// A key file protected by a passphrase is refused (no prompt on the terminal).
//
// Thread-safety: MakeTlsServerContext is a pure function; TlsContextHolder's methods may be called
// from any thread. A context handed out is never modified afterwards, so sessions share it.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <string>

#include "core/status.h"

namespace conveyor::api {

using TlsContextPtr = std::shared_ptr<boost::asio::ssl::context>;

// A server context with the certificate chain of `cert_file` and the private key of
// `key_file`. InvalidArgument naming the file and OpenSSL's reason (never the file's content)
// when a file is missing, unreadable, not PEM, or when the key does not match the certificate.
Result<TlsContextPtr> MakeTlsServerContext(const std::string& cert_file,
                                           const std::string& key_file);

// InvalidArgument when exactly one of the two files is named: TLS needs both, plain HTTP neither.
Status CheckTlsFilePair(const std::string& cert_file, const std::string& key_file);

class TlsContextHolder {
 public:
  TlsContextHolder(std::string cert_file, std::string key_file)
      : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}

  // Reads the files again; on success new connections get the new context, on failure the
  // current one stays and the error says why.
  Status Reload();
  // The context for a new connection; null before the first successful Reload().
  TlsContextPtr Current() const;

 private:
  const std::string cert_file_, key_file_;
  mutable std::mutex mu_;
  TlsContextPtr current_;  // REQUIRES: mu_ held
};

}  // namespace conveyor::api
