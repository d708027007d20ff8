// HttpServer's TLS and CORS settings as a library user meets them: refused at Start() with a
// sentence naming what to fix, and a reload that needs TLS to mean anything. (The HTTPS traffic
// itself is tested end to end in tests/e2e/test_tls.py.)
#include <gtest/gtest.h>

#include "api_fixture.h"

namespace conveyor::api::testing {
namespace {

class ListenerSecurityTest : public ApiFixture {
 protected:
  Status StartWith(void (*edit)(ServerConfig&, const std::string& dir)) {
    ServerConfig config = server_config_;
    edit(config, dir_);
    HttpServer server(services(), config);
    return server.Start();
  }
};

TEST_F(ListenerSecurityTest, MissingCertificateFileIsAStartErrorNamingIt) {
  const Status s = StartWith([](ServerConfig& c, const std::string& dir) {
    c.tls_cert_file = dir + "/missing.crt";
    c.tls_key_file = dir + "/missing.key";
  });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("missing.crt"), std::string::npos) << s.message();
}

TEST_F(ListenerSecurityTest, CertificateWithoutKeyIsAStartError) {
  const Status s = StartWith(
      [](ServerConfig& c, const std::string& dir) { c.tls_cert_file = dir + "/server.crt"; });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("--tls-key"), std::string::npos) << s.message();
}

TEST_F(ListenerSecurityTest, WildcardCorsOriginIsAStartError) {
  const Status s = StartWith([](ServerConfig& c, const std::string&) { c.cors_origins = {"*"}; });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

TEST_F(ListenerSecurityTest, ReloadWithoutTlsIsRefusedAndThePlainServerKeepsServing) {
  EXPECT_EQ(server_->ReloadTls().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(client_->Get("/health").status, 200);
}

}  // namespace
}  // namespace conveyor::api::testing
