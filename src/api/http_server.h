// HttpServer: Conveyor's HTTP/1.1 API (docs/api.md) on Boost.Beast with C++20 coroutines.
// A listener accepts connections; each connection is a session coroutine on its own strand doing
// read → route → write with keep-alive and explicit timeouts. `io_threads` threads run one
// io_context. Handlers call the runtime's services (Services below) only; a submit is awaited
// without blocking an io thread.
//
// Lifecycle: Start() binds and serves; Stop() is two-phase — stop accepting, close idle
// keep-alive connections, let in-flight requests finish (up to `shutdown_grace`), then stop the
// threads. Stop() is idempotent, safe before Start(), and called by the destructor.
// With config.tls_cert_file/tls_key_file it speaks HTTPS only (api/tls_context.h has the policy).
// Thread-safety: Start/Stop/port/ReloadTls may be called from any thread, but not from an io
// thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "api/router.h"
#include "core/dialect.h"
#include "core/status.h"

namespace conveyor {
class DeliveryService;
class EventFeed;
class ExternalLeases;
class JobService;
class NodeRegistry;
class ScheduleService;
class WorkerPool;
namespace auth {
class KeyLimiter;
class KeyRing;
}  // namespace auth
}  // namespace conveyor

namespace conveyor::api {

// What the routes call, one service per concern. Owned by the node; every one must outlive the
// server.
struct Services {
  JobService& jobs;               // /jobs: submit, read, list, cancel, retry; /ready, counts
  DeliveryService& deliveries;    // /jobs/{id}/deliveries
  ExternalLeases& leases;         // /leases and the worker routes (heartbeat, complete, fail)
  NodeRegistry& nodes;            // /nodes
  WorkerPool* pool = nullptr;     // null without local workers; /admin/stats and /metrics read it
  std::string artifact_dir;       // GET /jobs/{id}/artifact serves from <artifact_dir>/<job id>/
  ScheduleService* schedules = nullptr;  // /schedules (null: the routes answer 503)
  // The node's API keys (/keys; the gate when ServerConfig::auth_required). Null only in tests
  // that need neither.
  auth::KeyRing* keys = nullptr;
  auth::KeyLimiter* limiter = nullptr;  // rate limits per key (with auth required); null: none
  EventFeed* events = nullptr;  // GET /events (null: the route answers 503)
};

struct ServerConfig {
  std::string listen = "127.0.0.1:8000";  // "host:port"; port 0 picks a free port
  int io_threads = 1;
  size_t max_body_bytes = 1 << 20;                   // larger bodies get 413
  size_t max_header_bytes = 16 << 10;                // larger request heads get 431
  std::chrono::milliseconds header_timeout{10'000};  // first byte → end of headers
  std::chrono::milliseconds body_timeout{30'000};    // end of headers → end of body
  std::chrono::milliseconds idle_timeout{60'000};    // between keep-alive requests
  std::chrono::milliseconds write_timeout{30'000};   // a client that does not read its answer
  std::chrono::milliseconds shutdown_grace{10'000};  // in-flight requests may finish within this
  // Open connections; past it the longest-idle keep-alive connection is closed, or, when none
  // is idle, the new one gets a quick 503 and is closed. 0: DefaultMaxConnections().
  size_t max_connections = 0;
  // Every route but /health and /ready needs an API key (api/auth_check.h). Off only for a
  // server that listens on loopback alone (the serve command enforces that).
  bool auth_required = false;
  bool metrics_open = false;  // --metrics-open: /metrics needs no key (scrapers on a private net)
  // The dashboard's login (api/session_resource.h): a user with the admin scope and its scrypt
  // hash (runtime/auth/password_hash.h), both or neither; the secret that signs sessions
  // (at least 32 bytes; empty: a random one, so sessions end when the process does).
  std::string admin_user;
  std::string admin_password_hash;
  std::string session_secret;
  bool admin_only = false;  // only /health, /ready, /admin/stats and /metrics (conveyor worker)
  // /webhook-receiver checks Standard Webhooks signatures with this secret (WEBHOOK_SECRET);
  // empty: it records every JSON body unchecked. The server owns its receiver and its receipts.
  std::string webhook_receiver_secret;
  // The dialect of {type, payload} submissions without an explicit one (--dialect,
  // CONVEYOR_DIALECT): a team coming from seed 002's stack sets kCompleted.
  Dialect default_dialect = Dialect::kSucceeded;
  // HTTPS: PEM certificate chain and private key (--tls-cert, --tls-key); both or neither.
  // Empty: plain HTTP. Re-read by HttpServer::ReloadTls().
  std::string tls_cert_file;
  std::string tls_key_file;
  // Browser origins allowed to call the API cross-origin (--cors-origin), exact
  // "scheme://host[:port]" strings as CheckCorsOrigins (api/cors.h) accepts; empty: CORS off.
  std::vector<std::string> cors_origins;
  // One info line per request ("http.request": route pattern, status, time, bytes, key id,
  // peer; --access-log). Off: only 5xx answers are logged (warn), and every request at debug.
  bool access_log = false;
};

// RLIMIT_NOFILE's soft limit minus a reserve (a quarter, at least 64) for the store, logs,
// artifacts and command pipes; at least 16, at most 16384.
size_t DefaultMaxConnections();

// True when `listen` ("host:port") names a loopback address (127.0.0.0/8, ::1, localhost).
bool IsLoopbackListen(const std::string& listen);

class HttpServer {
 public:
  HttpServer(Services services, ServerConfig config);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds config.listen and starts serving. InvalidArgument for a malformed listen address,
  // Unavailable when the address cannot be bound (in use, no permission), FailedPrecondition
  // when called twice.
  Status Start();
  // The bound port (useful with port 0); 0 before a successful Start().
  uint16_t port() const;
  // Every route this server answers, with its access rule (the auth test walks them).
  std::vector<Router::RouteInfo> Routes() const;
  void Stop();
  // Re-reads the TLS certificate and key for new connections; open ones keep theirs. On error
  // (a file missing or broken) the current ones stay. FailedPrecondition without TLS.
  Status ReloadTls();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace conveyor::api

namespace conveyor {
using api::HttpServer;
using api::ServerConfig;
}  // namespace conveyor
