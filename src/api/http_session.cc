#include "api/http_session.h"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <cstdio>
#include <exception>
#include <vector>

#include "api/cors.h"
#include "api/dialect_request.h"
#include "api/request_context.h"
#include "api/streaming_body.h"
#include "api/tenant_scope.h"
#include "core/clock.h"
#include "core/ids.h"
#include "observability/log.h"
#include "observability/metrics.h"
#include "runtime/job_spec.h"

namespace conveyor::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

constexpr size_t kReadChunk = 8192;
constexpr size_t kFileChunk = 64 << 10;
constexpr size_t kMaxCorrelationId = kMaxCorrelationIdLength;  // the runtime's limit
// After an error answer, unread request bytes are drained for at most this long (and this many
// bytes) so closing the socket does not reset the connection before the client reads the answer.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerBytes = 4 << 20;

bool IsPrintableToken(std::string_view s) {
  if (s.empty() || s.size() > kMaxCorrelationId) return false;
  for (char c : s) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::string_view View(beast::string_view s) { return {s.data(), s.size()}; }

// Well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool IsUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80           ? 1
                     : (c >> 5) == 0x6  ? 2
                     : (c >> 4) == 0xe  ? 3
                     : (c >> 3) == 0x1e ? 4
                                        : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : c & (0x7f >> n);
    for (size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n;
  }
  return true;
}

// A problem for request heads the API cannot take as they are, before any route sees them:
// header values are stored on jobs and echoed in JSON, so they must be UTF-8; a body coding
// other than chunked (gzip, deflate) would be read as if it were plain.
std::optional<ApiError> CheckHead(const HttpRequest& request) {
  for (const auto& field : request) {
    if (!IsUtf8(View(field.value()))) {
      return ApiError{ErrorKind::kMalformed,
                      "the header " + std::string(View(field.name_string())) +
                          " is not valid UTF-8; send header values as ASCII or UTF-8"};
    }
  }
  const auto te = View(request[http::field::transfer_encoding]);
  if (!te.empty() && !beast::iequals(te, "chunked")) {
    return ApiError{ErrorKind::kUnsupportedMediaType,
                    "Transfer-Encoding \"" + std::string(te) +
                        "\" is not supported: only chunked; send the body uncompressed"};
  }
  return std::nullopt;
}

}  // namespace

void RequestContext::Fail(const ApiError& error) const {
  const std::string_view target = View(request.target());
  WriteProblem(error, target.substr(0, target.find('?')), &response);
}

// ---- SessionRegistry ------------------------------------------------------------------------

bool SessionRegistry::Add(HttpSession* session) {
  std::lock_guard<std::mutex> lock(mu_);
  session->registry_id_ = next_id_++;
  sessions_.emplace(session->registry_id_, session);
  return !stopping_;
}

void SessionRegistry::Remove(HttpSession* session) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.erase(session->registry_id_);
  if (sessions_.empty()) empty_.notify_all();
}

void SessionRegistry::StopAll() {
  std::vector<std::shared_ptr<HttpSession>> alive;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    // A session being destroyed waits on mu_ in Remove(); its weak pointer is already expired.
    for (const auto& [id, s] : sessions_) {
      if (auto session = s->weak_from_this().lock()) alive.push_back(std::move(session));
    }
  }
  // Outside the lock: dropping the last reference here runs ~HttpSession, which takes mu_.
  for (auto& session : alive) session->RequestStop();
}

size_t SessionRegistry::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

bool SessionRegistry::CloseOldestIdle() {
  std::shared_ptr<HttpSession> victim;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, s] : sessions_) {
      // exchange: the same session is not picked twice while its close is on the way.
      if (s->idle_.exchange(false) && (victim = s->weak_from_this().lock())) break;
    }
  }
  if (!victim) return false;
  victim->RequestStop();  // outside the lock, as in StopAll()
  return true;
}

bool SessionRegistry::WaitEmpty(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return empty_.wait_for(lock, timeout, [this] { return sessions_.empty(); });
}

// ---- HttpSession ----------------------------------------------------------------------------

void HttpSession::Launch(asio::ip::tcp::socket socket, const SessionEnv& env, TlsContextPtr tls) {
  auto session = std::make_shared<HttpSession>(std::move(socket), env, std::move(tls));
  auto executor = session->stream_.get_executor();
  asio::co_spawn(
      executor, [session]() { return session->Run(); }, asio::detached);
}

HttpSession::HttpSession(asio::ip::tcp::socket socket, const SessionEnv& env, TlsContextPtr tls)
    : stream_(std::move(socket), std::move(tls)), env_(env) {
  stopping_ = !env_.registry.Add(this);
}

HttpSession::~HttpSession() { env_.registry.Remove(this); }

void HttpSession::RequestStop() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    // Pending reads end with operation_aborted; a busy session finishes its answer first. An
    // event stream never finishes: it ends now, and a write it waits on is cancelled.
    if (self->response_.streaming) {
      self->response_.streaming->Stop();
      self->stream_.cancel();
    }
    if (!self->busy_) self->stream_.cancel();
  });
}

asio::awaitable<void> HttpSession::Run() {
  if (stream_.is_tls()) {
    // A client that connects and never completes the handshake is dropped like a slow header.
    stream_.expires_after(env_.config.header_timeout);
    if (const beast::error_code ec = co_await stream_.Handshake()) {
      log::Debug("tls_handshake_failed", {{"error", ec.message()}});
      stopping_ = true;
    }
  }
  for (bool first = true; !stopping_; first = false) {
    const ReadResult read = co_await ReadRequest(first);
    if (read == ReadResult::kClosed) break;
    if (read == ReadResult::kRejected) {
      // The request was not read in full: answer, then close without reading further.
      const bool written = co_await Write(false);
      RecordMetrics();
      if (written) co_await LingeringClose();
      break;
    }
    co_await Handle();
    const bool keep_alive = parser_->keep_alive() && !stopping_ && !response_.streaming;
    const bool written = co_await Write(keep_alive);
    LogAccess();
    RecordMetrics();
    busy_ = false;
    if (!written) break;
    if (!keep_alive) {
      co_await CloseAfterLastAnswer();
      break;
    }
  }
  beast::error_code ignored;  // closing a socket the peer already reset is not an error here
  stream_.socket().close(ignored);
}

asio::awaitable<HttpSession::ReadResult> HttpSession::ReadRequest(bool first) {
  const ServerConfig& config = env_.config;
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(config.max_header_bytes));
  parser_->body_limit(config.max_body_bytes);
  if (buffer_.size() == 0) {
    // Waiting for the next request on a kept-alive connection is idle time, not a slow request.
    stream_.expires_after(first ? config.header_timeout : config.idle_timeout);
    idle_ = true;
    auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kReadChunk), kTuple);
    idle_ = false;
    if (ec) co_return ReadResult::kClosed;
    buffer_.commit(n);
  }
  stream_.expires_after(config.header_timeout);
  auto [ec, n] = co_await http::async_read_header(stream_, buffer_, *parser_, kTuple);
  if (ec) co_return Reject(ec);
  busy_ = true;
  started_ = std::chrono::steady_clock::now();
  route_ = kUnmatchedRoute;
  if (!parser_->is_done()) {
    const auto expect = parser_->get()[http::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      auto [wec, wn] = co_await asio::async_write(stream_, asio::buffer(kContinue), kTuple);
      if (wec) co_return ReadResult::kClosed;
    }
    stream_.expires_after(config.body_timeout);
    auto [bec, bn] = co_await http::async_read(stream_, buffer_, *parser_, kTuple);
    if (bec) co_return Reject(bec);
  }
  co_return ReadResult::kRequest;
}

HttpSession::ReadResult HttpSession::Reject(beast::error_code ec) {
  ApiError error{ErrorKind::kMalformed, ""};
  if (ec == http::error::header_limit) {
    error = {ErrorKind::kHeadersTooLarge, "the request line and headers exceed " +
                                              std::to_string(env_.config.max_header_bytes) +
                                              " bytes"};
  } else if (ec == http::error::body_limit) {
    error = {ErrorKind::kPayloadTooLarge, "the request body exceeds " +
                                              std::to_string(env_.config.max_body_bytes) +
                                              " bytes; split a large batch into several requests"};
  } else if (ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
             ec != http::error::end_of_stream && ec != http::error::partial_message) {
    error.detail = "the request is not valid HTTP/1.1 (" + ec.message() + ")";
  } else {
    return ReadResult::kClosed;  // timeout, reset, EOF, shutdown: nobody to answer
  }
  busy_ = true;
  started_ = std::chrono::steady_clock::now();
  route_ = kUnmatchedRoute;
  response_.Reset();
  // The parser keeps what it read before the error: usually the request line, often the headers.
  SetCorrelationId();
  const std::string_view target = View(parser_->get().target());
  WriteProblem(error, target.empty() ? "/" : target.substr(0, target.find('?')), &response_);
  return ReadResult::kRejected;
}

void HttpSession::SetCorrelationId() {
  const auto given = View(parser_->get()["X-Correlation-Id"]);
  if (IsPrintableToken(given)) {
    correlation_id_.assign(given);
  } else {
    correlation_id_ = NewUuidV7(SystemClock::Default()->NowMs());
  }
}

RequestContext HttpSession::Context(const HttpRequest& request, std::string_view path,
                                    std::string_view query, const PathParams& params) {
  const Services& services = env_.services;
  return {.request = request,
          .path = path,
          .query = query,
          .params = params,
          .correlation_id = correlation_id_,
          .jobs = services.jobs,
          .deliveries = services.deliveries,
          .leases = services.leases,
          .nodes = services.nodes,
          .pool = services.pool,
          .artifact_dir = services.artifact_dir,
          .webhook_receiver = &env_.webhook_receiver,
          .response = response_,
          .schedules = services.schedules,
          .default_dialect = env_.config.default_dialect,
          .under_api_prefix = UnderApiPrefix(View(request.target())),
          .keys = services.keys,
          .limiter = env_.auth.limiter,
          .auth = &env_.auth,
          .login = env_.login,
          .events = services.events};
}

namespace {

Credentials CredentialsOf(const HttpRequest& request) {
  const http::verb m = request.method();
  return {.authorization = View(request[http::field::authorization]),
          .cookie = View(request[http::field::cookie]),
          .csrf_token = View(request["X-CSRF-Token"]),
          .changes_state = m == http::verb::post || m == http::verb::put ||
                           m == http::verb::patch || m == http::verb::delete_};
}

}  // namespace

asio::awaitable<void> HttpSession::Handle() {
  response_.Reset();
  principal_.reset();
  SetCorrelationId();
  const HttpRequest& request = parser_->get();
  std::string_view query;
  const std::string_view path = Router::NormalizePath(View(request.target()), &query);
  const Router::Match match = env_.router.Find(request.method(), path);
  if (match.kind != Router::MatchKind::kNotFound) route_ = match.pattern;
  RequestContext ctx = Context(request, path, query, match.params);
  if (AnswerCorsPreflight(env_.config.cors_origins, request, match, &response_)) co_return;
  if (auto bad = CheckHead(request)) {
    ctx.Fail(*bad);
  } else if (auto dialect_error = RequestedDialect(View(request["Conveyor-Dialect"]), query,
                                                   ctx.under_api_prefix, &ctx.dialect)) {
    ctx.Fail(*dialect_error);
  } else if (match.kind == Router::MatchKind::kNotFound) {
    ctx.Fail({ErrorKind::kRouteNotFound, "no route " + std::string(View(request.method_string())) +
                                             " " + std::string(path) +
                                             "; the routes are listed in docs/api.md"});
  } else if (match.kind == Router::MatchKind::kMethodNotAllowed) {
    ctx.Fail({ErrorKind::kMethodNotAllowed, std::string(View(request.method_string())) +
                                                " is not allowed here; use " +
                                                std::string(match.allow)});
    response_.allow = match.allow;
  } else if (auto denied = Authorize(env_.auth, match.handler.access, CredentialsOf(request),
                                     &principal_)) {
    ctx.Fail(*denied);
    response_.www_authenticate = denied->kind == ErrorKind::kUnauthorized;
  } else if (auto limited = ChargeKey(env_.auth.limiter, principal_.get(),
                                      ApiKeyUsageKind::kRequests, 1, &response_)) {
    ctx.Fail(*limited);
  } else if (auto hidden = match.names_job ? ScopeJobRoute(principal_.get(), ctx.jobs,
                                                           match.params[0])
                                           : std::nullopt) {
    ctx.Fail(*hidden);
  } else {
    ctx.principal = principal_.get();
    try {
      if (match.handler.async) {
        co_await match.handler.async(ctx);
      } else {
        match.handler.sync(ctx);
      }
    } catch (const std::exception& e) {
      log::Error("http_handler_exception", {{"path", path}, {"what", e.what()}});
      response_.Reset();
      ctx.Fail({ErrorKind::kInternal, "the server failed to handle this request"});
    }
  }
}

asio::awaitable<bool> HttpSession::Write(bool keep_alive) {
  head_.clear();
  if (parser_) SetCorsHeaders(env_.config.cors_origins, parser_->get(), &response_);
  SerializeResponseHead(response_, parser_ ? parser_->get().version() : 11, keep_alive,
                        correlation_id_, &head_);
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_),
                                                  asio::buffer(response_.Body())};
  stream_.expires_after(env_.config.write_timeout);
  auto [ec, n] = co_await asio::async_write(stream_, buffers, kTuple);
  if (ec) co_return false;
  if (response_.streaming) co_return co_await WriteStream();
  co_return !response_.file || co_await WriteFile();
}

asio::awaitable<bool> HttpSession::WriteStream() {
  // A stop requested while the request was handled came before the body existed to hear it.
  if (stopping_) co_return false;
  const std::shared_ptr<StreamingBody> body = response_.streaming;  // alive until Run returns
  WatchForHangUp(body);
  co_await body->Run([this](std::string_view bytes) -> asio::awaitable<bool> {
    stream_.expires_after(env_.config.write_timeout);
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(bytes), kTuple);
    co_return !ec;
  });
  co_return false;  // the close marks the end of a body without a length
}

void HttpSession::WatchForHangUp(std::shared_ptr<StreamingBody> body) {
  // A stream only writes, so without a read a client that went away is noticed at the next
  // write: up to a keep-alive interval later, holding its slot of the node's and its key's stream
  // limits all that time (a reloading dashboard hit the per-key limit). A client sends nothing
  // after its request: any answer to this one-byte read (end of stream, a reset, stray bytes)
  // ends the stream now. One read beside the writes is allowed on TCP and TLS streams alike.
  // No timeout for it: the writes keep theirs (each sets its own expiry before it starts).
  stream_.Tcp().expires_never();
  asio::co_spawn(
      stream_.get_executor(),
      [self = shared_from_this(), body = std::move(body)]() -> asio::awaitable<void> {
        char byte;
        co_await self->stream_.async_read_some(asio::buffer(&byte, 1), kTuple);
        body->Stop();
      },
      asio::detached);
}

asio::awaitable<bool> HttpSession::WriteFile() {
  // One small read per chunk, then an async write: the io thread never holds the whole file
  // nor spends long on one answer, and other connections on it are served between chunks.
  std::vector<char> chunk(kFileChunk);
  uint64_t left = response_.file_size;
  while (left > 0) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(left, chunk.size()));
    const size_t got = std::fread(chunk.data(), 1, want, response_.file.get());
    if (got == 0) co_return false;  // truncated under us: close, the length cannot be kept
    stream_.expires_after(env_.config.write_timeout);
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(chunk.data(), got), kTuple);
    if (ec) co_return false;
    left -= got;
  }
  response_.file.reset();
  co_return true;
}

asio::awaitable<void> HttpSession::CloseAfterLastAnswer() {
  if (!stream_.is_tls()) {
    beast::error_code ignored;  // the peer may be gone already; nothing to do about it
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    co_return;
  }
  stream_.expires_after(kLingerTime);  // close_notify waits for the peer's: not for long
  co_await stream_.ShutdownSend();
}

asio::awaitable<void> HttpSession::LingeringClose() {
  stream_.expires_after(kLingerTime);
  co_await stream_.ShutdownSend();  // the peer may have closed already; we close anyway
  size_t drained = 0;
  while (drained < kLingerBytes) {
    buffer_.clear();
    auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kReadChunk), kTuple);
    if (ec) break;
    drained += n;
  }
}

void HttpSession::RecordMetrics() const {
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started_;
  // to_string(verb), not the request's method text: an unknown method is "<unknown>", so a
  // client cannot add label values.
  const std::string_view method =
      parser_ ? View(http::to_string(parser_->get().method())) : std::string_view("<unknown>");
  observability::metrics::RecordHttpRequest(route_, method, response_.status, took.count());
}

void HttpSession::LogAccess() {
  const unsigned status = response_.status;
  // A 5xx always (warn); every request with --access-log (info) or at the debug level.
  const log::Level level = status >= 500           ? log::Level::kWarn
                           : env_.config.access_log ? log::Level::kInfo
                                                    : log::Level::kDebug;
  if (!log::Enabled(level)) return;
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started_)
                          .count();
  const HttpRequest& request = parser_->get();
  // The route pattern, not the target: a query string may carry ?api_key=, and ids would make
  // every line a new path.
  log::Line line("http.request");
  line.Str("method", View(request.method_string()));
  if (!route_.empty()) line.Str("route", route_);
  line.Int("status", status)
      .Number("duration_ms", static_cast<double>(micros) / 1000.0)
      .Int("bytes", static_cast<int64_t>(response_.body.size() + response_.file_size))
      .Str("correlation_id", correlation_id_);
  if (principal_ && !principal_->key_id.empty()) line.Str("key_id", principal_->key_id);
  beast::error_code ec;
  const auto peer = stream_.socket().remote_endpoint(ec);
  if (!ec) line.Str("remote", peer.address().to_string());
  log::Write(level, line);
}

}  // namespace conveyor::api
