#include "store/postgres/pg_job_statements.h"

#include <utility>

#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_job_row.h"
#include "store/postgres/pg_queries.h"

namespace conveyor {
namespace q = pg_queries;

Result<JobRow> PgJobStatements::JobLoad(const std::string& id, store_ops::JobLock lock) {
  const bool for_update = lock == store_ops::JobLock::kForUpdate;
  auto r = c_.Exec(for_update ? q::kSelectJobByIdForUpdate : q::kSelectJobById, {id});
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return NotFoundJob(id);
  return ReadJobRow(PgRow(*r, 0));
}

Status PgJobStatements::JobStaleLease(const std::string& id) {
  auto r = c_.Exec(q::kSelectStateById, {id});
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return NotFoundJob(id);
  return StaleLeaseConflict(id, r->Text(0, 0));
}

namespace {

// Runs an UPDATE ... RETURNING CONVEYOR_PG_JOB_COLUMNS expected to touch exactly one row.
Result<JobRow> JobUpdateOne(PgConnection& c, std::string_view sql, const PgParams& params) {
  auto r = c.Exec(sql, params);
  if (!r.ok()) return r.status();
  if (r->rows() != 1) return Status::Internal("update matched no job");
  return ReadJobRow(PgRow(*r, 0));
}

}  // namespace

void PgJobStatements::JobsClaimable() { c_.RequestNotify(); }

Result<JobRow> PgJobStatements::JobUpdate(store_ops::JobUpdateKind what, int64_t seq, TimeMs now) {
  using Kind = store_ops::JobUpdateKind;
  const char* sql = what == Kind::kCancelNow       ? q::kCancelNow
                    : what == Kind::kCancelRequest ? q::kCancelRequest
                                                   : q::kRetry;
  return JobUpdateOne(c_, sql, {PgInt(seq), PgInt(now)});
}

Result<JobRow> PgJobStatements::JobFailUpdate(const store_ops::JobFailWrite& w) {
  return JobUpdateOne(c_, q::kFail,
                      {PgInt(w.seq), std::string(ToString(w.to)), PgInt(w.run_at),
                       PgOptInt(w.finished_at), std::string(w.error), PgInt(w.now)});
}

Result<std::optional<HeartbeatOutcome>> PgJobStatements::JobHeartbeatUpdate(
    const JobHeartbeatParams& p) {
  auto r = c_.Exec(q::kHeartbeat, {p.id, p.lease_token, PgInt(p.lease_expires_at),
                                   p.progress ? PgDouble(*p.progress) : std::nullopt, p.message,
                                   p.current_step, PgInt(p.now)});
  if (!r.ok()) return r.status();
  if (r->rows() != 1) return std::optional<HeartbeatOutcome>();
  return std::optional(HeartbeatOutcome{.cancel_requested = r->Int(0, 0) != 0});
}

Status PgJobStatements::JobEventAppend(int64_t job_seq, TimeMs at, std::optional<JobState> from,
                                       JobState to, int attempt, std::string_view message) {
  auto r =
      c_.Exec(q::kInsertEvent, {PgInt(job_seq), PgInt(at),
                                from ? PgParam(std::string(ToString(*from))) : std::nullopt,
                                std::string(ToString(to)), PgInt(attempt), std::string(message)});
  return r.ok() ? Status::Ok() : r.status();
}

Result<std::vector<JobEvent>> PgJobStatements::JobEventsOf(int64_t job_seq) {
  auto r = c_.Exec(q::kEventsOfJob, {PgInt(job_seq)});
  if (!r.ok()) return r.status();
  std::vector<JobEvent> events;
  events.reserve(static_cast<size_t>(r->rows()));
  for (int i = 0; i < r->rows(); ++i) events.push_back(ReadJobEvent(PgRow(*r, i)));
  return events;
}

Result<std::vector<JobEventRow>> PgJobStatements::JobEventRowsAfter(int64_t after_seq,
                                                                     int limit) {
  auto r = c_.Exec(q::kEventsAfter, {PgInt(after_seq), PgInt(limit)});
  if (!r.ok()) return r.status();
  std::vector<JobEventRow> rows;
  rows.reserve(static_cast<size_t>(r->rows()));
  for (int i = 0; i < r->rows(); ++i) rows.push_back(ReadJobEventRow(PgRow(*r, i)));
  return rows;
}

Result<int64_t> PgJobStatements::JobEventsMaxSeq() {
  auto r = c_.Exec(q::kEventsLastSeq);
  if (!r.ok()) return r.status();
  return r->Int(0, 0);
}

Result<std::vector<JobProgressRow>> PgJobStatements::JobRunningProgressRows(int limit) {
  auto r = c_.Exec(q::kRunningProgress, {PgInt(limit)});
  if (!r.ok()) return r.status();
  std::vector<JobProgressRow> rows;
  rows.reserve(static_cast<size_t>(r->rows()));
  for (int i = 0; i < r->rows(); ++i) rows.push_back(ReadJobProgressRow(PgRow(*r, i)));
  return rows;
}

Result<std::optional<int64_t>> PgJobStatements::JobSeqOf(const std::string& id) {
  auto r = c_.Exec(q::kSelectSeqById, {id});
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return std::optional<int64_t>();
  return std::optional<int64_t>(r->Int(0, 0));
}

namespace {

// $6 on: the state filter. kListByState takes one state; kListByStates four (a missing one
// repeats the first); kListByKey and kListByTenant four whatever the filter (none: NULLs), then
// kListByKey the key as $10 and the tenant (or NULL) as $11, kListByTenant the tenant as $10.
void AppendListFilter(const JobListParams& p, PgParams& params) {
  const bool three = (p.state && !p.also_states.empty()) || p.idempotency_key || p.tenant;
  if (!p.state) {
    if (three) params.insert(params.end(), 1 + kMaxListExtraStates, std::nullopt);
  } else {
    params.push_back(std::string(ToString(*p.state)));
    for (size_t i = 0; three && i < kMaxListExtraStates; ++i) {
      const JobState s = i < p.also_states.size() ? p.also_states[i] : *p.state;
      params.push_back(std::string(ToString(s)));
    }
  }
  if (p.idempotency_key) params.push_back(*p.idempotency_key);
  if (p.idempotency_key || p.tenant) params.push_back(p.tenant);
}

}  // namespace

Result<std::vector<Job>> PgJobStatements::JobPageRows(const JobListParams& p, int64_t before_seq) {
  PgParams params = {p.type, p.queue, PgInt(before_seq), PgInt(p.limit), PgInt(p.offset)};
  AppendListFilter(p, params);
  const bool several = p.state && !p.also_states.empty();
  const char* sql = p.idempotency_key ? q::kListByKey
                    : p.tenant        ? q::kListByTenant
                    : several         ? q::kListByStates
                    : p.state         ? q::kListByState
                                      : q::kList;
  auto r = c_.Exec(sql, params);
  if (!r.ok()) return r.status();
  return TakeJobs(ReadPgJobRows(*r));
}

// The statement reads the job's URL and (terminal) state itself, so `to` needs no binding.
Status PgJobStatements::DeliveryEnqueue(const JobRow& job, JobState /*to*/, TimeMs now) {
  auto r = c_.Exec(q::kInsertDeliveryForJob, {job.job.id, PgInt(now)});
  return r.ok() ? Status::Ok() : r.status();
}

}  // namespace conveyor
