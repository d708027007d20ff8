#include "api/http_server.h"

#include <sys/resource.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <charconv>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "api/artifacts_resource.h"
#include "api/bulk_resource.h"
#include "api/cors.h"
#include "api/dashboard_resource.h"
#include "api/deliveries_resource.h"
#include "api/docs_resource.h"
#include "api/events_resource.h"
#include "api/health_resource.h"
#include "api/history_resource.h"
#include "api/http_session.h"
#include "api/jobs_resource.h"
#include "api/keys_resource.h"
#include "api/leases_resource.h"
#include "api/metrics_resource.h"
#include "api/nodes_resource.h"
#include "api/queues_resource.h"
#include "api/schedules_resource.h"
#include "api/session_resource.h"
#include "api/router.h"
#include "api/tls_context.h"
#include "api/webhook_receiver_resource.h"
#include "api/worker_routes.h"
#include "observability/log.h"
#include "runtime/job_service.h"
#include "runtime/work/external_leases.h"

namespace conveyor::api {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// "host:port", "[v6]:port"; "localhost" means the IPv4 loopback.
Result<tcp::endpoint> ParseListen(const std::string& listen) {
  const auto bad = [&] {
    return Status::InvalidArgument("listen address \"" + listen +
                                   "\" must be host:port, e.g. 127.0.0.1:8000");
  };
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return bad();
  std::string host = listen.substr(0, colon);
  const std::string port_text = listen.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) return bad();
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty() || host == "*") host = "0.0.0.0";
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code aec;
  const auto address = asio::ip::make_address(host, aec);
  if (aec) return bad();
  return tcp::endpoint(address, static_cast<uint16_t>(port));
}

// Answers a connection past the cap without reading its request, then closes it.
asio::awaitable<void> RefuseConnection(boost::beast::tcp_stream stream) {
  static constexpr std::string_view kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n"
      "Retry-After: 1\r\nConnection: close\r\nContent-Length: 167\r\n\r\n"
      R"({"type":"about:blank","title":"Service Unavailable","status":503,)"
      R"("detail":"the server has too many open connections; retry after a second, or raise --max-connections"})";
  stream.expires_after(std::chrono::seconds(2));
  co_await asio::async_write(stream, asio::buffer(kBusy), kTuple);
  boost::system::error_code ignored;  // the client may be gone; the socket closes either way
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

}  // namespace

size_t DefaultMaxConnections() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 16384;
  const size_t soft = limit.rlim_cur;
  const size_t reserve = std::max<size_t>(64, soft / 4);
  return std::clamp<size_t>(soft > reserve ? soft - reserve : 0, 16, 16384);
}

bool IsLoopbackListen(const std::string& listen) {
  const auto endpoint = ParseListen(listen);
  return endpoint.ok() && endpoint->address().is_loopback();
}

namespace {

std::optional<auth::SessionSigner> SessionSignerFor(const ServerConfig& c) {
  if (!c.auth_required) return std::nullopt;
  if (!c.session_secret.empty()) return auth::SessionSigner(c.session_secret);
  return auth::SessionSigner::Random();  // nullopt only when the random generator fails
}

// The dashboard user: every scope (admin), its own rate-limit budget, no tenant.
std::shared_ptr<const auth::Principal> AdminUserPrincipal(const std::string& name) {
  if (name.empty()) return nullptr;
  return std::make_shared<const auth::Principal>(auth::Principal{
      .key_id = "user:" + name, .name = name, .scopes = static_cast<auth::ScopeSet>(auth::Scope::kAdmin)});
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(Services services, ServerConfig config)
      : config_(std::move(config)),
        services_(std::move(services)),
        webhook_receiver_(config_.webhook_receiver_secret),
        sessions_(SessionSignerFor(config_)),
        login_(config_.admin_user, config_.admin_password_hash,
               !config_.tls_cert_file.empty()),
        env_{services_, config_, router_, registry_, webhook_receiver_,
             AuthSettings{.keys = config_.auth_required ? services_.keys : nullptr,
                          .metrics_open = config_.metrics_open,
                          .receiver_signed = !config_.webhook_receiver_secret.empty(),
                          .limiter = config_.auth_required ? services_.limiter : nullptr,
                          .sessions = sessions_ ? &*sessions_ : nullptr,
                          .admin_user = AdminUserPrincipal(config_.admin_user)},
             &login_},
        io_(std::max(1, config_.io_threads)) {
    RegisterHealthRoutes(router_);
    RegisterMetricsRoutes(router_);
    if (config_.admin_only) return;  // a worker node's admin address: health and metrics only
    RegisterBulkRoutes(router_);  // before /jobs/{id}: the first matching pattern decides
    RegisterJobRoutes(router_);
    RegisterHistoryRoutes(router_);
    RegisterArtifactRoutes(router_);
    RegisterWebhookReceiverRoutes(router_);
    RegisterWorkerRoutes(router_);
    RegisterLeaseRoutes(router_);
    RegisterNodeRoutes(router_);
    RegisterQueueRoutes(router_);
    RegisterDeliveryRoutes(router_);
    RegisterScheduleRoutes(router_);
    RegisterKeyRoutes(router_);
    RegisterSessionRoutes(router_);
    RegisterDocsRoutes(router_);
    RegisterDashboardRoutes(router_);
    RegisterEventRoutes(router_);
  }

  Status Start();
  void Stop();
  uint16_t port() const { return port_; }
  std::vector<Router::RouteInfo> Routes() const { return router_.Routes(); }
  Status ReloadTls();

 private:
  Status Bind(const tcp::endpoint& endpoint);
  // Checks the TLS and CORS settings; loads the TLS context when one is configured.
  Status LoadSecurity();
  asio::awaitable<void> Accept();
  // False when the new connection must be refused: at the cap with no idle one to close.
  bool MakeRoom();

  // Declaration order is destruction order in reverse: the io_context (which may still hold
  // session frames after a forced stop) goes before what those sessions refer to.
  const ServerConfig config_;
  const Services services_;
  const size_t max_connections_ =
      config_.max_connections ? config_.max_connections : DefaultMaxConnections();
  Router router_;
  SessionRegistry registry_;
  WebhookReceiver webhook_receiver_;  // /webhook-receiver's secret and receipts
  const std::optional<auth::SessionSigner> sessions_;  // with auth_required
  LoginGuard login_;
  SessionEnv env_;
  asio::io_context io_;
  std::optional<TlsContextHolder> tls_;  // set when the server speaks HTTPS
  std::optional<tcp::acceptor> acceptor_;
  std::vector<std::thread> threads_;
  std::atomic<uint16_t> port_{0};
  std::mutex mu_;
  bool started_ = false;  // REQUIRES: mu_ held
  bool stopped_ = false;  // REQUIRES: mu_ held
};

Status HttpServer::Impl::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_ || stopped_) return Status::FailedPrecondition("the HTTP server was started before");
  if (config_.auth_required && services_.keys == nullptr) {
    return Status::FailedPrecondition("authentication is required but the server has no keys");
  }
  if (config_.auth_required && !sessions_) {
    return Status::Unavailable("the random generator failed; no session secret could be made");
  }
  auto endpoint = ParseListen(config_.listen);
  if (!endpoint.ok()) return endpoint.status();
  if (Status s = LoadSecurity(); !s.ok()) return s;
  if (Status s = Bind(*endpoint); !s.ok()) return s;
  asio::co_spawn(acceptor_->get_executor(), Accept(), asio::detached);
  const int n = std::max(1, config_.io_threads);
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { io_.run(); });
  started_ = true;
  return Status::Ok();
}

Status HttpServer::Impl::LoadSecurity() {
  if (Status s = CheckCorsOrigins(config_.cors_origins); !s.ok()) return s;
  if (Status s = CheckTlsFilePair(config_.tls_cert_file, config_.tls_key_file); !s.ok()) return s;
  if (config_.tls_cert_file.empty()) return Status::Ok();
  tls_.emplace(config_.tls_cert_file, config_.tls_key_file);
  return tls_->Reload();
}

Status HttpServer::Impl::ReloadTls() {
  std::lock_guard<std::mutex> lock(mu_);  // tls_ is set by Start()
  if (!tls_) return Status::FailedPrecondition("the server does not speak TLS: nothing to reload");
  return tls_->Reload();
}

Status HttpServer::Impl::Bind(const tcp::endpoint& endpoint) {
  acceptor_.emplace(asio::make_strand(io_));
  boost::system::error_code ec;
  const auto fail = [&](const char* step) {
    acceptor_.reset();
    return Status::Unavailable("cannot listen on " + config_.listen + " (" + step +
                               "): " + ec.message());
  };
  if (acceptor_->open(endpoint.protocol(), ec)) return fail("open");
  if (acceptor_->set_option(asio::socket_base::reuse_address(true), ec)) return fail("option");
  if (acceptor_->bind(endpoint, ec)) return fail("bind");
  if (acceptor_->listen(asio::socket_base::max_listen_connections, ec)) return fail("listen");
  port_ = acceptor_->local_endpoint(ec).port();
  return Status::Ok();
}

asio::awaitable<void> HttpServer::Impl::Accept() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_->async_accept(asio::make_strand(io_), kTuple);
    if (ec == asio::error::operation_aborted || !acceptor_->is_open()) co_return;
    if (ec) {
      // Out of file descriptors, usually: back off instead of spinning.
      log::Warn("http_accept_failed", {{"error", ec.message()}});
      asio::steady_timer timer(acceptor_->get_executor(), std::chrono::milliseconds(50));
      co_await timer.async_wait(kTuple);
      continue;
    }
    boost::system::error_code ignored;  // Nagle only delays; failing to disable it is harmless
    socket.set_option(tcp::no_delay(true), ignored);
    if (!MakeRoom()) {
      log::Warn("http_connection_refused", {{"reason", "max_connections reached, none idle"}});
      if (tls_) continue;  // a TLS client cannot read a plain 503: the socket just closes
      asio::co_spawn(socket.get_executor(),
                     RefuseConnection(boost::beast::tcp_stream(std::move(socket))), asio::detached);
      continue;
    }
    HttpSession::Launch(tcp::socket(std::move(socket)), env_, tls_ ? tls_->Current() : nullptr);
  }
}

bool HttpServer::Impl::MakeRoom() {
  if (registry_.size() < max_connections_) return true;
  // Closing is asynchronous, so a burst briefly overshoots the cap; the descriptor reserve of
  // DefaultMaxConnections() absorbs it.
  return registry_.CloseOldestIdle();
}

void HttpServer::Impl::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    if (!started_) return;
  }
  // Phase 1: accept no more connections.
  asio::post(acceptor_->get_executor(), [this] {
    boost::system::error_code ignored;  // closing stops the accept loop; nothing else to do
    acceptor_->close(ignored);
  });
  // Phase 2: idle keep-alive connections close now; busy ones after their current answer,
  // and long polls (POST /leases) answer at once.
  services_.leases.Shutdown();
  registry_.StopAll();
  if (!registry_.WaitEmpty(config_.shutdown_grace)) {
    log::Warn("http_shutdown_forced", {{"reason", "requests still running after the grace time"}});
  }
  // A submit's callback may still be returning on the store's writer thread after the session it
  // answered ended; it holds this io_context's executors until it returns.
  if (!services_.jobs.WaitAsyncSubmitsReturned(config_.shutdown_grace)) {
    log::Warn("http_shutdown_forced", {{"reason", "store answers still pending after the grace time"}});
  }
  // The same for AsyncStoreCall's completions on ExternalLeases' helper threads (a long poll's
  // claim, a key or queue route): each holds this io_context's executors until it returns.
  if (!services_.leases.WaitCallsIdle(config_.shutdown_grace)) {
    log::Warn("http_shutdown_forced", {{"reason", "helper calls still running after the grace time"}});
  }
  io_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

HttpServer::HttpServer(Services services, ServerConfig config)
    : impl_(std::make_unique<Impl>(std::move(services), std::move(config))) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() { return impl_->Start(); }
uint16_t HttpServer::port() const { return impl_->port(); }
std::vector<Router::RouteInfo> HttpServer::Routes() const { return impl_->Routes(); }
void HttpServer::Stop() { impl_->Stop(); }
Status HttpServer::ReloadTls() { return impl_->ReloadTls(); }

}  // namespace conveyor::api
