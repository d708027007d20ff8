#include "api/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace conveyor::api {
namespace {

namespace ssl = boost::asio::ssl;

// TLS 1.2 suites of Mozilla's "intermediate" profile that use ECDHE (forward secrecy) and an
// AEAD cipher. TLS 1.3 suites are OpenSSL's defaults, which are all AEAD.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kGroups = "X25519:P-256:P-384";

// OpenSSL's reason for the last failure ("no such file", "key values mismatch"), and clears
// its error queue so the next call starts clean.
std::string OpenSslReason(const boost::system::error_code& ec) {
  std::string reason = ec ? ec.message() : "";
  if (unsigned long e = ERR_peek_last_error(); e != 0 && reason.empty()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    reason = buf;
  }
  ERR_clear_error();
  return reason.empty() ? "unknown OpenSSL error" : reason;
}

Status ApplyPolicy(ssl::context& ctx) {
  SSL_CTX* native = ctx.native_handle();
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                  SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1 ||
      SSL_CTX_set1_groups_list(native, kGroups) != 1) {
    return Status::Internal("cannot apply the TLS policy: " + OpenSslReason({}));
  }
  // An encrypted key would make OpenSSL prompt on the terminal; answer with no passphrase.
  ctx.set_password_callback([](size_t, ssl::context::password_purpose) { return std::string(); });
  return Status::Ok();
}

}  // namespace

Result<TlsContextPtr> MakeTlsServerContext(const std::string& cert_file,
                                           const std::string& key_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  if (Status s = ApplyPolicy(*ctx); !s.ok()) return s;
  boost::system::error_code ec;
  ERR_clear_error();
  if (ctx->use_certificate_chain_file(cert_file, ec)) {
    return Status::InvalidArgument("cannot use the TLS certificate file " + cert_file +
                                   " (--tls-cert): " + OpenSslReason(ec) +
                                   "; it must be a readable PEM certificate chain");
  }
  // OpenSSL checks the key against the certificate as it loads it.
  if (ctx->use_private_key_file(key_file, ssl::context::pem, ec) ||
      SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    const std::string reason = OpenSslReason(ec);
    if (reason.find("mismatch") != std::string::npos) {
      return Status::InvalidArgument("the TLS key " + key_file +
                                     " does not match the certificate " + cert_file + ": " +
                                     reason);
    }
    return Status::InvalidArgument("cannot use the TLS key file " + key_file +
                                   " (--tls-key): " + reason +
                                   "; it must be a readable PEM private key without a passphrase");
  }
  return ctx;
}

Status CheckTlsFilePair(const std::string& cert_file, const std::string& key_file) {
  if (cert_file.empty() == key_file.empty()) return Status::Ok();
  return Status::InvalidArgument(
      "give both --tls-cert and --tls-key (TLS_CERT_FILE, TLS_KEY_FILE) for HTTPS, or neither "
      "for plain HTTP");
}

Status TlsContextHolder::Reload() {
  Result<TlsContextPtr> fresh = MakeTlsServerContext(cert_file_, key_file_);
  if (!fresh.ok()) return fresh.status();
  std::lock_guard<std::mutex> lock(mu_);
  current_ = std::move(fresh).value();
  return Status::Ok();
}

TlsContextPtr TlsContextHolder::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

}  // namespace conveyor::api
