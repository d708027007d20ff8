// Reads of the jobs table, and the small helpers the write operations share.
#include <string>

#include "store/postgres/pg_job_ops.h"
#include "store/postgres/pg_queries.h"
#include "store/store_json.h"

namespace conveyor::pg_ops {
namespace q = pg_queries;

PgParam JsonArrayOrNull(const std::vector<std::string>& items) {
  if (items.empty()) return std::nullopt;
  return EncodeJsonStringArray(items);
}

Result<JobRow> LoadJob(PgConnection& c, const std::string& id, bool for_update) {
  auto r = c.Exec(for_update ? q::kSelectJobByIdForUpdate : q::kSelectJobById, {id});
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return NotFoundJob(id);
  return ReadPgJobRow(*r, 0);
}

Status StaleLease(PgConnection& c, const std::string& id) {
  auto r = c.Exec(q::kSelectStateById, {id});
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return NotFoundJob(id);
  return StaleLeaseConflict(id, r->Text(0, 0));
}

Status AppendEvent(PgConnection& c, int64_t job_seq, TimeMs at, std::optional<JobState> from,
                   JobState to, int attempt, std::string_view message) {
  auto r =
      c.Exec(q::kInsertEvent, {PgInt(job_seq), PgInt(at),
                               from ? PgParam(std::string(ToString(*from))) : std::nullopt,
                               std::string(ToString(to)), PgInt(attempt), std::string(message)});
  return r.ok() ? Status::Ok() : r.status();
}

Result<JobRow> UpdateOneJob(PgConnection& c, std::string_view sql, const PgParams& params) {
  auto r = c.Exec(sql, params);
  if (!r.ok()) return r.status();
  if (r->rows() != 1) return Status::Internal("update matched no job");
  return ReadPgJobRow(*r, 0);
}

Status AddTerminalDelivery(PgConnection& c, const std::string& id, TimeMs now) {
  auto r = c.Exec(q::kInsertDeliveryForJob, {id, PgInt(now)});
  return r.ok() ? Status::Ok() : r.status();
}

Result<Job> GetJob(PgConnection& c, const std::string& id) {
  Result<JobRow> row = LoadJob(c, id, /*for_update=*/false);
  if (!row.ok()) return row.status();
  return std::move(row->job);
}

namespace {

Result<int64_t> CursorSeq(PgConnection& c, const std::optional<std::string>& cursor) {
  if (!cursor) return INT64_MAX;
  auto r = c.Exec(q::kSelectSeqById, {*cursor});
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return Status::InvalidArgument("cursor does not name a job");
  return r->Int(0, 0);
}

}  // namespace

Result<JobPage> ListJobs(PgConnection& c, const JobListParams& p) {
  if (Status v = ValidateListParams(p); !v.ok()) return v;
  Result<int64_t> before = CursorSeq(c, p.cursor);
  if (!before.ok()) return before.status();
  PgParams params = {p.type, p.queue, PgInt(*before), PgInt(p.limit), PgInt(p.offset)};
  if (p.state) params.push_back(std::string(ToString(*p.state)));
  auto r = c.Exec(p.state ? q::kListByState : q::kList, params);
  if (!r.ok()) return r.status();
  JobPage page{.jobs = TakeJobs(ReadPgJobRows(*r))};
  if (static_cast<int>(page.jobs.size()) == p.limit) page.next_cursor = page.jobs.back().id;
  return page;
}

Result<std::vector<JobEvent>> ListJobEvents(PgConnection& c, const std::string& id) {
  Result<JobRow> job = LoadJob(c, id, /*for_update=*/false);
  if (!job.ok()) return job.status();
  auto r = c.Exec(q::kEventsOfJob, {PgInt(job->seq)});
  if (!r.ok()) return r.status();
  std::vector<JobEvent> events;
  for (int i = 0; i < r->rows(); ++i) {
    JobEvent e{.at = r->Int(i, 0),
               .to = PgJobState(r->Text(i, 2)),
               .attempt = static_cast<int>(r->Int(i, 3)),
               .message = r->Text(i, 4)};
    if (!r->IsNull(i, 1)) e.from = PgJobState(r->Text(i, 1));
    events.push_back(std::move(e));
  }
  return events;
}

Result<std::optional<TimeMs>> NextRunAt(PgConnection& c) {
  auto r = c.Exec(q::kNextRunAt);
  if (!r.ok()) return r.status();
  return r->OptInt(0, 0);
}

Result<std::map<JobState, int64_t>> CountByState(PgConnection& c) {
  auto r = c.Exec(q::kCountByState);
  if (!r.ok()) return r.status();
  std::map<JobState, int64_t> counts;
  for (int i = 0; i < r->rows(); ++i) counts[PgJobState(r->Text(i, 0))] = r->Int(i, 1);
  return counts;
}

}  // namespace conveyor::pg_ops
