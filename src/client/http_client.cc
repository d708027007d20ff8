#include "client/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <optional>
#include <utility>

namespace conveyor::client {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::uint64_t kMaxResponseBytes = 512ull << 20;

struct BaseUrl {
  std::string host;
  std::string port;
  std::string prefix;  // path without a trailing '/'
};

Result<BaseUrl> ParseBaseUrl(std::string_view text) {
  auto url = boost::urls::parse_uri(text);
  if (!url || url->scheme() != "http" || url->host().empty()) {
    return Status::InvalidArgument("--url must look like http://HOST:PORT, got '" +
                                   std::string(text) + "'");
  }
  BaseUrl out{url->host(), url->has_port() ? std::string(url->port()) : "80",
              std::string(url->path())};
  while (!out.prefix.empty() && out.prefix.back() == '/') out.prefix.pop_back();
  return out;
}

// A reused keep-alive connection the server had already closed fails this way; one retry on a
// fresh connection is then safe because the server never saw the request.
bool IsStaleConnection(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::eof;
}

}  // namespace

class HttpClient::Impl {
 public:
  explicit Impl(BaseUrl url) : url_(std::move(url)) {}

  Result<HttpResponse> Send(http::verb method, std::string_view target, std::string body) {
    http::request<http::string_body> req{method, url_.prefix + std::string(target), 11};
    req.set(http::field::host, url_.host);
    req.set(http::field::user_agent, "conveyor-cli");
    // The CLI decodes Conveyor's own vocabulary, whatever a job was submitted in.
    req.set("Conveyor-Dialect", "succeeded");
    if (!authorization_.empty()) req.set(http::field::authorization, authorization_);
    if (method == http::verb::post || method == http::verb::patch) {
      req.set(http::field::content_type, "application/json");
    }
    req.body() = std::move(body);
    req.prepare_payload();
    bool reused = connected_;
    auto res = Exchange(req);
    if (!res.ok() && reused && stale_) res = Exchange(req);
    return res;
  }

  Result<int> Stream(std::string_view target,
                     const std::function<bool(std::string_view)>& on_bytes) {
    http::request<http::empty_body> req{http::verb::get, url_.prefix + std::string(target), 11};
    req.set(http::field::host, url_.host);
    req.set(http::field::user_agent, "conveyor-cli");
    req.set(http::field::accept, "text/event-stream");
    if (!authorization_.empty()) req.set(http::field::authorization, authorization_);
    connected_ = false;  // the stream's connection ends with it
    if (auto ec = Connect()) return Unreachable(ec);
    stream_.expires_after(timeout_);
    auto ec = Run([&](auto handler) { http::async_write(stream_, req, std::move(handler)); });
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    if (!ec) {
      ec = Run([&](auto handler) {
        http::async_read_header(stream_, buffer_, parser, std::move(handler));
      });
    }
    if (ec) {
      stream_.close();
      return Unreachable(ec);
    }
    const int status = static_cast<int>(parser.get().result_int());
    if (status >= 200 && status < 300) ReadBody(parser, on_bytes);
    stream_.close();
    return status;
  }

  std::string Address() const { return url_.host + ":" + url_.port; }
  std::chrono::milliseconds timeout_{30000};
  std::string authorization_;  // "Bearer <key>", or empty

 private:
  template <class Op>
  beast::error_code Run(Op op) {
    beast::error_code result = asio::error::would_block;
    ioc_.restart();
    op([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc_.run();
    return result;
  }

  beast::error_code Connect() {
    stream_.close();
    buffer_.clear();
    tcp::resolver resolver(ioc_);
    beast::error_code ec;
    auto endpoints = resolver.resolve(url_.host, url_.port, ec);
    if (ec) return ec;
    stream_.expires_after(timeout_);
    return Run([&](auto handler) { stream_.async_connect(endpoints, std::move(handler)); });
  }

  Result<HttpResponse> Exchange(const http::request<http::string_body>& req) {
    stale_ = false;
    if (!connected_) {
      if (auto ec = Connect()) return Unreachable(ec);
      connected_ = true;
    }
    beast::error_code ec = WriteRead(req);
    if (ec) {
      connected_ = false;
      stale_ = IsStaleConnection(ec);
      return Unreachable(ec);
    }
    return ToResponse();
  }

  beast::error_code WriteRead(const http::request<http::string_body>& req) {
    stream_.expires_after(timeout_);
    auto ec = Run([&](auto handler) { http::async_write(stream_, req, std::move(handler)); });
    if (ec) return ec;
    parser_.emplace();
    parser_->body_limit(kMaxResponseBytes);
    return Run([&](auto handler) {
      http::async_read(stream_, buffer_, *parser_, std::move(handler));
    });
  }

  // Hands the body to `on_bytes` chunk by chunk; ends quietly on a timeout or a close.
  void ReadBody(http::response_parser<http::buffer_body>& parser,
                const std::function<bool(std::string_view)>& on_bytes) {
    char chunk[8192];
    while (!parser.is_done()) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof chunk;
      stream_.expires_after(timeout_);
      auto ec = Run(
          [&](auto handler) { http::async_read(stream_, buffer_, parser, std::move(handler)); });
      const size_t n = sizeof chunk - parser.get().body().size;
      if (n > 0 && !on_bytes(std::string_view(chunk, n))) return;
      if (ec && ec != http::error::need_buffer) return;
    }
  }

  HttpResponse ToResponse() {
    auto& res = parser_->get();
    HttpResponse out{static_cast<int>(res.result_int()),
                     std::string(res[http::field::content_type]), std::move(res.body())};
    if (!res.keep_alive()) {
      connected_ = false;
      stream_.close();
    }
    return out;
  }

  Status Unreachable(const beast::error_code& ec) const {
    return Status::Unavailable("cannot reach the Conveyor server at " + Address() + ": " +
                               ec.message() + " (is `conveyor serve` running there?)");
  }

  BaseUrl url_;
  asio::io_context ioc_;
  beast::tcp_stream stream_{ioc_};
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  bool connected_ = false;
  bool stale_ = false;
};

Result<std::unique_ptr<HttpClient>> HttpClient::Create(std::string_view base_url) {
  auto url = ParseBaseUrl(base_url);
  if (!url.ok()) return url.status();
  auto impl = std::make_unique<Impl>(std::move(url).value());
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::Get(std::string_view target) {
  return impl_->Send(http::verb::get, target, "");
}
Result<HttpResponse> HttpClient::Post(std::string_view target, std::string body) {
  return impl_->Send(http::verb::post, target, std::move(body));
}
Result<HttpResponse> HttpClient::Delete(std::string_view target) {
  return impl_->Send(http::verb::delete_, target, "");
}

Result<HttpResponse> HttpClient::Patch(std::string_view target, std::string body) {
  return impl_->Send(http::verb::patch, target, std::move(body));
}

Result<int> HttpClient::GetStream(std::string_view target,
                                  const std::function<bool(std::string_view)>& on_bytes) {
  return impl_->Stream(target, on_bytes);
}

void HttpClient::set_timeout(std::chrono::milliseconds timeout) { impl_->timeout_ = timeout; }
void HttpClient::set_api_key(std::string_view key) {
  impl_->authorization_ = key.empty() ? std::string() : "Bearer " + std::string(key);
}
std::string HttpClient::Address() const { return impl_->Address(); }

}  // namespace conveyor::client
