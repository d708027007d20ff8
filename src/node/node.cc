#include "node/node.h"

#include <atomic>
#include <filesystem>
#include <system_error>
#include <utility>

#include "handlers/builtin_handlers.h"
#include "handlers/csv/csv_input_dirs.h"
#include "handlers/report_handler.h"
#include "api/event_stream.h"
#include "api/schedule_request.h"
#include "observability/job_transition.h"
#include "observability/log.h"
#include "node/queues_config.h"
#include "observability/metrics.h"
#include "store/store_factory.h"

namespace conveyor {
namespace {

bool IsPostgresUrl(const std::string& url) {
  return url.starts_with("postgres://") || url.starts_with("postgresql://");
}

// The URL to open: as given, plus listen_notify=off when a PostgreSQL node must not LISTEN.
std::string OpenUrl(const NodeConfig& c) {
  if (c.listen_notify || !IsPostgresUrl(c.store_url)) return c.store_url;
  return c.store_url + (c.store_url.find('?') == std::string::npos ? "?" : "&") +
         "listen_notify=off";
}

// Other nodes add jobs to a PostgreSQL database behind our back: without a push (LISTEN) idle
// workers poll often; with it, rarely, as a net for a missed notification.
TimeMs IdlePollMs(const NodeConfig& c) {
  if (c.idle_poll_ms) return *c.idle_poll_ms;
  if (!IsPostgresUrl(c.store_url)) return 0;
  return c.listen_notify ? 1000 : 100;
}

Result<std::unique_ptr<Store>> OpenAndMigrate(const NodeConfig& c) {
  const std::string& url = c.store_url;
  Result<std::unique_ptr<Store>> store = OpenStore(OpenUrl(c));
  if (!store.ok()) {
    return Status::InvalidArgument(
        RedactStoreSecrets("cannot open store " + url + ": " + store.status().message(), url));
  }
  if (Status s = (*store)->Migrate(); !s.ok()) {
    return Status::InvalidArgument(
        RedactStoreSecrets("cannot migrate store " + url + ": " + s.message(), url));
  }
  return store;
}

// Every job type once, with the node's settings: document.pipeline's deliver step sends its own
// webhook under the same WEBHOOK_* settings as the dispatcher's; http.request and CSV http(s)
// inputs go out under the same outbound policy; report.generate reads the store.
Status RegisterHandlers(const NodeConfig& c, Store& store, const Clock& clock,
                        HandlerRegistry& handlers) {
  const WebhookDispatcherConfig& w = c.webhooks;
  // Best effort: without it local inputs are refused, which the job's error explains. Made
  // before CsvInputDirs, which resolves the directories it is given.
  std::error_code ignored;
  if (!c.runtime.input_dirs.empty()) {
    std::filesystem::create_directories(c.runtime.input_dirs.front(), ignored);
  }
  const BuiltinHandlerOptions builtins{
      .http_request_policy = w.policy,
      .document_pipeline = {.webhook_secret = w.secret,
                            .delivery_timeout_ms = w.timeout_ms,
                            .max_retries = w.retry.max_retries,
                            .policy = w.policy},
      .csv_rulesets = c.csv_rulesets,
      .csv_sources = {.policy = w.policy, .dirs = CsvInputDirs(c.runtime.input_dirs)}};
  if (Status s = RegisterBuiltinHandlers(handlers, builtins); !s.ok()) return s;
  if (Status s = RegisterReportHandler(handlers, store, clock); !s.ok()) return s;
  for (const CommandSpec& command : c.commands) {
    if (Status s = handlers.Register(std::make_unique<CommandHandler>(command)); !s.ok()) return s;
  }
  return Status::Ok();
}

// The feed that this process's job transitions wake (observability::Publish calls a plain
// function): the running node's, so a local transition reaches GET /events at once rather
// than at the feed's next tick. One node per process; in tests the last started wins.
std::atomic<EventFeed*> g_local_feed{nullptr};

void PokeLocalFeed() {
  if (EventFeed* feed = g_local_feed.load(std::memory_order_acquire)) feed->Poke();
}

}  // namespace

Result<std::unique_ptr<Node>> Node::Build(NodeConfig config) {
  log::SetNode(config.runtime.node_name);
  config.runtime.idle_poll_ms = IdlePollMs(config);
  // /webhook-receiver checks signatures with the secret the node signs its own webhooks with.
  config.server.webhook_receiver_secret = config.webhooks.secret;
  // 1. The store: nothing is built on a store that cannot be opened or migrated.
  Result<std::unique_ptr<Store>> store = OpenAndMigrate(config);
  if (!store.ok()) return store.status();
  if (!config.queues_config_file.empty()) {
    Status s = ApplyQueuesConfig(config.queues_config_file, **store,
                                 SystemClock::Default()->NowMs());
    if (!s.ok()) return s;
  }
  // 2. The job types, before anything that runs or accepts jobs.
  HandlerRegistry handlers;
  const Clock& clock = *SystemClock::Default();
  if (Status s = RegisterHandlers(config, **store, clock, handlers); !s.ok()) return s;
  observability::metrics::DeclareJobTypes(handlers.Types());
  // 3. The services, in the constructor below (member order).
  return std::unique_ptr<Node>(
      new Node(std::move(config), std::move(store).value(), std::move(handlers)));
}

Node::Node(NodeConfig config, std::unique_ptr<Store> store, HandlerRegistry handlers)
    : config_(std::move(config)),
      clock_(*SystemClock::Default()),
      store_(std::move(store)),
      handlers_(std::move(handlers)),
      // A pool only with workers; maintenance runs without one.
      pool_(config_.runtime.workers > 0
                ? std::make_unique<WorkerPool>(*store_, handlers_, clock_, config_.runtime)
                : nullptr),
      // Workers in other processes: POST /leases and the fenced heartbeat/complete/fail routes.
      leases_(*store_, handlers_, clock_, config_.runtime),
      // The job service wakes the pool and the long polls on submit, and cancels running jobs.
      jobs_(*store_, handlers_, clock_, config_.runtime, leases_, pool_.get()),
      // Another node's queue changes reach this one within a second, read or not.
      queue_refresher_(jobs_.queues()),
      deliveries_(*store_, clock_),
      // Lease rescue and the node's row in GET /nodes (with the jobs its workers run); a rescue
      // wakes the pool.
      // Expired jobs may have job.expired deliveries due now: the expirer wakes the dispatcher
      // (constructed below, but only called between Start and Stop, when it exists).
      maintenance_(*store_, clock_, config_.runtime, config_.role, pool_.get(),
                   [this] { webhooks_.Wake(); }),
      // Cron schedules: judged like submits (the same type catalog); each tick is submitted
      // through the job service from a template read by the API's own parser.
      schedules_(*store_, clock_, leases_.types()),
      scheduler_(*store_, clock_, jobs_, &api::ParseScheduleJob),
      keys_(*store_, clock_),
      limiter_(*store_, clock_, config_.key_limits, config_.plan_limits,
               IsPostgresUrl(config_.store_url)),
      events_(*store_, clock_, {.encode = api::EncodeSseEvent}),
      // The pool feeds /admin/stats' and /metrics' worker counters.
      server_({.jobs = jobs_,
               .deliveries = deliveries_,
               .leases = leases_,
               .nodes = maintenance_.nodes(),
               .pool = pool_.get(),
               .artifact_dir = config_.runtime.artifact_dir,
               .schedules = &schedules_,
               .keys = &keys_,
               .limiter = &limiter_,
               .events = &events_},
              config_.server),
      // Every node sends webhooks: deliveries are claimed from the store, so nodes share them.
      webhooks_(*store_, clock_, config_.webhooks) {}

Node::~Node() { Stop(); }

Status Node::Start() {
  // The keys before the API: a server that must check keys never answers without them.
  if (Status s = keys_.Load(); !s.ok()) {
    if (config_.server.auth_required) return Status::Unavailable("cannot read the API keys: " + s.message());
    log::Warn("api_keys_not_loaded", {{"error", s.ToString()}});
  }
  keys_.Start();
  limiter_.Start();
  events_.Start();  // idle until a GET /events subscribes
  g_local_feed.store(&events_, std::memory_order_release);
  observability::SetTransitionListener(&PokeLocalFeed);
  // The API listens first, so a node that cannot serve runs no job either.
  if (Status s = server_.Start(); !s.ok()) return s;
  queue_refresher_.Start();
  if (pool_) pool_->Start();
  maintenance_.Start();
  scheduler_.Start();
  // Not fatal (as before the node existed): jobs still run, and their deliveries wait in the
  // store for another node or a restart.
  if (Status s = webhooks_.Start(); !s.ok()) {
    log::Error("webhooks_not_started", {{"error", s.ToString()}});
  }
  return Status::Ok();
}

uint16_t Node::port() const { return server_.port(); }

void Node::Stop() {
  // The server first: no new requests while the workers wind down.
  server_.Stop();
  EventFeed* self = &events_;
  g_local_feed.compare_exchange_strong(self, nullptr, std::memory_order_acq_rel);
  events_.Stop();  // after the server: its streams have ended
  keys_.Stop();  // writes the last uses
  limiter_.Stop();
  scheduler_.Stop();  // no new ticks while the workers wind down
  if (pool_) pool_->Stop();
  maintenance_.Stop();
  queue_refresher_.Stop();
  webhooks_.Stop();
}

}  // namespace conveyor
