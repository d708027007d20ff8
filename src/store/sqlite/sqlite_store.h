// SqliteStore: the embedded Store, one SQLite database file in WAL mode with synchronous=FULL.
//
// Writes go through SqliteWriter (group commit): one thread owns the write connection and commits
// whatever callers queued together in one transaction and one fsync, each operation inside its own
// savepoint, so every caller still gets its own outcome. Reads use a pool of read-only
// connections that run concurrently with the writer (WAL snapshots).
//
// Thread-safety: every method may be called from any thread (see Store). Completions of
// JobInsertManyAsync run on the writer thread after COMMIT; they must not block or call a
// synchronous write of this store.
// Lifetime: destroying the store finishes every queued write, closes the database, then
// checkpoints the WAL into the database file (TRUNCATE), so the .db file alone is complete.
// Open() does not migrate: call Migrate() (the `conveyor migrate` step, or at serve start).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "store/sqlite/sqlite_insert_coalescer.h"
#include "store/sqlite/sqlite_job_statements.h"
#include "store/sqlite/sqlite_read_pool.h"
#include "store/sqlite/sqlite_writer.h"
#include "store/schema_version.h"
#include "store/store.h"
#include "store/store_on_statements.h"
#include "store/store_readiness.h"

namespace conveyor {

struct SqliteOptions {
  std::string path;            // database file; its parent directory is created if missing
  int read_connections = 4;    // concurrent readers
  int busy_timeout_ms = 5000;  // wait this long for a lock held by another process
  int max_batch_ops = 1000;    // group commit: operations per transaction, at most
  int max_batch_rows = 20000;  // group commit: rows written per transaction, about
  // The writer's page cache. 48 MB keeps a server with 1,000,000 jobs queued under 100 MB of
  // RSS (64 MB put it at 105 MB) with the same burn-down and insert rates: writes land at the
  // right edge of the table and its indexes, so the hot pages are few. Readers keep SQLite's
  // default (2 MB each).
  int cache_size_kib = 49152;
  // Test seam (fault injection): called before each COMMIT; non-OK fails the batch with it.
  std::function<Status()> TEST_before_commit;
};

// The job operations whose logic both stores share come from StoreOnStatements
// (store_on_statements.h); the methods below are SQLite's own.
class SqliteStore final : public StoreOnStatements<SqliteStore, SqliteJobStatements> {
 public:
  static Result<std::unique_ptr<SqliteStore>> Open(SqliteOptions options);
  ~SqliteStore() override;

  Status Migrate() override;
  // Where the database's schema stands against this binary's migrations; changes nothing.
  Result<SchemaVersion> SchemaVersionGet();
  Status Ping() override;
  Status Readiness() override { return readiness_->Check(); }

  Result<std::vector<InsertOutcome>> JobInsertMany(const JobInsertManyParams& p) override;
  void JobInsertManyAsync(JobInsertManyParams p,
                          std::function<void(Result<std::vector<InsertOutcome>>)> done) override;
  Result<int> JobReleaseMany(const JobReleaseManyParams& p) override;
  Result<std::vector<std::string>> JobRescueExpired(const JobRescueExpiredParams& p) override;
  Result<std::optional<TimeMs>> JobNextRunAt() override;
  Result<std::vector<std::string>> JobExpireDue(const JobExpireDueParams& p) override;
  Result<std::optional<TimeMs>> JobNextExpiry() override;
  Result<JobPruneOutcome> JobPrune(const JobPruneParams& p) override;
  Result<std::map<JobState, int64_t>> JobCountByState() override;
  Result<JobStats> JobStatsGet(const JobStatsParams& p) override;

  Result<std::vector<WebhookDelivery>> DeliveryClaimDue(const DeliveryClaimParams& p) override;
  Status DeliveryRecord(const DeliveryRecordParams& p) override;
  Result<std::vector<Status>> DeliveryRecordMany(
      const std::vector<DeliveryRecordParams>& records) override;
  Result<std::vector<WebhookDelivery>> DeliveryList(const std::string& job_id) override;
  Result<WebhookDelivery> DeliveryRedeliver(const DeliveryRedeliverParams& p) override;
  Result<std::optional<TimeMs>> DeliveryNextAt() override;
  Result<int64_t> DeliveryCountPending() override;

  Result<Schedule> ScheduleUpsert(const ScheduleUpsertParams& p) override;
  Result<Schedule> ScheduleGet(const std::string& name) override;
  Result<std::vector<Schedule>> ScheduleList(const ScheduleListParams& p) override;
  Status ScheduleDelete(const std::string& name) override;
  Result<std::vector<Schedule>> ScheduleListDue(const ScheduleListDueParams& p) override;
  Result<bool> ScheduleAdvance(const ScheduleAdvanceParams& p) override;
  Result<std::optional<TimeMs>> ScheduleNextRunAt() override;
  Status ApiKeyCreate(const ApiKeyRow& row, int64_t max_keys) override;
  Result<std::vector<ApiKeyRow>> ApiKeyList() override;
  Result<ApiKeyRow> ApiKeyRevoke(const std::string& name, TimeMs now) override;
  Result<ApiKeysVersion> ApiKeysVersionGet() override;
  Status ApiKeysTouch(const std::vector<ApiKeyUse>& uses) override;
  Result<ApiKeyUsage> ApiKeyUsageAdd(const ApiKeyUsageAddParams& p) override;
  Result<TenantRow> TenantSet(const TenantRow& row, int64_t max_tenants) override;
  Result<std::vector<TenantRow>> TenantList() override;

  Status NodeHeartbeat(const NodeInfo& info) override;
  Result<std::vector<NodeInfo>> NodeList() override;
  // One process owns the SQLite file, so it always leads.
  Result<bool> LeaderTryAcquire() override { return true; }

  const std::string& path() const { return options_.path; }

 private:
  // StoreOnStatements runs the shared operations through Read and Write.
  friend class StoreOnStatements<SqliteStore, SqliteJobStatements>;
  SqliteStore(SqliteOptions options, std::unique_ptr<SqliteReadPool> readers,
              std::unique_ptr<StoreReadiness> readiness, std::unique_ptr<SqliteWriter> writer);

  // Runs `fn` on the writer thread inside a group-commit batch; returns once it is committed,
  // and with kDurable once it is on disk (store/commit_sync.h).
  template <class T>
  Result<T> Write(const std::function<Result<T>(SqliteConnection&)>& fn, int weight = 1,
                  CommitSync sync = CommitSync::kDurable);
  // Runs `fn` on a pooled read-only connection. (T: what fn returns, as StoreOnStatements names
  // it; deduced otherwise.)
  template <class T = void, class Fn>
  auto Read(Fn fn) {
    auto lease = readers_->Acquire();
    return fn(lease.conn());
  }

  const SqliteOptions options_;
  std::unique_ptr<SqliteReadPool> readers_;
  // Fed by writer_'s transactions and probing through it: declared before it, so it outlives it.
  std::unique_ptr<StoreReadiness> readiness_;
  // Queues operations on writer_: must outlive its drain, so it is declared before it.
  std::unique_ptr<SqliteInsertCoalescer> coalescer_;
  std::unique_ptr<SqliteWriter> writer_;  // declared last: stops (and drains) first
};

}  // namespace conveyor
