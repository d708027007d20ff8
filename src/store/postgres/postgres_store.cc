#include "store/postgres/postgres_store.h"

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "core/secret_redaction.h"
#include "store/postgres/pg_api_keys.h"
#include "store/postgres/pg_async_runner.h"
#include "store/postgres/pg_delivery_ops.h"
#include "store/postgres/pg_insert_coalescer.h"
#include "store/postgres/pg_job_ops.h"
#include "store/postgres/pg_leader.h"
#include "store/postgres/pg_listener.h"
#include "store/postgres/pg_node_ops.h"
#include "store/postgres/pg_schedules.h"
#include "store/store_api_key_rows.h"
#include "store/store_schedule_rows.h"
#include "store/postgres/pg_notifier.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_queries.h"
#include "store/postgres/pg_schema.h"
#include "store/postgres/pg_tenants.h"
#include "store/store_insert_resolution.h"
#include "store/store_job_ops.h"

namespace conveyor {
namespace {

// One first try, one more after a lost connection or a deadlock, then a last one.
constexpr int kMaxAttempts = 3;

int64_t WallClockMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

constexpr const char* kHasMigrationsTable = "SELECT to_regclass('schema_migrations') IS NOT NULL";
constexpr const char* kSelectMigrationVersions = "SELECT version FROM schema_migrations";

// Where the database's schema stands against this binary's migrations.
Result<SchemaVersion> SchemaVersionIn(PgConnection& c) {
  std::vector<int> recorded;
  auto has_table = c.Exec(kHasMigrationsTable);
  if (!has_table.ok()) return has_table.status();
  if (has_table->Int(0, 0) != 0) {
    auto versions = c.Exec(kSelectMigrationVersions);
    if (!versions.ok()) return versions.status();
    for (int i = 0; i < versions->rows(); ++i) {
      recorded.push_back(static_cast<int>(versions->Int(i, 0)));
    }
  }
  std::vector<int> known;
  for (const auto& m : pg_schema::kMigrations) known.push_back(m.version);
  return SchemaVersionOf(recorded, known);
}

Result<bool> ApplyMigrations(PgConnection& c) {
  // Nodes migrating at once wait for each other however long a migration takes: no lock_timeout
  // (PgConnection::Connect sets one) for this transaction.
  if (Status s = c.Run("SET LOCAL lock_timeout = 0"); !s.ok()) return s;
  // Serialises nodes migrating at once; released at COMMIT or ROLLBACK.
  auto lock = c.Exec(pg_schema::kLockMigrations);
  if (!lock.ok()) return lock.status();
  if (Status s = c.Run(pg_schema::kCreateMigrationsTable); !s.ok()) return s;
  Result<SchemaVersion> version = SchemaVersionIn(c);
  if (!version.ok()) return version.status();
  if (Status s = CheckSchemaNotNewer(*version); !s.ok()) return s;
  for (const auto& m : pg_schema::kMigrations) {
    auto applied = c.Exec(pg_schema::kSelectMigrationVersion, {PgInt(m.version)});
    if (!applied.ok()) return applied.status();
    if (applied->Int(0, 0) > 0) continue;
    if (Status s = c.Run(m.sql); !s.ok()) {
      return Status(
          s.code() == StatusCode::kUnavailable
              ? s
              : Status::Internal("migration " + std::to_string(m.version) + ": " + s.message()));
    }
    auto record = c.Exec(pg_schema::kInsertMigration, {PgInt(m.version), PgInt(WallClockMs())});
    if (!record.ok()) return record.status();
  }
  return true;
}

Status StatusOf(const Result<bool>& r) { return r.ok() ? Status::Ok() : r.status(); }

}  // namespace

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(PostgresOptions options) {
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(options.url.c_str(), &error);
  if (parsed == nullptr) {
    std::string why = error != nullptr ? error : "cannot parse it";
    PQfreemem(error);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    // libpq quotes the token it could not parse, which may be (part of) the password.
    return Status::InvalidArgument("bad PostgreSQL URL: " +
                                   RedactSecrets(why, {PasswordIn(options.url)}));
  }
  PQconninfoFree(parsed);
  if (options.pool_size < 1 || options.async_threads < 1) {
    return Status::InvalidArgument("pool_size and async_threads must be at least 1");
  }
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(options)));
}

PostgresStore::PostgresStore(PostgresOptions options)
    : options_(std::move(options)),
      readiness_(std::make_unique<StoreReadiness>()),
      pool_(std::make_unique<PgPool>(options_.url, options_.pool_size)),
      leader_(std::make_unique<PgLeader>(options_.url)),
      notifier_(options_.listen_notify ? std::make_unique<PgNotifier>(options_.url) : nullptr),
      async_(std::make_unique<PgAsyncRunner>(options_.async_threads)) {
  // A quarter of the async threads merge single submits (the rest stay free for batch submits):
  // while those wait for their WAL flush, the submits arriving meanwhile gather into the next
  // insert. Two merging inserts instead of four made groups twice as large and PostgreSQL's CPU
  // per job ~8 % lower under 64 submitting connections (docs/performance.md).
  coalescer_ = std::make_unique<PgInsertCoalescer>(
      *async_, [this](const JobInsertManyParams& p) { return JobInsertMany(p); },
      std::max(1, options_.async_threads / 4));
  // The probe: an empty BEGIN/COMMIT on a pooled connection, off the caller's thread; Run()
  // records its outcome like any write's.
  readiness_->SetProbe([this](StoreReadiness::ProbeDone done) {
    async_->Post([this, done = std::move(done)] {
      done(StatusOf(Write<bool>([](PgConnection&) -> Result<bool> { return true; })));
    });
  });
}

PostgresStore::~PostgresStore() {
  async_.reset();  // finish queued inserts while the pool still exists
  listener_.reset();
}

template <class T>
Result<T> PostgresStore::RunOnce(PgConnection& c, bool transaction,
                                 const std::function<Result<T>(PgConnection&)>& fn,
                                 bool& committing) {
  if (!transaction) return fn(c);
  if (Status s = c.Run("BEGIN"); !s.ok()) return s;
  Result<T> out = fn(c);
  const bool notify = c.TakeNotifyRequest() && options_.listen_notify;
  if (!out.ok()) {
    // A failed or lost connection has no transaction left to roll back; nothing to report.
    if (!c.broken()) (void)c.Run("ROLLBACK");
    return out;
  }
  committing = true;
  if (Status s = c.Run("COMMIT"); !s.ok()) return s;
  if (notify) notifier_->Notify();  // after COMMIT: see pg_notifier.h for why
  return out;
}

template <class T>
Result<T> PostgresStore::Run(bool transaction, const std::function<Result<T>(PgConnection&)>& fn) {
  Result<T> out = RunRetrying<T>(transaction, fn);
  if (transaction) {
    // Only Unavailable says the database could not take the write (unreachable, out of
    // connections or disk, a lost COMMIT); any other answer came from a working database.
    const Status& s = out.status();
    readiness_->RecordWrite(s.code() == StatusCode::kUnavailable ? s : Status::Ok());
  }
  return out;
}

template <class T>
Result<T> PostgresStore::RunRetrying(bool transaction,
                                     const std::function<Result<T>(PgConnection&)>& fn) {
  Status last;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto lease = pool_->Acquire();
    if (!lease.ok()) return lease.status();
    PgConnection& c = lease->conn();
    bool committing = false;
    Result<T> out = RunOnce<T>(c, transaction, fn, committing);
    if (out.ok()) return out;
    last = out.status();
    // Cut off before COMMIT: nothing was written, so a fresh connection may do it. A lost COMMIT
    // has an unknown outcome and is reported, not repeated.
    if (c.broken()) pool_->DropIdle();
    const bool lost = c.broken() && !committing;
    if (!lost && !IsPgRetryable(c.last_sqlstate())) return last;
  }
  return last;
}

Status PostgresStore::Migrate() {
  return StatusOf(Write<bool>([](PgConnection& c) { return ApplyMigrations(c); }));
}

Result<SchemaVersion> PostgresStore::SchemaVersionGet() {
  return Read<SchemaVersion>([](PgConnection& c) { return SchemaVersionIn(c); });
}

Status PostgresStore::Ping() {
  return StatusOf(Read<bool>([](PgConnection& c) -> Result<bool> {
    auto r = c.Exec(pg_queries::kPing);
    if (!r.ok()) return r.status();
    return true;
  }));
}

Status PostgresStore::Readiness() { return readiness_->Check(); }

Result<std::vector<InsertOutcome>> PostgresStore::JobInsertMany(const JobInsertManyParams& p) {
  return Write<std::vector<InsertOutcome>>(
      [&p](PgConnection& c) { return pg_ops::JobInsertMany(c, p); });
}

void PostgresStore::JobInsertManyAsync(
    JobInsertManyParams p, std::function<void(Result<std::vector<InsertOutcome>>)> done) {
  auto call = std::make_shared<std::pair<JobInsertManyParams, decltype(done)>>(std::move(p),
                                                                               std::move(done));
  if (CanMergeInsert(call->first)) {
    coalescer_->Add(std::move(call->first), std::move(call->second));
    return;
  }
  async_->Post([this, call] { call->second(JobInsertMany(call->first)); });
}

Result<std::optional<TimeMs>> PostgresStore::JobNextRunAt() {
  return Read<std::optional<TimeMs>>([](PgConnection& c) { return pg_ops::JobNextRunAt(c); });
}

Result<std::map<JobState, int64_t>> PostgresStore::JobCountByState() {
  return Read<std::map<JobState, int64_t>>(
      [](PgConnection& c) { return pg_ops::JobCountByState(c); });
}

Result<JobStats> PostgresStore::JobStatsGet(const JobStatsParams& p) {
  return Read<JobStats>([&p](PgConnection& c) { return pg_ops::JobStatsGet(c, p); });
}

Result<int> PostgresStore::JobReleaseMany(const JobReleaseManyParams& p) {
  return Write<int>([&p](PgConnection& c) { return pg_ops::JobReleaseMany(c, p); });
}

Result<std::vector<std::string>> PostgresStore::JobRescueExpired(const JobRescueExpiredParams& p) {
  return Write<std::vector<std::string>>(
      [&p](PgConnection& c) { return pg_ops::JobRescueExpired(c, p); });
}

Result<std::vector<std::string>> PostgresStore::JobExpireDue(const JobExpireDueParams& p) {
  return Write<std::vector<std::string>>(
      [&p](PgConnection& c) { return pg_ops::JobExpireDue(c, p); });
}

Result<std::optional<TimeMs>> PostgresStore::JobNextExpiry() {
  return Read<std::optional<TimeMs>>([](PgConnection& c) { return pg_ops::JobNextExpiry(c); });
}

Result<JobPruneOutcome> PostgresStore::JobPrune(const JobPruneParams& p) {
  return Write<JobPruneOutcome>([&p](PgConnection& c) { return pg_ops::JobPrune(c, p); });
}

Result<std::vector<WebhookDelivery>> PostgresStore::DeliveryClaimDue(const DeliveryClaimParams& p) {
  return Write<std::vector<WebhookDelivery>>(
      [&p](PgConnection& c) { return pg_ops::DeliveryClaimDue(c, p); });
}

Status PostgresStore::DeliveryRecord(const DeliveryRecordParams& p) {
  Result<std::vector<Status>> out = DeliveryRecordMany({p});
  return out.ok() ? out->front() : out.status();
}

Result<std::vector<Status>> PostgresStore::DeliveryRecordMany(
    const std::vector<DeliveryRecordParams>& records) {
  return Write<std::vector<Status>>(
      [&records](PgConnection& c) { return pg_ops::DeliveryRecordMany(c, records); });
}

Result<std::vector<WebhookDelivery>> PostgresStore::DeliveryList(const std::string& job_id) {
  return Read<std::vector<WebhookDelivery>>(
      [&](PgConnection& c) { return pg_ops::DeliveryList(c, job_id); });
}

Result<WebhookDelivery> PostgresStore::DeliveryRedeliver(const DeliveryRedeliverParams& p) {
  return Write<WebhookDelivery>([&p](PgConnection& c) { return pg_ops::DeliveryRedeliver(c, p); });
}

Result<std::optional<TimeMs>> PostgresStore::DeliveryNextAt() {
  return Read<std::optional<TimeMs>>([](PgConnection& c) { return pg_ops::DeliveryNextAt(c); });
}

Result<int64_t> PostgresStore::DeliveryCountPending() {
  return Read<int64_t>([](PgConnection& c) { return pg_ops::DeliveryCountPending(c); });
}

Result<Schedule> PostgresStore::ScheduleUpsert(const ScheduleUpsertParams& p) {
  return Write<Schedule>([&p](PgConnection& c) { return pg_ops::ScheduleUpsert(c, p); });
}

Result<Schedule> PostgresStore::ScheduleGet(const std::string& name) {
  return Read<Schedule>([&name](PgConnection& c) { return pg_ops::ScheduleGet(c, name); });
}

Result<std::vector<Schedule>> PostgresStore::ScheduleList(const ScheduleListParams& p) {
  return Read<std::vector<Schedule>>([&p](PgConnection& c) { return pg_ops::ScheduleList(c, p); });
}

Status PostgresStore::ScheduleDelete(const std::string& name) {
  Result<bool> r = Write<bool>([&name](PgConnection& c) { return pg_ops::ScheduleDelete(c, name); });
  if (!r.ok()) return r.status();
  return *r ? Status::Ok() : ScheduleNotFound(name);
}

Result<std::vector<Schedule>> PostgresStore::ScheduleListDue(const ScheduleListDueParams& p) {
  return Read<std::vector<Schedule>>(
      [&p](PgConnection& c) { return pg_ops::ScheduleListDue(c, p); });
}

Result<bool> PostgresStore::ScheduleAdvance(const ScheduleAdvanceParams& p) {
  return Write<bool>([&p](PgConnection& c) { return pg_ops::ScheduleAdvance(c, p); });
}

Result<std::optional<TimeMs>> PostgresStore::ScheduleNextRunAt() {
  return Read<std::optional<TimeMs>>([](PgConnection& c) { return pg_ops::ScheduleNextRunAt(c); });
}

Status PostgresStore::ApiKeyCreate(const ApiKeyRow& row, int64_t max_keys) {
  Result<bool> inserted = Write<bool>(
      [&row, max_keys](PgConnection& c) { return pg_ops::ApiKeyInsert(c, row, max_keys); });
  if (!inserted.ok()) return inserted.status();
  if (*inserted) return Status::Ok();
  return StatusOf(Read<bool>([&row, max_keys](PgConnection& c) -> Result<bool> {
    return pg_ops::ApiKeyCreateRefusal(c, row, max_keys);
  }));
}

Result<std::vector<ApiKeyRow>> PostgresStore::ApiKeyList() {
  return Read<std::vector<ApiKeyRow>>([](PgConnection& c) { return pg_ops::ApiKeyList(c); });
}

Result<ApiKeyRow> PostgresStore::ApiKeyRevoke(const std::string& name, TimeMs now) {
  Result<std::vector<ApiKeyRow>> rows = Write<std::vector<ApiKeyRow>>(
      [&name, now](PgConnection& c) { return pg_ops::ApiKeyRevoke(c, name, now); });
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return ApiKeyNotFound(name);
  return std::move(rows->front());
}

Result<ApiKeysVersion> PostgresStore::ApiKeysVersionGet() {
  return Read<ApiKeysVersion>([](PgConnection& c) { return pg_ops::ApiKeysVersionGet(c); });
}

Result<ApiKeyUsage> PostgresStore::ApiKeyUsageAdd(const ApiKeyUsageAddParams& p) {
  return Write<ApiKeyUsage>([&p](PgConnection& c) { return pg_ops::ApiKeyUsageAdd(c, p); });
}

Status PostgresStore::ApiKeysTouch(const std::vector<ApiKeyUse>& uses) {
  return StatusOf(
      Write<bool>([&uses](PgConnection& c) { return pg_ops::ApiKeysTouch(c, uses); }));
}

Result<TenantRow> PostgresStore::TenantSet(const TenantRow& row, int64_t max_tenants) {
  return Write<TenantRow>(
      [&row, max_tenants](PgConnection& c) { return pg_ops::TenantSet(c, row, max_tenants); });
}

Result<std::vector<TenantRow>> PostgresStore::TenantList() {
  return Read<std::vector<TenantRow>>([](PgConnection& c) { return pg_ops::TenantList(c); });
}

Status PostgresStore::NodeHeartbeat(const NodeInfo& info) {
  return StatusOf(Write<bool>([&info](PgConnection& c) -> Result<bool> {
    if (Status s = pg_ops::NodeHeartbeat(c, info); !s.ok()) return s;
    return true;
  }));
}

Result<std::vector<NodeInfo>> PostgresStore::NodeList() {
  return Read<std::vector<NodeInfo>>([](PgConnection& c) { return pg_ops::NodeList(c); });
}

Result<bool> PostgresStore::LeaderTryAcquire() { return leader_->TryAcquire(); }

Status PostgresStore::Listen(std::function<void()> on_jobs) {
  if (!options_.listen_notify) return Store::Listen(std::move(on_jobs));
  if (listener_) return Status::FailedPrecondition("the store is already listening");
  listener_ = std::make_unique<PgListener>(options_.url);
  return listener_->Start(std::move(on_jobs));
}

}  // namespace conveyor
