// PostgresStore: the Store on PostgreSQL (libpq), for several Conveyor nodes sharing one database.
//
// Every write method is one transaction on a pooled connection; concurrent callers use separate
// connections and transactions, so one caller's error never fails another's write, and
// PostgreSQL's own group commit shares WAL flushes between them. Batches are one statement each
// (JSON parameter expanded in SQL); claims use FOR UPDATE SKIP LOCKED. Transactions that make
// jobs claimable (insert, release, retry, rescue or failure into RETRYING) are followed by one
// NOTIFY per burst on channel "conveyor_jobs.<schema>" (pg_notifier.h).
//
// URL: postgres://user:pass@host:port/db?sslmode=... or postgresql://... (any libpq URI or
// key=value string). Conveyor's own query parameters are taken out before libpq sees the URL:
//   listen_notify=off   no LISTEN/NOTIFY (SupportsListenNotify() false; for poolers in
//                       transaction mode, which cannot LISTEN); default on
//   pool_size=N         connections for store calls (default 16)
//
// Unreachable server: every method returns Unavailable("PostgreSQL is unreachable: ..."), and
// later calls reconnect by themselves. A write whose COMMIT was cut off is reported Unavailable
// (its outcome is unknown to us); a write cut off before COMMIT is retried once on a new
// connection. Deadlocks and serialization failures are retried.
//
// Thread-safety: every method may be called from any thread. Completions of JobInsertManyAsync
// run on the store's async threads and must not block.
// Lifetime: destruction waits for queued async inserts, stops the listener, and releases the
// leadership lock (its connection closes).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "store/postgres/pg_job_statements.h"
#include "store/schema_version.h"
#include "store/store.h"
#include "store/store_on_statements.h"
#include "store/store_readiness.h"

namespace conveyor {

class PgPool;
class PgConnection;
class PgLeader;
class PgListener;
class PgNotifier;
class PgAsyncRunner;
class PgInsertCoalescer;

struct PostgresOptions {
  std::string url;            // libpq URI or conninfo, without Conveyor's parameters
  int pool_size = 16;         // connections for store calls, at most
  bool listen_notify = true;  // false: no NOTIFY sent, Listen() refused
  int async_threads = 8;      // threads running JobInsertManyAsync
};

// Splits Conveyor's parameters (above) off a postgres:// URL. InvalidArgument for a bad value.
Result<PostgresOptions> ParsePostgresUrl(const std::string& url);

// The job operations whose logic both stores share come from StoreOnStatements
// (store_on_statements.h); the methods below are PostgreSQL's own.
class PostgresStore final : public StoreOnStatements<PostgresStore, PgJobStatements> {
 public:
  // Does not connect (the first call does): a server that is down at start is Unavailable, not a
  // failure to open. InvalidArgument for a malformed URL.
  static Result<std::unique_ptr<PostgresStore>> Open(PostgresOptions options);
  ~PostgresStore() override;

  Status Migrate() override;
  // Where the database's schema stands against this binary's migrations; changes nothing.
  Result<SchemaVersion> SchemaVersionGet();
  Status Ping() override;
  Status Readiness() override;

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
  Result<bool> LeaderTryAcquire() override;

  bool SupportsListenNotify() const override { return options_.listen_notify; }
  Status Listen(std::function<void()> on_jobs) override;

 private:
  // StoreOnStatements runs the shared operations through Read and Write.
  friend class StoreOnStatements<PostgresStore, PgJobStatements>;
  explicit PostgresStore(PostgresOptions options);

  // Runs `fn` on a pooled connection, inside BEGIN/COMMIT when `transaction`, retrying what is
  // safe to retry (see the header comment).
  template <class T>
  Result<T> Run(bool transaction, const std::function<Result<T>(PgConnection&)>& fn);
  template <class T>
  Result<T> RunRetrying(bool transaction, const std::function<Result<T>(PgConnection&)>& fn);
  template <class T>
  Result<T> RunOnce(PgConnection& c, bool transaction,
                    const std::function<Result<T>(PgConnection&)>& fn, bool& committing);
  // `weight` sizes SQLite's group commit; each PostgreSQL write commits on its own connection.
  template <class T>
  // Every commit waits for its WAL flush (synchronous_commit=on), kDeferred ones too.
  Result<T> Write(const std::function<Result<T>(PgConnection&)>& fn, int /*weight*/ = 1,
                  CommitSync /*sync*/ = CommitSync::kDurable) {
    return Run<T>(true, fn);
  }
  template <class T>
  Result<T> Read(const std::function<Result<T>(PgConnection&)>& fn) {
    return Run<T>(false, fn);
  }

  const PostgresOptions options_;
  // Fed by every write transaction (Run); probes through async_, which drains before it goes.
  std::unique_ptr<StoreReadiness> readiness_;
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgLeader> leader_;
  std::unique_ptr<PgNotifier> notifier_;  // null without listen_notify
  std::unique_ptr<PgListener> listener_;
  std::unique_ptr<PgInsertCoalescer> coalescer_;  // its tasks run on async_
  std::unique_ptr<PgAsyncRunner> async_;  // declared last: drains first
};

}  // namespace conveyor
