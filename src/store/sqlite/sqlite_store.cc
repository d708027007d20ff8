#include "store/sqlite/sqlite_store.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <utility>
#include <vector>

#include "observability/log.h"
#include "store/sqlite/sqlite_api_keys.h"
#include "store/sqlite/sqlite_delivery_ops.h"
#include "store/sqlite/sqlite_job_ops.h"
#include "store/sqlite/sqlite_node_ops.h"
#include "store/sqlite/sqlite_schedules.h"
#include "store/sqlite/sqlite_queries.h"
#include "store/sqlite/sqlite_schema.h"
#include "store/sqlite/sqlite_tenants.h"
#include "store/store_insert_resolution.h"
#include "store/store_job_ops.h"

namespace conveyor {
namespace {

Status CreateParentDir(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return Status::Ok();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    return Status::Unavailable("cannot create directory '" + parent.string() +
                               "' for the SQLite database: " + ec.message());
  }
  return Status::Ok();
}

Result<std::unique_ptr<SqliteConnection>> OpenWriteConnection(const SqliteOptions& o) {
  auto conn = SqliteConnection::Open(o.path, {.read_only = false,
                                              .busy_timeout_ms = o.busy_timeout_ms});
  if (!conn.ok()) return conn.status();
  // FULL: a commit is on disk when COMMIT returns (WAL + NORMAL could lose the last commits on
  // power loss, and "acknowledged means durable" is the contract).
  Status s = (*conn)->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                           " PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
                           " PRAGMA cache_size=-" + std::to_string(o.cache_size_kib) + ";");
  if (!s.ok()) return s;
  auto mode = (*conn)->Prepare("PRAGMA journal_mode");
  if (!mode.ok()) return mode.status();
  Result<bool> row = mode->Step();
  if (!row.ok()) return row.status();
  if (!*row || mode->Text(0) != "wal") {
    return Status::Unavailable("SQLite database '" + o.path +
                               "' cannot use WAL mode (is it on a network file system?)");
  }
  return conn;
}

int64_t WallClockMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Whether `version` is recorded. Its statement is finished before a migration runs: DROP INDEX
// and schema edits fail with "table is locked" while a statement of the connection is open.
Result<bool> MigrationApplied(SqliteConnection& c, int version) {
  auto check = c.Prepare(sqlite_schema::kSelectMigrationVersion);
  if (!check.ok()) return check.status();
  check->BindInt(1, version);
  Result<bool> row = check->Step();
  if (!row.ok()) return row.status();
  const bool applied = check->Int(0) > 0;
  if (Status s = check->Run(); !s.ok()) return s;
  return applied;
}

constexpr const char* kHasMigrationsTable =
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
constexpr const char* kSelectMigrationVersions = "SELECT version FROM schema_migrations";

// Where the database's schema stands against this binary's migrations. Its statements are
// finished when it returns (see MigrationApplied).
Result<SchemaVersion> SchemaVersionIn(SqliteConnection& c) {
  std::vector<int> recorded;
  Result<int64_t> has_table = c.QueryInt(kHasMigrationsTable);
  if (!has_table.ok()) return has_table.status();
  if (*has_table > 0) {
    auto versions = c.Prepare(kSelectMigrationVersions);
    if (!versions.ok()) return versions.status();
    Status s = versions->ForEachRow([&recorded](const SqliteStatement& row) {
      recorded.push_back(static_cast<int>(row.Int(0)));
    });
    if (!s.ok()) return s;
  }
  std::vector<int> known;
  for (const auto& m : sqlite_schema::kMigrations) known.push_back(m.version);
  return SchemaVersionOf(recorded, known);
}

Status ApplyMigrations(SqliteConnection& c) {
  if (Status s = c.Exec(sqlite_schema::kCreateMigrationsTable); !s.ok()) return s;
  Result<SchemaVersion> version = SchemaVersionIn(c);
  if (!version.ok()) return version.status();
  if (Status s = CheckSchemaNotNewer(*version); !s.ok()) return s;
  for (const auto& m : sqlite_schema::kMigrations) {
    Result<bool> applied = MigrationApplied(c, m.version);
    if (!applied.ok()) return applied.status();
    if (*applied) continue;
    Status s = c.Exec(m.sql);
    if (s.ok() && m.then != nullptr) s = m.then(c);
    if (!s.ok()) {
      return Status::Internal("migration " + std::to_string(m.version) + ": " + s.message());
    }
    auto record = c.Prepare(sqlite_schema::kInsertMigration);
    if (!record.ok()) return record.status();
    record->BindInt(1, m.version);
    record->BindInt(2, WallClockMs());
    if (Status s = record->Run(); !s.ok()) return s;
  }
  return Status::Ok();
}

// Moves every committed page from the -wal file into the database file and empties the -wal, so
// a copy of the .db file alone is complete. REQUIRES: this store's own connections are closed.
// false when another process's connection kept it from finishing: it does not wait for it (no
// busy timeout), since a TRUNCATE checkpoint that waits holds off that process's writers too;
// the last read-write connection to close checkpoints then.
Result<bool> TruncateWal(const std::string& path) {
  auto conn = SqliteConnection::Open(path, {.read_only = false, .busy_timeout_ms = 0});
  if (!conn.ok()) return conn.status();
  auto checkpoint = (*conn)->Prepare("PRAGMA wal_checkpoint(TRUNCATE)");
  if (!checkpoint.ok()) return checkpoint.status();
  Result<bool> row = checkpoint->Step();
  if (!row.ok()) return row.status();
  // Its first column is 1 when a lock held by another connection stopped it.
  return *row && checkpoint->Int(0) == 0;
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(SqliteOptions options) {
  if (options.path.empty() || options.path == ":memory:") {
    return Status::InvalidArgument("the SQLite store needs a database file path");
  }
  if (Status s = CreateParentDir(options.path); !s.ok()) return s;
  auto write_conn = OpenWriteConnection(options);
  if (!write_conn.ok()) return write_conn.status();
  auto readers = SqliteReadPool::Open(options.path, options.read_connections,
                                      options.busy_timeout_ms);
  if (!readers.ok()) return readers.status();
  auto readiness = std::make_unique<StoreReadiness>();
  auto writer = std::make_unique<SqliteWriter>(
      std::move(write_conn).value(),
      SqliteWriterOptions{.max_batch_ops = options.max_batch_ops,
                          .max_batch_rows = options.max_batch_rows,
                          .TEST_before_commit = options.TEST_before_commit,
                          .on_transaction = [r = readiness.get()](const Status& s) {
                            r->RecordWrite(s);
                          }});
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(options), std::move(readers).value(),
                                                      std::move(readiness), std::move(writer)));
}

SqliteStore::SqliteStore(SqliteOptions options, std::unique_ptr<SqliteReadPool> readers,
                         std::unique_ptr<StoreReadiness> readiness,
                         std::unique_ptr<SqliteWriter> writer)
    : options_(std::move(options)),
      readers_(std::move(readers)),
      readiness_(std::move(readiness)),
      writer_(std::move(writer)) {
  coalescer_ = std::make_unique<SqliteInsertCoalescer>(*writer_);
  // The probe is an empty transaction in the writer's next batch: BEGIN IMMEDIATE + COMMIT, so it
  // fails exactly when another process holds the write lock. The writer reports its outcome.
  readiness_->SetProbe([w = writer_.get()](StoreReadiness::ProbeDone done) {
    w->Submit([](SqliteConnection&) { return Status::Ok(); }, std::move(done));
  });
}

SqliteStore::~SqliteStore() {
  // The writer drains what is queued (the coalescer's batches too) and closes first; the readers
  // close next: the last connection to close is read-only and cannot checkpoint, which left the
  // data in the -wal file alone. So the checkpoint runs last, on a connection of its own.
  writer_.reset();
  coalescer_.reset();
  readers_.reset();
  Result<bool> done = TruncateWal(options_.path);
  if (!done.ok()) {
    log::Warn("sqlite_checkpoint_failed",
              {{"path", options_.path}, {"error", done.status().ToString()}});
  } else if (!*done) {
    log::Debug("sqlite_checkpoint_left_to_another_process", {{"path", options_.path}});
  }
}

template <class T>
Result<T> SqliteStore::Write(const std::function<Result<T>(SqliteConnection&)>& fn, int weight,
                             CommitSync sync) {
  std::optional<Result<T>> out;
  const Status s = writer_->Run(
      [&](SqliteConnection& c) {
        out.emplace(fn(c));
        return out->status();
      },
      weight, sync);
  if (!s.ok()) return s;  // the op's own error, or the batch's COMMIT error
  return std::move(*out);
}

Status SqliteStore::Migrate() {
  return writer_->Run([](SqliteConnection& c) { return ApplyMigrations(c); });
}

Result<SchemaVersion> SqliteStore::SchemaVersionGet() {
  return Read([](SqliteConnection& c) { return SchemaVersionIn(c); });
}

Status SqliteStore::Ping() {
  return Read([](SqliteConnection& c) -> Status { return c.QueryInt(sqlite_queries::kPing).status(); });
}

Result<std::vector<InsertOutcome>> SqliteStore::JobInsertMany(const JobInsertManyParams& p) {
  return Write<std::vector<InsertOutcome>>(
      [&p](SqliteConnection& c) { return sqlite_ops::JobInsertMany(c, p); },
      std::max<int>(1, static_cast<int>(p.jobs.size())));
}

void SqliteStore::JobInsertManyAsync(
    JobInsertManyParams p, std::function<void(Result<std::vector<InsertOutcome>>)> done) {
  if (CanMergeInsert(p)) return coalescer_->Add(std::move(p), std::move(done));
  struct Call {
    JobInsertManyParams params;
    std::function<void(Result<std::vector<InsertOutcome>>)> done;
    std::optional<Result<std::vector<InsertOutcome>>> out;
  };
  const int weight = std::max<int>(1, static_cast<int>(p.jobs.size()));
  auto call = std::make_shared<Call>(Call{std::move(p), std::move(done), std::nullopt});
  writer_->Submit(
      [call](SqliteConnection& c) {
        call->out.emplace(sqlite_ops::JobInsertMany(c, call->params));
        return call->out->status();
      },
      [call](const Status& s) {
        if (!s.ok()) return call->done(s);
        call->done(std::move(*call->out));
      },
      weight);
}

Result<std::optional<TimeMs>> SqliteStore::JobNextRunAt() {
  return Read([](SqliteConnection& c) { return sqlite_ops::JobNextRunAt(c); });
}

Result<std::map<JobState, int64_t>> SqliteStore::JobCountByState() {
  return Read([](SqliteConnection& c) { return sqlite_ops::JobCountByState(c); });
}

Result<JobStats> SqliteStore::JobStatsGet(const JobStatsParams& p) {
  return Read([&p](SqliteConnection& c) { return sqlite_ops::JobStatsGet(c, p); });
}

Result<int> SqliteStore::JobReleaseMany(const JobReleaseManyParams& p) {
  return Write<int>([&p](SqliteConnection& c) { return sqlite_ops::JobReleaseMany(c, p); },
                    std::max<int>(1, static_cast<int>(p.jobs.size())));
}

Result<std::vector<std::string>> SqliteStore::JobRescueExpired(const JobRescueExpiredParams& p) {
  return Write<std::vector<std::string>>(
      [&p](SqliteConnection& c) { return sqlite_ops::JobRescueExpired(c, p); },
      std::max(1, p.limit));
}

Result<std::vector<std::string>> SqliteStore::JobExpireDue(const JobExpireDueParams& p) {
  return Write<std::vector<std::string>>(
      [&p](SqliteConnection& c) { return sqlite_ops::JobExpireDue(c, p); }, std::max(1, p.limit));
}

Result<std::optional<TimeMs>> SqliteStore::JobNextExpiry() {
  return Read([](SqliteConnection& c) { return sqlite_ops::JobNextExpiry(c); });
}

// Weighted by the jobs it may delete, so one batch never holds more than a few prunes.
Result<JobPruneOutcome> SqliteStore::JobPrune(const JobPruneParams& p) {
  return Write<JobPruneOutcome>([&p](SqliteConnection& c) { return sqlite_ops::JobPrune(c, p); },
                                std::max(1, p.limit));
}

Result<std::vector<WebhookDelivery>> SqliteStore::DeliveryClaimDue(const DeliveryClaimParams& p) {
  return Write<std::vector<WebhookDelivery>>(
      [&p](SqliteConnection& c) { return sqlite_ops::DeliveryClaimDue(c, p); },
      std::max(1, p.limit));
}

Status SqliteStore::DeliveryRecord(const DeliveryRecordParams& p) {
  Result<std::vector<Status>> out = DeliveryRecordMany({p});
  return out.ok() ? out->front() : out.status();
}

// Weighted by the rows it writes: the delivery and its attempt, per record.
Result<std::vector<Status>> SqliteStore::DeliveryRecordMany(
    const std::vector<DeliveryRecordParams>& records) {
  return Write<std::vector<Status>>(
      [&records](SqliteConnection& c) { return sqlite_ops::DeliveryRecordMany(c, records); },
      std::max(1, 2 * static_cast<int>(records.size())));
}

Result<std::vector<WebhookDelivery>> SqliteStore::DeliveryList(const std::string& job_id) {
  return Read([&](SqliteConnection& c) { return sqlite_ops::DeliveryList(c, job_id); });
}

Result<WebhookDelivery> SqliteStore::DeliveryRedeliver(const DeliveryRedeliverParams& p) {
  return Write<WebhookDelivery>(
      [&p](SqliteConnection& c) { return sqlite_ops::DeliveryRedeliver(c, p); });
}

Result<std::optional<TimeMs>> SqliteStore::DeliveryNextAt() {
  return Read([](SqliteConnection& c) { return sqlite_ops::DeliveryNextAt(c); });
}

Result<int64_t> SqliteStore::DeliveryCountPending() {
  return Read([](SqliteConnection& c) { return sqlite_ops::DeliveryCountPending(c); });
}

Result<Schedule> SqliteStore::ScheduleUpsert(const ScheduleUpsertParams& p) {
  return Write<Schedule>([&p](SqliteConnection& c) { return sqlite_ops::ScheduleUpsert(c, p); });
}

Result<Schedule> SqliteStore::ScheduleGet(const std::string& name) {
  return Read([&name](SqliteConnection& c) { return sqlite_ops::ScheduleGet(c, name); });
}

Result<std::vector<Schedule>> SqliteStore::ScheduleList(const ScheduleListParams& p) {
  return Read([&p](SqliteConnection& c) { return sqlite_ops::ScheduleList(c, p); });
}

Status SqliteStore::ScheduleDelete(const std::string& name) {
  return writer_->Run([&name](SqliteConnection& c) { return sqlite_ops::ScheduleDelete(c, name); });
}

Result<std::vector<Schedule>> SqliteStore::ScheduleListDue(const ScheduleListDueParams& p) {
  return Read([&p](SqliteConnection& c) { return sqlite_ops::ScheduleListDue(c, p); });
}

Result<bool> SqliteStore::ScheduleAdvance(const ScheduleAdvanceParams& p) {
  return Write<bool>([&p](SqliteConnection& c) { return sqlite_ops::ScheduleAdvance(c, p); });
}

Result<std::optional<TimeMs>> SqliteStore::ScheduleNextRunAt() {
  return Read([](SqliteConnection& c) { return sqlite_ops::ScheduleNextRunAt(c); });
}

Status SqliteStore::NodeHeartbeat(const NodeInfo& info) {
  return writer_->Run([&info](SqliteConnection& c) { return sqlite_ops::NodeHeartbeat(c, info); });
}

Result<std::vector<NodeInfo>> SqliteStore::NodeList() {
  return Read([](SqliteConnection& c) { return sqlite_ops::NodeList(c); });
}

Status SqliteStore::ApiKeyCreate(const ApiKeyRow& row, int64_t max_keys) {
  return writer_->Run(
      [&row, max_keys](SqliteConnection& c) { return sqlite_ops::ApiKeyCreate(c, row, max_keys); });
}

Result<std::vector<ApiKeyRow>> SqliteStore::ApiKeyList() {
  return Read([](SqliteConnection& c) { return sqlite_ops::ApiKeyList(c); });
}

Result<ApiKeyRow> SqliteStore::ApiKeyRevoke(const std::string& name, TimeMs now) {
  return Write<ApiKeyRow>(
      [&name, now](SqliteConnection& c) { return sqlite_ops::ApiKeyRevoke(c, name, now); });
}

Result<ApiKeysVersion> SqliteStore::ApiKeysVersionGet() {
  return Read([](SqliteConnection& c) { return sqlite_ops::ApiKeysVersionGet(c); });
}

Result<ApiKeyUsage> SqliteStore::ApiKeyUsageAdd(const ApiKeyUsageAddParams& p) {
  return Write<ApiKeyUsage>([&p](SqliteConnection& c) { return sqlite_ops::ApiKeyUsageAdd(c, p); });
}

Status SqliteStore::ApiKeysTouch(const std::vector<ApiKeyUse>& uses) {
  return writer_->Run([&uses](SqliteConnection& c) { return sqlite_ops::ApiKeysTouch(c, uses); });
}

Result<TenantRow> SqliteStore::TenantSet(const TenantRow& row, int64_t max_tenants) {
  return Write<TenantRow>([&row, max_tenants](SqliteConnection& c) {
    return sqlite_ops::TenantSet(c, row, max_tenants);
  });
}

Result<std::vector<TenantRow>> SqliteStore::TenantList() {
  return Read([](SqliteConnection& c) { return sqlite_ops::TenantList(c); });
}

}  // namespace conveyor
