// HttpSession: one client connection — a coroutine on the connection's strand that reads a
// request (with header/body/idle timeouts and size limits), routes it, writes the response and
// loops while the connection is kept alive. The connection is plain TCP or TLS (SessionStream:
// the same code reads and writes both; a TLS one first completes its handshake under the header
// timeout). A CORS preflight is answered before anything else (api/cors.h). SessionRegistry
// lets the server find live sessions to stop them: idle ones close at once, busy ones after
// their response.
// Thread-safety: a session's state is touched only on its strand; RequestStop() and the
// registry may be used from any thread.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

#include "api/auth_check.h"
#include "api/session_resource.h"
#include "api/http_server.h"
#include "api/problem.h"
#include "api/request_context.h"
#include "api/response.h"
#include "api/router.h"
#include "api/session_stream.h"
#include "api/tls_context.h"

namespace conveyor::api {

class HttpSession;
class WebhookReceiver;

class SessionRegistry {
 public:
  // Returns false once StopAll() has run: the new session must stop after its first answer.
  bool Add(HttpSession* session);
  void Remove(HttpSession* session);
  void StopAll();
  // True when every session ended within `timeout`.
  bool WaitEmpty(std::chrono::milliseconds timeout);
  size_t size();
  // Asks the oldest session that waits for a request to close; false when none waits.
  bool CloseOldestIdle();

 private:
  std::mutex mu_;
  std::condition_variable empty_;
  std::map<uint64_t, HttpSession*> sessions_;  // REQUIRES: mu_ held; by age, oldest first
  uint64_t next_id_ = 1;                       // REQUIRES: mu_ held
  bool stopping_ = false;                      // REQUIRES: mu_ held
};

// What every session shares; owned by the server, which outlives its sessions.
struct SessionEnv {
  const Services& services;
  const ServerConfig& config;
  const Router& router;
  SessionRegistry& registry;
  WebhookReceiver& webhook_receiver;
  AuthSettings auth;  // keys null: authentication off
  LoginGuard* login = nullptr;  // the dashboard's login (api/session_resource.h)
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // Starts a session coroutine on the socket's executor (a strand); with `tls`, the connection
  // speaks TLS (handshake first, under the header timeout).
  static void Launch(boost::asio::ip::tcp::socket socket, const SessionEnv& env,
                     TlsContextPtr tls = nullptr);

  HttpSession(boost::asio::ip::tcp::socket socket, const SessionEnv& env, TlsContextPtr tls);
  ~HttpSession();
  // Thread-safe: an idle session closes now, a busy one after its current response.
  void RequestStop();

 private:
  enum class ReadResult { kRequest, kClosed, kRejected };

  boost::asio::awaitable<void> Run();
  boost::asio::awaitable<ReadResult> ReadRequest(bool first);
  ReadResult Reject(boost::beast::error_code ec);
  boost::asio::awaitable<void> Handle();
  // What a route handler gets for the current request: the request, its path and parameters,
  // the services, and the response to fill.
  RequestContext Context(const HttpRequest& request, std::string_view path,
                         std::string_view query, const PathParams& params);
  boost::asio::awaitable<bool> Write(bool keep_alive);
  boost::asio::awaitable<bool> WriteFile();  // the rest of a file response, in chunks
  boost::asio::awaitable<bool> WriteStream();  // a streaming body (Server-Sent Events)
  // Stops `body` as soon as the client closes its side (or sends anything) while it streams.
  void WatchForHangUp(std::shared_ptr<StreamingBody> body);
  boost::asio::awaitable<void> LingeringClose();
  boost::asio::awaitable<void> CloseAfterLastAnswer();
  void SetCorrelationId();
  void LogAccess();
  void RecordMetrics() const;  // the answered request in conveyor_http_requests_total

  SessionStream stream_;
  const SessionEnv& env_;
  boost::beast::flat_buffer buffer_;  // reused across requests; keeps pipelined bytes
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  Response response_;  // reused across requests
  std::string head_;   // the serialised status line and headers, reused
  std::string correlation_id_;
  std::shared_ptr<const auth::Principal> principal_;  // the current request's key, if any
  std::chrono::steady_clock::time_point started_;
  std::string_view route_ = kUnmatchedRoute;  // the router's pattern; lives as long as the router
  friend class SessionRegistry;
  uint64_t registry_id_ = 0;       // set by SessionRegistry::Add
  std::atomic<bool> idle_{false};  // waiting for a request's first byte; any thread reads it
  bool busy_ = false;      // a request is being read in full, handled or answered
  bool stopping_ = false;  // close after the current response
};

}  // namespace conveyor::api
