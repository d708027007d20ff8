// Reads of the jobs table, and the small helpers the write operations share.
#include <string>

#include "store/sqlite/sqlite_job_ops.h"
#include "store/sqlite/sqlite_queries.h"

namespace conveyor::sqlite_ops {
namespace q = sqlite_queries;

Result<JobRow> LoadJob(SqliteConnection& c, const std::string& id) {
  auto st = c.Prepare(q::kSelectJobById);
  if (!st.ok()) return st.status();
  st->BindText(1, id);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFoundJob(id);
  return ReadJobRow(*st);
}

Status StaleLease(SqliteConnection& c, const std::string& id) {
  auto st = c.Prepare(q::kSelectStateById);
  if (!st.ok()) return st.status();
  st->BindText(1, id);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFoundJob(id);
  return StaleLeaseConflict(id, st->Text(0));
}

Status AppendEvent(SqliteConnection& c, int64_t job_seq, TimeMs at, std::optional<JobState> from,
                   JobState to, int attempt, std::string_view message) {
  auto st = c.Prepare(q::kInsertEvent);
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

Result<JobRow> UpdateOneJob(SqliteConnection& c, std::string_view sql,
                            const std::function<void(SqliteStatement&)>& bind) {
  auto st = c.Prepare(sql);
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

Result<Job> JobGet(SqliteConnection& c, const std::string& id) {
  Result<JobRow> row = LoadJob(c, id);
  if (!row.ok()) return row.status();
  return std::move(row->job);
}

namespace {

Result<int64_t> CursorSeq(SqliteConnection& c, const std::optional<std::string>& cursor) {
  if (!cursor) return INT64_MAX;
  auto st = c.Prepare(q::kSelectSeqById);
  if (!st.ok()) return st.status();
  st->BindText(1, *cursor);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::InvalidArgument("cursor does not name a job");
  return st->Int(0);
}

}  // namespace

Result<JobPage> JobList(SqliteConnection& c, const JobListParams& p) {
  if (Status v = ValidateListParams(p); !v.ok()) return v;
  Result<int64_t> before = CursorSeq(c, p.cursor);
  if (!before.ok()) return before.status();
  auto st = c.Prepare(p.state ? q::kListByState : q::kList);
  if (!st.ok()) return st.status();
  st->BindOptText(1, p.type);
  st->BindOptText(2, p.queue);
  st->BindInt(3, *before);
  st->BindInt(4, p.limit);
  st->BindInt(5, p.offset);
  if (p.state) st->BindText(6, ToString(*p.state));
  JobPage page;
  while (true) {
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    page.jobs.push_back(ReadJobRow(*st).job);
  }
  if (static_cast<int>(page.jobs.size()) == p.limit) page.next_cursor = page.jobs.back().id;
  return page;
}

Result<std::vector<JobEvent>> JobEventList(SqliteConnection& c, const std::string& id) {
  Result<JobRow> job = LoadJob(c, id);
  if (!job.ok()) return job.status();
  auto st = c.Prepare(q::kEventsOfJob);
  if (!st.ok()) return st.status();
  st->BindInt(1, job->seq);
  std::vector<JobEvent> events;
  while (true) {
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) return events;
    JobEvent e{.at = st->Int(0), .to = ReadJobState(*st, 2),
               .attempt = static_cast<int>(st->Int(3)), .message = st->Text(4)};
    if (!st->IsNull(1)) e.from = ReadJobState(*st, 1);
    events.push_back(std::move(e));
  }
}

Result<std::optional<TimeMs>> JobNextRunAt(SqliteConnection& c) {
  auto st = c.Prepare(q::kNextRunAt);
  if (!st.ok()) return st.status();
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row || st->IsNull(0)) return std::optional<TimeMs>();
  return std::optional<TimeMs>(st->Int(0));
}

Result<std::map<JobState, int64_t>> JobCountByState(SqliteConnection& c) {
  auto st = c.Prepare(q::kCountByState);
  if (!st.ok()) return st.status();
  std::map<JobState, int64_t> counts;
  while (true) {
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) return counts;
    counts[ReadJobState(*st, 0)] = st->Int(1);
  }
}

}  // namespace conveyor::sqlite_ops
