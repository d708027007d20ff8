// `conveyor serve` and `conveyor worker`: flags → NodeConfig → Node (node/node.h), which runs
// the API, the workers and maintenance in one process until SIGTERM/SIGINT.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "api/http_server.h"
#include "cli/commands.h"
#include "cli/serve_auth_flags.h"
#include "cli/serve_security_flags.h"
#include "cli/serve_retention_flags.h"
#include "cli/serve_webhook_flags.h"
#include "core/duration_text.h"
#include "handlers/command_handler.h"
#include "handlers/csv/csv_rules.h"
#include "node/node.h"
#include "observability/log.h"
#include "runtime/job_spec.h"
#include "runtime/maintenance/node_registry.h"
#include "runtime/runtime_config.h"
#include "runtime/type_catalog.h"
#include "store/store_factory.h"

namespace conveyor::cli {
namespace {

// Defaults come from the owners' structs, so the flags never disagree with the library.
struct ServeOptions {
  std::string listen = ServerConfig{}.listen;
  std::string store;
  int workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string port_file;
  double lease_s = RuntimeConfig{}.lease_ms / 1000.0;
  int64_t retry_base_ms = RuntimeConfig{}.retry.base_ms;
  int64_t retry_cap_ms = RuntimeConfig{}.retry.cap_ms;
  int max_attempts = -1;  // --max-attempts; -1: not given
  int max_retries = -1;   // --max-retries / MAX_RETRIES; -1: not given
  int timeout_s = RuntimeConfig{}.default_timeout_s;
  std::size_t max_body_bytes = ServerConfig{}.max_body_bytes;
  int64_t rescue_interval_ms = RuntimeConfig{}.rescue_interval_ms;
  std::string node_name;
  std::string role = kRoleServe;  // kRoleWorker for `conveyor worker`
  std::string admin_listen = "127.0.0.1:0";  // `conveyor worker`: /health and /metrics only
  int io_threads = ServerConfig{}.io_threads;
  bool debug = false;           // --debug / DEBUG=1: the same as --log-level debug
  std::string log_level = "info";  // --log-level: debug | info | warn | error
  bool access_log = false;         // --access-log: one line per HTTP request
  std::string commands_file;  // operator-declared command.<name> job types
  std::string data_dir;       // job artifacts go to <data_dir>/artifacts/<job id>/
  std::string rulesets_file;        // named rule sets for csv.validate / csv.correct
  std::vector<std::string> input_dirs;  // csv.* local inputs, besides <data_dir>/inputs
  WebhookSettings webhooks;
  SecuritySettings security;      // TLS, CORS, header timeout (cli/serve_security_flags.h)
  bool no_listen = false;         // PostgreSQL: no LISTEN/NOTIFY (PgBouncer transaction mode)
  int64_t poll_interval_ms = -1;  // idle workers look for work this often; -1: by store
  std::size_t max_connections = 0;  // 0: api::DefaultMaxConnections()
  std::string dialect = "succeeded";  // answers to {type, payload} submissions (core/dialect.h)
  std::string external_types;       // --external-types: comma-separated names, prefixes, "*"
  std::string queues;               // --queues: comma-separated queue names this node serves
  std::string queues_config;        // --queues-config: a JSON file of queue settings
  std::string idempotency_window = "24h";  // --idempotency-window (core/duration_text.h); 0: ever
  AuthFlags auth;                          // --auth, --metrics-open (cli/serve_auth_flags.h)
  RetentionFlags retention;                // --retain-* (cli/serve_retention_flags.h)
};

// A CLI11 validator: "" when `text` is a duration (core/duration_text.h), else what would be.
std::string IsDuration(const std::string& text) {
  return ParseDurationMs(text) ? std::string() : "must be " + DurationRule();
}

// A CLI11 validator: "" when `name` names a dialect, else what would.
std::string IsDialectName(const std::string& name) {
  return ParseDialect(name) ? std::string() : "must be one of " + std::string(DialectNames());
}

// A CLI11 validator: "" when `name` names a log level, else what would.
std::string IsLogLevel(const std::string& name) {
  return log::ParseLevel(name) ? std::string() : "must be debug, info, warn or error";
}

void AddLogFlags(CLI::App& cmd, ServeOptions& o) {
  cmd.add_option("--log-level", o.log_level,
                 "Lowest level logged: debug, info (each job's transitions), warn or error")
      ->envname("CONVEYOR_LOG_LEVEL")->check(IsLogLevel)->capture_default_str();
  cmd.add_flag("--debug", o.debug, "Log debug lines (--log-level debug)")->envname("DEBUG");
  cmd.add_flag("--access-log", o.access_log,
               "Log one line per HTTP request (route, status, time, bytes, key id, peer)")
      ->envname("CONVEYOR_ACCESS_LOG");
}

void AddAddressFlags(CLI::App& cmd, ServeOptions& o) {
  cmd.add_option("--listen", o.listen, "HOST:PORT to listen on (port 0: any free port)")
      ->envname("CONVEYOR_LISTEN")->capture_default_str();
  AddStoreOption(cmd, o.store);
  cmd.add_option("--port-file", o.port_file, "Write the bound port to this file once listening")
      ->envname("CONVEYOR_PORT_FILE");
  cmd.add_option("--node-name", o.node_name, "Name of this node in leases and logs")
      ->envname("CONVEYOR_NODE_NAME")->default_str("hostname-pid");
  cmd.add_option("--io-threads", o.io_threads, "Threads serving HTTP")
      ->envname("CONVEYOR_IO_THREADS")->check(CLI::Range(1, 256))->capture_default_str();
  cmd.add_option("--max-body-bytes", o.max_body_bytes, "Largest request body accepted (413 above)")
      ->envname("CONVEYOR_MAX_BODY_BYTES")->check(CLI::Range(1024ul, 1ul << 30))
      ->capture_default_str();
  AddLogFlags(cmd, o);
  cmd.add_option("--max-connections", o.max_connections,
                 "Open HTTP connections; past it the oldest idle one closes, else 503 (0: from "
                 "the open-file limit)")
      ->envname("CONVEYOR_MAX_CONNECTIONS")->check(CLI::Range(0ul, 1ul << 20))
      ->capture_default_str();
  cmd.add_option("--dialect", o.dialect,
                 "Vocabulary of answers to {type, payload} submissions: succeeded (Conveyor's), "
                 "success, completed or queued (docs/api.md, \"Coming from another stack\")")
      ->envname("CONVEYOR_DIALECT")->check(IsDialectName)->capture_default_str();
}

void AddRuntimeFlags(CLI::App& cmd, ServeOptions& o) {
  cmd.add_option("--workers", o.workers, "Worker threads running jobs (0: API only; default: cores)")
      ->envname("CONVEYOR_WORKERS")->check(CLI::Range(0, 4096))->capture_default_str();
  cmd.add_option("--lease-s", o.lease_s, "Lease per attempt, in seconds (renewed while running)")
      ->envname("CONVEYOR_LEASE_S")->check(CLI::Range(0.1, 86400.0))->capture_default_str();
  cmd.add_option("--retry-base-ms", o.retry_base_ms, "First retry's backoff bound, in ms")
      ->envname("CONVEYOR_RETRY_BASE_MS")->check(CLI::Range(int64_t{1}, int64_t{86400000}))
      ->capture_default_str();
  cmd.add_option("--retry-cap-ms", o.retry_cap_ms, "Largest backoff between attempts, in ms")
      ->envname("CONVEYOR_RETRY_CAP_MS")->check(CLI::Range(int64_t{1}, int64_t{604800000}))
      ->capture_default_str();
  cmd.add_option("--max-attempts", o.max_attempts, "Default attempts per job, the first included")
      ->check(CLI::Range(1, kMaxMaxAttempts))
      ->default_str(std::to_string(RuntimeConfig{}.default_max_attempts));
  cmd.add_option("--max-retries", o.max_retries,
                 "Default retries after the first attempt, as Celery counts them (attempts = 1 + "
                 "this); not with --max-attempts")
      ->envname("MAX_RETRIES")->check(CLI::Range(0, kMaxMaxAttempts - 1));
  cmd.add_option("--timeout-s", o.timeout_s, "Default time limit per attempt, in seconds")
      ->envname("TASK_TIME_LIMIT")->check(CLI::Range(1, kMaxTimeoutS))->capture_default_str();
  cmd.add_option("--rescue-interval-ms", o.rescue_interval_ms, "How often expired leases are rescued")
      ->envname("CONVEYOR_RESCUE_INTERVAL_MS")->check(CLI::Range(int64_t{10}, int64_t{3600000}))
      ->capture_default_str();
  cmd.add_option("--commands-file", o.commands_file,
                 "JSON file declaring the command.<name> job types (docs/operations.md)")
      ->envname("CONVEYOR_COMMANDS_FILE");
  cmd.add_option("--data-dir", o.data_dir,
                 "Directory for job artifacts (<data-dir>/artifacts/<job id>/: reports, CSVs)")
      ->envname("CONVEYOR_DATA_DIR")->default_str("the SQLite file's directory, else ./data");
  cmd.add_option("--input-dir", o.input_dirs,
                 "Directory csv.validate/csv.correct may read local inputs from, besides "
                 "<data-dir>/inputs (repeatable; CONVEYOR_INPUT_DIRS: a ':'-separated list)")
      ->envname("CONVEYOR_INPUT_DIRS");
  cmd.add_option("--rulesets-file", o.rulesets_file,
                 "JSON file of named CSV rule sets for csv.validate/csv.correct (docs/handlers.md)")
      ->envname("CONVEYOR_RULESETS_FILE");
  cmd.add_flag("--no-listen", o.no_listen,
               "PostgreSQL: no LISTEN/NOTIFY; workers poll instead (for PgBouncer transaction mode)")
      ->envname("CONVEYOR_NO_LISTEN");
  cmd.add_option("--poll-interval-ms", o.poll_interval_ms,
                 "Idle workers look for jobs this often (default: PostgreSQL 100 with --no-listen, "
                 "1000 with LISTEN; SQLite never, it wakes itself)")
      ->envname("CONVEYOR_POLL_INTERVAL_MS")->check(CLI::Range(int64_t{10}, int64_t{60000}));
  cmd.add_option("--queues", o.queues,
                 "The queues this node's workers take jobs from, comma-separated (Celery's -Q); "
                 "default: every queue")
      ->envname("CONVEYOR_QUEUES");
  cmd.add_option("--queues-config", o.queues_config,
                 "A JSON file of queue settings and job-type rate limits applied at start "
                 "(docs/scheduling.md)")
      ->envname("CONVEYOR_QUEUES_CONFIG");
  cmd.add_option("--external-types", o.external_types,
                 "Job types external workers serve, comma-separated: names, prefixes such as "
                 "images.*, or * for every type; other types no handler serves get 422 unless "
                 "a worker's POST /leases named them (docs/operations.md)")
      ->envname("CONVEYOR_EXTERNAL_TYPES");
  cmd.add_option("--idempotency-window", o.idempotency_window,
                 "How long a job holds its idempotency key, from its submit; a later submit with "
                 "the key makes a new job (0: for ever; docs/scheduling.md)")
      ->envname("CONVEYOR_IDEMPOTENCY_WINDOW")->check(IsDuration)->capture_default_str();
}

// --data-dir, by default next to the SQLite file (./data for the default store).
std::string DataDir(const ServeOptions& o) {
  if (!o.data_dir.empty()) return o.data_dir;
  std::string_view file = o.store;
  for (std::string_view prefix : {"sqlite://", "sqlite:"}) {
    if (file.starts_with(prefix)) file.remove_prefix(prefix.size());
  }
  if (file.size() == o.store.size() && !file.ends_with(".db")) return "./data";  // not SQLite
  const auto parent = std::filesystem::path(file).parent_path();
  return parent.empty() ? "." : parent.string();
}

// <data-dir>/inputs, then each --input-dir; a value may list several, ':'-separated (as the
// environment variable does).
std::vector<std::string> InputDirs(const ServeOptions& o) {
  std::vector<std::string> dirs = {(std::filesystem::path(DataDir(o)) / "inputs").string()};
  for (const std::string& value : o.input_dirs) {
    for (size_t start = 0; start <= value.size();) {
      const size_t end = std::min(value.find(':', start), value.size());
      if (end > start) dirs.push_back(value.substr(start, end - start));
      start = end + 1;
    }
  }
  return dirs;
}

RuntimeConfig ToRuntimeConfig(const ServeOptions& o) {
  RuntimeConfig c;
  c.node_name = o.node_name.empty() ? NodeRegistry::DefaultName() : o.node_name;
  c.workers = o.workers;
  c.lease_ms = static_cast<TimeMs>(o.lease_s * 1000);
  c.rescue_interval_ms = o.rescue_interval_ms;
  if (o.max_attempts > 0) c.default_max_attempts = o.max_attempts;
  if (o.max_retries >= 0) c.default_max_attempts = 1 + o.max_retries;
  c.default_timeout_s = o.timeout_s;
  c.retry.base_ms = o.retry_base_ms;
  c.retry.cap_ms = std::max(o.retry_cap_ms, o.retry_base_ms);
  c.artifact_dir = (std::filesystem::path(DataDir(o)) / "artifacts").string();
  c.input_dirs = InputDirs(o);
  c.idempotency_window_ms = ParseDurationMs(o.idempotency_window).value_or(0);  // checked by CLI11
  c.retention = ToRetentionConfig(o.retention);
  return c;
}

Result<ServerConfig> ToServerConfig(const ServeOptions& o) {
  ServerConfig c;
  c.listen = o.role == kRoleWorker ? o.admin_listen : o.listen;
  c.admin_only = o.role == kRoleWorker;
  c.io_threads = o.io_threads;
  c.max_body_bytes = o.max_body_bytes;
  c.max_connections = o.max_connections;
  c.default_dialect = ParseDialect(o.dialect).value_or(Dialect::kSucceeded);  // checked by CLI11
  Result<bool> auth = AuthRequired(o.auth, c.listen);
  if (!auth.ok()) return auth.status();
  c.auth_required = *auth;
  c.metrics_open = o.auth.metrics_open;
  c.access_log = o.access_log;
  if (Status s = c.admin_only ? Status::Ok() : ApplyLoginFlags(o.auth, &c); !s.ok()) return s;
  return c;
}

int Fail(const std::string& message) {
  std::cerr << "conveyor serve: " << message << "\n";
  return kExitUsage;
}

// Written to a temp file and renamed, so a reader never sees a half-written port.
bool WritePortFile(const std::string& path, uint16_t port) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

// Blocked in every thread (threads inherit the mask), so only sigwait() below sees them.
// SIGHUP too when it means "reload the TLS files"; otherwise it keeps its default (terminate).
sigset_t BlockShutdownSignals(bool hangup_reloads) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (hangup_reloads) sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int WaitForShutdownSignal(const sigset_t& set) {
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig;
}

std::string HostOf(const std::string& listen) {
  auto colon = listen.rfind(':');
  return colon == std::string::npos ? listen : listen.substr(0, colon);
}

// Says at start whether keys are checked; a dev server without them says every route is open.
void AnnounceAuth(const ServeOptions& o, const Node& node) {
  if (!node.auth_required()) {
    log::Info("auth", {{"mode", "off"},
                       {"note", "loopback-only dev server: every route is open to local "
                                "processes (--auth on checks API keys)"}});
    return;
  }
  const size_t keys = node.key_count();
  log::Info("auth", {{"mode", "on"}, {"keys", std::to_string(keys)},
                     {"metrics", o.auth.metrics_open ? "open" : "admin key"}});
  if (keys == 0) {
    std::cerr << "conveyor: no API keys yet: every route but /health and /ready answers 401. "
                 "Create one with `conveyor keys create --store <the same store> --name admin "
                 "--scopes admin` (it takes effect within a second)\n";
  }
}

// SIGHUP: new connections get the re-read certificate and key; a bad file keeps the old ones.
void ReloadTls(Node& node) {
  if (Status s = node.ReloadTls(); !s.ok()) {
    log::Error("tls_reload_failed", {{"error", s.message()}, {"kept", "the previous certificate"}});
    return;
  }
  log::Info("tls_reloaded");
}

// Runs between Start() and Stop(): announce, then wait for a signal.
int ServeUntilSignal(const ServeOptions& o, Node& node, const sigset_t& signals) {
  if (!o.port_file.empty() && !WritePortFile(o.port_file, node.port())) {
    return Fail("cannot write --port-file " + o.port_file);
  }
  std::string address = HostOf(o.listen) + ":" + std::to_string(node.port());
  log::Info("listening", {{"address", address}, {"store", RedactStoreSecrets(o.store, o.store)},
                          {"workers", std::to_string(o.workers)}});
  AnnounceAuth(o, node);
  int sig = WaitForShutdownSignal(signals);
  for (; sig == SIGHUP; sig = WaitForShutdownSignal(signals)) ReloadTls(node);
  log::Info("shutting_down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  return kExitOk;
}

const char* RoleOf(const ServeOptions& o) {
  if (o.role == kRoleWorker) return kRoleWorker;
  return o.workers > 0 ? kRoleServe : kRoleApi;
}

// "a, b" → {"a", "b"}; empty entries dropped.
std::vector<std::string> SplitQueueNames(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string name = text.substr(start, end - start);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    if (!name.empty()) out.push_back(std::move(name));
    start = end + 1;
  }
  return out;
}

// The flags, plus the files they name, as the node's configuration. The files are read before
// the store opens, so a bad one stops the node before it does anything.
Result<NodeConfig> ToNodeConfig(const ServeOptions& o) {
  if (o.max_attempts > 0 && o.max_retries >= 0) {
    return Status::InvalidArgument(
        "give either --max-attempts (attempts in all, the first included) or --max-retries / "
        "MAX_RETRIES (retries after the first attempt), not both: --max-attempts " +
        std::to_string(o.max_attempts) + " and --max-retries " + std::to_string(o.max_retries) +
        " were given");
  }
  Result<std::vector<std::string>> external_types = ParseExternalTypes(o.external_types);
  if (!external_types.ok()) return external_types.status();
  Result<ServerConfig> server = ToServerConfig(o);
  if (!server.ok()) return server.status();
  NodeConfig c{.store_url = o.store,
               .listen_notify = !o.no_listen,
               .role = RoleOf(o),
               .runtime = ToRuntimeConfig(o),
               .server = std::move(server).value()};
  if (o.poll_interval_ms > 0) c.idle_poll_ms = o.poll_interval_ms;
  c.runtime.external_types = std::move(external_types).value();
  c.runtime.queues = SplitQueueNames(o.queues);
  c.queues_config_file = o.queues_config;
  c.key_limits = KeyLimitsOf(o.auth);
  c.plan_limits = PlanLimitsOf(o.auth);
  if (!o.commands_file.empty()) {
    Result<std::vector<CommandSpec>> loaded = LoadCommandsFile(o.commands_file);
    if (!loaded.ok()) {
      return Status::InvalidArgument("bad --commands-file " + loaded.status().message());
    }
    c.commands = std::move(loaded).value();
  }
  if (!o.rulesets_file.empty()) {
    Result<CsvRuleSets> loaded = LoadCsvRuleSetsFile(o.rulesets_file);
    if (!loaded.ok()) {
      return Status::InvalidArgument("bad --rulesets-file " + loaded.status().message());
    }
    c.csv_rulesets = std::move(loaded).value();
  }
  // `conveyor worker` has no API address to judge: it gets the strict outbound policy.
  const bool loopback_only = o.role != kRoleWorker && ListensOnLoopbackOnly(o.listen);
  Result<WebhookDispatcherConfig> webhooks = ToWebhookDispatcherConfig(o.webhooks, loopback_only);
  if (!webhooks.ok()) return webhooks.status();
  c.webhooks = std::move(webhooks).value();
  if (Status s = ApplySecuritySettings(o.security, &c.server); !s.ok()) return s;
  return c;
}

int RunServe(const ServeOptions& o) {
  sigset_t signals = BlockShutdownSignals(!o.security.tls_cert_file.empty());
  const log::Level level = log::ParseLevel(o.log_level).value_or(log::Level::kInfo);  // checked
  log::Init(o.debug ? log::Level::kDebug : level);
  Result<NodeConfig> config = ToNodeConfig(o);
  if (!config.ok()) return Fail(config.status().message());
  const UrlPolicy& policy = config->webhooks.policy;
  const bool private_allowed = policy.allow_private;
  const size_t admitted = policy.admit_hosts.size() + policy.admit_cidrs.size();
  Result<std::unique_ptr<Node>> node = Node::Build(std::move(config).value());
  if (!node.ok()) return Fail(node.status().message());
  // Logged after Build, which names the node in every line.
  log::Info("outbound_policy", {{"private_destinations", private_allowed ? "allowed" : "refused"},
                                {"admitted", admitted}});
  if (Status started = (*node)->Start(); !started.ok()) return Fail(started.message());
  int code = ServeUntilSignal(o, **node, signals);
  (*node)->Stop();
  if (code == kExitOk) log::Info("stopped");
  // The lines still queued for the log's writer thread are written before the process exits.
  log::Shutdown();
  return code;
}

}  // namespace

void AddServeCommand(CLI::App& app, CommandRunner& run) {
  auto opts = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "Run the API, the workers and maintenance until SIGTERM");
  AddAddressFlags(*cmd, *opts);
  AddRuntimeFlags(*cmd, *opts);
  AddRetentionFlags(*cmd, opts->retention);
  AddWebhookFlags(*cmd, opts->webhooks);
  AddAuthFlags(*cmd, opts->auth);
  AddApiAuthFlags(*cmd, opts->auth);
  AddTlsFlags(*cmd, opts->security);
  AddCorsFlags(*cmd, opts->security);
  cmd->callback([&run, opts] { run = [opts] { return RunServe(*opts); }; });
}

// `conveyor worker`: the same node without the public API. Its workers claim from the shared
// store; /health, /ready and /metrics answer on --admin-listen (port 0: any free port, written
// to --port-file).
void AddWorkerCommand(CLI::App& app, CommandRunner& run) {
  auto opts = std::make_shared<ServeOptions>();
  opts->role = kRoleWorker;
  auto* cmd = app.add_subcommand("worker", "Run workers only (no public API) until SIGTERM");
  cmd->add_option("--admin-listen", opts->admin_listen, "HOST:PORT for /health and /metrics")
      ->envname("CONVEYOR_ADMIN_LISTEN")->capture_default_str();
  AddStoreOption(*cmd, opts->store);
  cmd->add_option("--port-file", opts->port_file, "Write the admin port to this file once listening")
      ->envname("CONVEYOR_PORT_FILE");
  cmd->add_option("--node-name", opts->node_name, "Name of this node in leases and logs")
      ->envname("CONVEYOR_NODE_NAME")->default_str("hostname-pid");
  AddLogFlags(*cmd, *opts);
  AddRuntimeFlags(*cmd, *opts);
  AddRetentionFlags(*cmd, opts->retention);
  AddWebhookFlags(*cmd, opts->webhooks);
  AddAuthFlags(*cmd, opts->auth);
  AddTlsFlags(*cmd, opts->security);
  cmd->callback([&run, opts] { run = [opts] { return RunServe(*opts); }; });
}

}  // namespace conveyor::cli
