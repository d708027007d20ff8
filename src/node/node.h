// Node: one Conveyor process's parts — the store, the job types, the worker pool, the services
// the API calls, maintenance (lease rescue, the node's heartbeat), the HTTP server and the
// webhook dispatcher — built from a NodeConfig in one visible order. `conveyor serve` and `conveyor worker` are: flags →
// NodeConfig → Node::Build → Start → wait for a signal → Stop. (`conveyor bench` starts its
// servers by running the `conveyor serve` binary.)
//
// Build order (each part refers only to the parts above it; they are destroyed in the reverse):
//   1. the store, opened and migrated;
//   2. the handler registry: every job type once, with the node's settings;
//   3. the worker pool (only with workers), the external leases (workers in other processes),
//      the job and delivery services, the queue snapshot refresher, maintenance (lease rescue
//      and the heartbeat, on every node whatever its role), the schedule service and the cron scheduler (leader-only ticks),
//      the HTTP server (which owns /webhook-receiver, checking the
//      webhook secret) and the webhook dispatcher — constructed, none started.
// Start order: the HTTP server listens first, so a node that cannot serve runs no job either;
// then the workers, maintenance and the webhooks. Stop: the same order — the server stops
// accepting and lets in-flight requests finish, then the workers finish or give back their jobs.
//
// Thread-safety: Build, Start and Stop from one thread (the CLI's main thread). Stop() is
// idempotent, safe before Start(), and called by the destructor.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/http_server.h"
#include "core/clock.h"
#include "core/status.h"
#include "handlers/command_handler.h"
#include "handlers/csv/csv_rules.h"
#include "handlers/handler_registry.h"
#include "runtime/auth/key_limiter.h"
#include "runtime/auth/key_ring.h"
#include "runtime/delivery_service.h"
#include "runtime/events/event_feed.h"
#include "runtime/job_service.h"
#include "runtime/maintenance/maintenance.h"
#include "runtime/queue_snapshot_refresher.h"
#include "runtime/runtime_config.h"
#include "runtime/schedule/schedule_service.h"
#include "runtime/schedule/scheduler.h"
#include "runtime/work/external_leases.h"
#include "runtime/work/worker_pool.h"
#include "store/store.h"
#include "webhooks/dispatcher.h"

namespace conveyor {

// Everything a node is built from, already read and checked (the CLI's flags, env and files).
struct NodeConfig {
  std::string store_url;      // as --store / DATABASE_URL name it; see store/store_factory.h
  bool listen_notify = true;  // PostgreSQL: false for --no-listen (PgBouncer transaction mode)
  // How often idle workers look for jobs; unset: by store (PostgreSQL 100 ms without LISTEN,
  // 1000 ms with it; SQLite never, it wakes itself). Overrides runtime.idle_poll_ms.
  std::optional<TimeMs> idle_poll_ms;
  std::string role = kRoleServe;  // in GET /nodes: kRoleServe, kRoleApi or kRoleWorker
  RuntimeConfig runtime;
  // Its webhook_receiver_secret is set by Build to webhooks.secret.
  ServerConfig server;
  // Also the node's one outbound URL policy (webhooks.policy), for http.request,
  // document.pipeline and CSV http(s) inputs.
  WebhookDispatcherConfig webhooks;
  std::vector<CommandSpec> commands;  // command.<name> job types (--commands-file)
  CsvRuleSets csv_rulesets;           // named rule sets of csv.* (--rulesets-file)
  std::string queues_config_file;     // --queues-config (node/queues_config.h); empty: none
  auth::KeyLimits key_limits;         // --key-rate, --key-jobs-rate: keys without their own
  auth::PlanLimits plan_limits = auth::DefaultPlanLimits();  // --plan-rate, --plan-jobs-rate
};

class Node {
 public:
  // Opens and migrates the store, registers the job types and constructs the services; starts
  // nothing. The error names the store (secrets masked) or the job type that failed.
  static Result<std::unique_ptr<Node>> Build(NodeConfig config);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Unavailable / InvalidArgument when the HTTP server cannot listen (then nothing runs).
  Status Start();
  // The HTTP server's bound port (the API, or a worker's admin address); 0 before Start().
  uint16_t port() const;
  bool auth_required() const { return config_.server.auth_required; }
  size_t key_count() const { return keys_.size(); }
  void Stop();
  // SIGHUP: the HTTP server re-reads its TLS certificate and key (HttpServer::ReloadTls).
  Status ReloadTls() { return server_.ReloadTls(); }

 private:
  Node(NodeConfig config, std::unique_ptr<Store> store, HandlerRegistry handlers);

  // Declaration order is construction order (see the top of this file).
  const NodeConfig config_;
  const Clock& clock_;
  std::unique_ptr<Store> store_;
  HandlerRegistry handlers_;
  std::unique_ptr<WorkerPool> pool_;  // null with 0 workers (an API-only node)
  ExternalLeases leases_;
  JobService jobs_;
  QueueSnapshotRefresher queue_refresher_;  // keeps jobs_' queue snapshot fresh
  DeliveryService deliveries_;
  Maintenance maintenance_;
  ScheduleService schedules_;
  Scheduler scheduler_;  // fires cron ticks (leader only); started and stopped with maintenance
  auth::KeyRing keys_;   // API keys, polled from the store; the server's gate when required
  auth::KeyLimiter limiter_;  // rate limits per key, shared through the store on PostgreSQL
  // GET /events' source; outlives the server, whose streams hold subscriptions to it. Local
  // transitions may Poke() it; otherwise it reads every tick.
  EventFeed events_;
  HttpServer server_;
  WebhookDispatcher webhooks_;
};

}  // namespace conveyor
