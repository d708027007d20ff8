#include "store/sqlite/sqlite_job_statements.h"

#include <utility>

#include "store/sqlite/sqlite_delivery_ops.h"
#include "store/sqlite/sqlite_job_row.h"
#include "store/sqlite/sqlite_queries.h"

namespace conveyor {
namespace q = sqlite_queries;

Result<SqliteStatement> SqliteJobStatements::JobRowById(std::string_view sql,
                                                        const std::string& id) {
  auto st = c_.Prepare(sql);
  if (!st.ok()) return st.status();
  st->BindText(1, id);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFoundJob(id);
  return st;
}

// SQLite's one writer already excludes every other write: no lock to take.
Result<JobRow> SqliteJobStatements::JobLoad(const std::string& id, store_ops::JobLock /*lock*/) {
  auto st = JobRowById(q::kSelectJobById, id);
  if (!st.ok()) return st.status();
  return ReadJobRow(*st);
}

Status SqliteJobStatements::JobStaleLease(const std::string& id) {
  auto st = JobRowById(q::kSelectStateById, id);
  if (!st.ok()) return st.status();
  return StaleLeaseConflict(id, st->Text(0));
}

template <class Bind>
Result<JobRow> SqliteJobStatements::JobUpdateOne(std::string_view sql, const Bind& bind) {
  auto st = c_.Prepare(sql);
  if (!st.ok()) return st.status();
  bind(*st);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::Internal("update matched no job");
  JobRow out = ReadJobRow(*st);
  Status rest = st->Run();  // finish the statement so its changes are complete
  if (!rest.ok()) return rest;
  return out;
}

Result<JobRow> SqliteJobStatements::JobUpdate(store_ops::JobUpdateKind what, int64_t seq,
                                              TimeMs now) {
  using Kind = store_ops::JobUpdateKind;
  const char* sql = what == Kind::kCancelNow       ? q::kCancelNow
                    : what == Kind::kCancelRequest ? q::kCancelRequest
                                                   : q::kRetry;
  return JobUpdateOne(sql, [&](SqliteStatement& st) {
    st.BindInt(1, seq);
    st.BindInt(2, now);
  });
}

Result<JobRow> SqliteJobStatements::JobFailUpdate(const store_ops::JobFailWrite& w) {
  return JobUpdateOne(q::kFail, [&](SqliteStatement& st) {
    st.BindInt(1, w.seq);
    st.BindText(2, ToString(w.to));
    st.BindInt(3, w.run_at);
    st.BindOptInt(4, w.finished_at);
    st.BindText(5, w.error);
    st.BindInt(6, w.now);
  });
}

Result<std::optional<HeartbeatOutcome>> SqliteJobStatements::JobHeartbeatUpdate(
    const JobHeartbeatParams& p) {
  auto st = c_.Prepare(q::kHeartbeat);
  if (!st.ok()) return st.status();
  st->BindText(1, p.id);
  st->BindText(2, p.lease_token);
  st->BindInt(3, p.lease_expires_at);
  st->BindOptDouble(4, p.progress);
  st->BindOptText(5, p.message);
  st->BindOptText(6, p.current_step);
  st->BindInt(7, p.now);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<HeartbeatOutcome>();
  HeartbeatOutcome out{.cancel_requested = st->Int(0) != 0};
  if (Status s = st->Run(); !s.ok()) return s;
  return std::optional(out);
}

Status SqliteJobStatements::JobEventAppend(int64_t job_seq, TimeMs at, std::optional<JobState> from,
                                           JobState to, int attempt, std::string_view message) {
  auto st = c_.Prepare(q::kInsertEvent);
  if (!st.ok()) return st.status();
  st->BindInt(1, job_seq);
  st->BindInt(2, at);
  if (from) {
    st->BindText(3, ToString(*from));
  } else {
    st->BindNull(3);
  }
  st->BindText(4, ToString(to));
  st->BindInt(5, attempt);
  st->BindText(6, message);
  return st->Run();
}

Result<std::vector<JobEvent>> SqliteJobStatements::JobEventsOf(int64_t job_seq) {
  auto st = c_.Prepare(q::kEventsOfJob);
  if (!st.ok()) return st.status();
  st->BindInt(1, job_seq);
  std::vector<JobEvent> events;
  Status s =
      st->ForEachRow([&](const SqliteStatement& row) { events.push_back(ReadJobEvent(row)); });
  if (!s.ok()) return s;
  return events;
}

Result<std::vector<JobEventRow>> SqliteJobStatements::JobEventRowsAfter(int64_t after_seq,
                                                                         int limit) {
  auto st = c_.Prepare(q::kEventsAfter);
  if (!st.ok()) return st.status();
  st->BindInt(1, after_seq);
  st->BindInt(2, limit);
  std::vector<JobEventRow> rows;
  Status s =
      st->ForEachRow([&](const SqliteStatement& row) { rows.push_back(ReadJobEventRow(row)); });
  if (!s.ok()) return s;
  return rows;
}

Result<int64_t> SqliteJobStatements::JobEventsMaxSeq() { return c_.QueryInt(q::kEventsLastSeq); }

Result<std::vector<JobProgressRow>> SqliteJobStatements::JobRunningProgressRows(int limit) {
  auto st = c_.Prepare(q::kRunningProgress);
  if (!st.ok()) return st.status();
  st->BindInt(1, limit);
  std::vector<JobProgressRow> rows;
  Status s = st->ForEachRow(
      [&](const SqliteStatement& row) { rows.push_back(ReadJobProgressRow(row)); });
  if (!s.ok()) return s;
  return rows;
}

Result<std::optional<int64_t>> SqliteJobStatements::JobSeqOf(const std::string& id) {
  auto st = c_.Prepare(q::kSelectSeqById);
  if (!st.ok()) return st.status();
  st->BindText(1, id);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<int64_t>();
  return std::optional<int64_t>(st->Int(0));
}

Result<std::vector<Job>> SqliteJobStatements::JobPageRows(const JobListParams& p,
                                                          int64_t before_seq) {
  const bool several = p.state && !p.also_states.empty();
  const char* sql = p.idempotency_key ? (p.tenant ? q::kListByTenantKey : q::kListByKey)
                    : p.tenant        ? q::kListByTenant
                    : several         ? q::kListByStates
                    : p.state         ? q::kListByState
                                      : q::kList;
  auto st = c_.Prepare(sql);
  if (!st.ok()) return st.status();
  st->BindOptText(1, p.type);
  st->BindOptText(2, p.queue);
  st->BindInt(3, before_seq);
  st->BindInt(4, p.limit);
  st->BindInt(5, p.offset);
  if (p.state) st->BindText(6, ToString(*p.state));
  // The key and tenant lists always name four states (?6 to ?9): a single one is repeated.
  const bool extra = several || (p.state && (p.idempotency_key || p.tenant));
  for (size_t i = 0; extra && i < kMaxListExtraStates; ++i) {
    const JobState s = i < p.also_states.size() ? p.also_states[i] : *p.state;
    st->BindText(static_cast<int>(7 + i), ToString(s));
  }
  if (p.idempotency_key) st->BindText(10, *p.idempotency_key);
  if (p.tenant) st->BindText(11, *p.tenant);
  std::vector<Job> jobs;
  Status s =
      st->ForEachRow([&](const SqliteStatement& row) { jobs.push_back(ReadJobRow(row).job); });
  if (!s.ok()) return s;
  return jobs;
}

Status SqliteJobStatements::DeliveryEnqueue(const JobRow& job, JobState to, TimeMs now) {
  return sqlite_ops::DeliveryEnqueue(c_, job.seq, job.job.webhook_url, to, now);
}

}  // namespace conveyor
