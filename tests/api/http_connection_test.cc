// Connection handling: keep-alive, pipelining, 100-continue, timeouts for slow clients, and the
// two-phase shutdown.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <thread>

#include "api_fixture.h"

namespace conveyor::api::testing {
namespace {

using ConnectionTest = ApiFixture;

TEST_F(ConnectionTest, KeepAliveServesManyRequestsOnOneConnection) {
  for (int i = 0; i < 20; ++i) {
    Reply r = client().Get("/health");
    ASSERT_EQ(r.status, 200u);
    EXPECT_TRUE(r.keep_alive);
  }
}

TEST_F(ConnectionTest, ConnectionCloseIsHonoured) {
  Reply r = client().Get("/health", {{"Connection", "close"}});
  EXPECT_EQ(r.status, 200u);
  EXPECT_FALSE(r.keep_alive);
  EXPECT_TRUE(client().WaitForClose());
}

TEST_F(ConnectionTest, PipelinedRequestsAreAnsweredInOrder) {
  client().WriteRaw(
      "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /ready HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(client().Read().status, 200u);
  EXPECT_EQ(client().Read().status, 404u);
  EXPECT_EQ(client().Read().body, R"({"status":"ready"})");
}

TEST_F(ConnectionTest, ExpectContinueGetsAnInterimAnswer) {
  const std::string body = R"({"type":"noop"})";
  client().WriteRaw(
      "POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Expect: 100-continue\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n");
  char interim[25] = {};
  boost::asio::read(client().socket(), boost::asio::buffer(interim, 25));
  EXPECT_EQ(std::string_view(interim, 25), "HTTP/1.1 100 Continue\r\n\r\n");
  client().WriteRaw(body);
  EXPECT_EQ(client().Read().status, 201u);
}

TEST_F(ConnectionTest, HttpOneZeroClosesUnlessKeepAliveIsAsked) {
  client().WriteRaw("GET /health HTTP/1.0\r\n\r\n");
  Reply r = client().Read();
  EXPECT_EQ(r.status, 200u);
  EXPECT_TRUE(client().WaitForClose());
}

class SlowClientTest : public ApiFixture {
  void ConfigureServer(ServerConfig& c) override {
    c.header_timeout = std::chrono::milliseconds(300);
    c.body_timeout = std::chrono::milliseconds(300);
    c.idle_timeout = std::chrono::milliseconds(500);
  }
};

TEST_F(SlowClientTest, HalfARequestIsDisconnectedWithoutBlockingOthers) {
  TestClient slow(port());
  slow.WriteRaw("GET /health HTTP/1.1\r\nHost: x\r\n");  // the blank line never comes
  TestClient other(port());
  EXPECT_EQ(other.Get("/health").status, 200u);
  EXPECT_TRUE(slow.WaitForClose());
}

TEST_F(SlowClientTest, HalfABodyIsDisconnected) {
  TestClient slow(port());
  slow.WriteRaw(
      "POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 100\r\n\r\n{\"type\":");
  EXPECT_TRUE(slow.WaitForClose());
  ExpectStillServing();
}

TEST_F(SlowClientTest, IdleKeepAliveConnectionIsClosed) {
  EXPECT_EQ(client().Get("/health").status, 200u);
  EXPECT_TRUE(client().WaitForClose());
}

TEST_F(ConnectionTest, StopClosesIdleConnectionsAndIsIdempotent) {
  EXPECT_EQ(client().Get("/health").status, 200u);  // now idle, kept alive
  server_->Stop();
  EXPECT_TRUE(client().WaitForClose());
  server_->Stop();
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket s(io);
  boost::system::error_code ec;
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port()}, ec);
  EXPECT_TRUE(ec) << "still accepting after Stop()";
}

TEST_F(ConnectionTest, StopLetsAnInFlightRequestFinish) {
  // The interim 100 Continue proves the server has read the head: the request is in flight.
  const std::string body = R"({"type":"noop"})";
  client().WriteRaw(
      "POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Expect: 100-continue\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n");
  char interim[25];
  boost::asio::read(client().socket(), boost::asio::buffer(interim, 25));
  std::thread stopper([this] { server_->Stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // usually Stop() is waiting now
  client().WriteRaw(body);
  Reply r = client().Read();
  stopper.join();
  EXPECT_EQ(r.status, 201u) << r.body;
  EXPECT_FALSE(r.keep_alive);
}

TEST_F(ConnectionTest, StartOnABusyPortIsUnavailable) {
  ServerConfig config;
  config.listen = "127.0.0.1:" + std::to_string(port());
  HttpServer second(services(), config);
  const Status s = second.Start();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_EQ(second.port(), 0);
  second.Stop();  // safe after a failed Start()
}

TEST_F(ConnectionTest, StopBeforeStartAndBadListenAddress) {
  ServerConfig config;
  config.listen = "not-an-address";
  HttpServer server(services(), config);
  server.Stop();
  server.Stop();
  config.listen = "127.0.0.1";
  HttpServer other(services(), config);
  EXPECT_EQ(other.Start().code(), StatusCode::kInvalidArgument);
}

class ConnectionCapTest : public ApiFixture {
  void ConfigureServer(ServerConfig& c) override { c.max_connections = 4; }
};

TEST_F(ConnectionCapTest, IdleConnectionsAtTheCapDoNotLockOutANewClient) {
  // The fixture's client plus 5 more idle keep-alive clients: over the cap of 4.
  EXPECT_EQ(client().Get("/health").status, 200u);
  std::vector<std::unique_ptr<TestClient>> idle;
  for (int i = 0; i < 5; ++i) {
    idle.push_back(std::make_unique<TestClient>(port()));
    EXPECT_EQ(idle.back()->Get("/health").status, 200u) << "connection " << i;
  }
  TestClient fresh(port());
  EXPECT_EQ(fresh.Get("/health").status, 200u) << "the oldest idle connection made room";
  // The idle timeout is 60 s: a close within 10 s is the cap's doing, not the timeout's.
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client().WaitForClose()) << "the oldest idle connection is the one closed";
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(DefaultMaxConnections, LeavesAReserveUnderTheOpenFileLimit) {
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  const size_t cap = DefaultMaxConnections();
  EXPECT_GE(cap, 16u);
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur > 128) {
    EXPECT_LE(cap + 64, limit.rlim_cur) << "descriptors stay in reserve for the store";
  }
}

}  // namespace
}  // namespace conveyor::api::testing
