// TestClient: a small synchronous Beast HTTP/1.1 client over loopback for the API's integration
// tests. One connection, kept alive across requests; Reconnect() opens a new one. Not
// thread-safe: one client per thread.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <initializer_list>
#include <ostream>  // Boost 1.81 core/string_view.hpp uses std::ostream without including it
#include <string>
#include <utility>

namespace conveyor::api::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Reply {
  unsigned status = 0;
  std::string body;
  http::fields headers;
  bool keep_alive = true;

  boost::json::value Json() const { return boost::json::parse(body); }
  std::string Header(std::string_view name) const { return std::string(headers[name]); }
  bool IsProblem() const { return Header("Content-Type") == "application/problem+json"; }
};

using Headers = std::initializer_list<std::pair<std::string, std::string>>;

class TestClient {
 public:
  explicit TestClient(uint16_t port) : port_(port) { Reconnect(); }

  void Reconnect() {
    beast::error_code ignored;  // the old connection may already be closed by the server
    socket_.close(ignored);
    socket_ = tcp::socket(io_);
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    buffer_.clear();
  }

  tcp::socket& socket() { return socket_; }

  Reply Send(http::verb method, const std::string& target, const std::string& body = "",
             Headers headers = {}, const std::string& content_type = "application/json") {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!body.empty() || method == http::verb::post) {
      if (!content_type.empty()) req.set(http::field::content_type, content_type);
      req.body() = body;
    }
    for (const auto& [name, value] : headers) req.set(name, value);
    req.prepare_payload();
    http::write(socket_, req);
    return Read();
  }

  Reply Read() {
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(socket_, buffer_, parser);
    auto& res = parser.get();
    Reply reply{res.result_int(), std::move(res.body()), {}, res.keep_alive()};
    for (const auto& f : res) reply.headers.insert(f.name_string(), f.value());
    return reply;
  }

  Reply Get(const std::string& target, Headers headers = {}) {
    return Send(http::verb::get, target, "", headers);
  }
  Reply Post(const std::string& target, const std::string& body, Headers headers = {}) {
    return Send(http::verb::post, target, body, headers);
  }
  Reply Delete(const std::string& target) { return Send(http::verb::delete_, target); }

  // Writes raw bytes, for requests a well-behaved client would not send.
  void WriteRaw(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }

  // Reads until the server closes the connection; true when it did (EOF or reset).
  bool WaitForClose() {
    char sink[4096];
    beast::error_code ec;
    for (;;) {
      socket_.read_some(asio::buffer(sink), ec);
      if (ec) return ec == asio::error::eof || ec == asio::error::connection_reset;
    }
  }

 private:
  uint16_t port_;
  asio::io_context io_;
  tcp::socket socket_{io_};
  beast::flat_buffer buffer_;
};

}  // namespace conveyor::api::testing
