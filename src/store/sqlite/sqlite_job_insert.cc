// JobInsertMany: idempotency resolution, then multi-row inserts, then one statement that writes
// the insert event of every new job.
#include <string>
#include <unordered_map>

#include "store/sqlite/sqlite_job_ops.h"
#include "store/sqlite/sqlite_queries.h"
#include "store/store_insert_resolution.h"
#include "store/store_json.h"

namespace conveyor::sqlite_ops {
namespace q = sqlite_queries;
namespace {

// Rows per multi-row INSERT. 64 × 31 parameters stays far below SQLite's limit of 32766.
constexpr int kChunkSizes[] = {64, 8, 1};

const std::string& InsertSql(int rows) {
  static const std::string k64 = JobInsertSql(64);
  static const std::string k8 = JobInsertSql(8);
  static const std::string k1 = JobInsertSql(1);
  return rows == 64 ? k64 : rows == 8 ? k8 : k1;
}

// Stored jobs that hold any of the batch's idempotency keys, by key.
Result<std::unordered_map<std::string, Job>> LoadByKeys(SqliteConnection& c,
                                                        const std::vector<Job>& jobs) {
  std::unordered_map<std::string, Job> found;
  const std::vector<std::string> key_list = IdempotencyKeys(jobs);
  if (key_list.empty()) return found;
  const std::string keys = EncodeJsonStringArray(key_list);
  auto st = c.Prepare(q::kSelectJobsByKeys);
  if (!st.ok()) return st.status();
  st->BindText(1, keys);
  while (true) {
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) return found;
    Job job = ReadJobRow(*st).job;
    std::string key = *job.idempotency_key;
    found.emplace(std::move(key), std::move(job));
  }
}

Status InsertChunk(SqliteConnection& c, const Job* const* jobs, int rows) {
  std::vector<JobInsertText> text;
  text.reserve(static_cast<size_t>(rows));
  for (int r = 0; r < rows; ++r) text.push_back(EncodeJobInsertText(*jobs[r]));
  auto st = c.Prepare(InsertSql(rows));
  if (!st.ok()) return st.status();
  for (int r = 0; r < rows; ++r) {
    BindJobInsert(*st, 1 + r * q::kInsertColumnCount, *jobs[r], text[static_cast<size_t>(r)]);
  }
  return st->Run();
}

Status InsertRows(SqliteConnection& c, const std::vector<const Job*>& fresh) {
  size_t i = 0;
  for (const int chunk : kChunkSizes) {
    while (fresh.size() - i >= static_cast<size_t>(chunk)) {
      Status s = InsertChunk(c, fresh.data() + i, chunk);
      if (!s.ok()) return DuplicateJobIdOr(s);
      i += static_cast<size_t>(chunk);
    }
  }
  return Status::Ok();
}

Status InsertEvents(SqliteConnection& c, int64_t after_seq, TimeMs now) {
  auto st = c.Prepare(q::kInsertEventsForNewJobs);
  if (!st.ok()) return st.status();
  st->BindInt(1, after_seq);
  st->BindInt(2, now);
  return st->Run();
}

}  // namespace

Result<std::vector<InsertOutcome>> JobInsertMany(SqliteConnection& c, const JobInsertManyParams& p) {
  auto stored = LoadByKeys(c, p.jobs);
  if (!stored.ok()) return stored.status();
  std::vector<InsertOutcome> out;
  auto fresh = ResolveIdempotency(p.jobs, *stored, out);
  if (!fresh.ok()) return fresh.status();
  if (fresh->empty()) return out;
  Result<int64_t> max_seq = c.QueryInt(q::kMaxSeq);
  if (!max_seq.ok()) return max_seq.status();
  if (Status s = InsertRows(c, *fresh); !s.ok()) return s;
  if (Status s = InsertEvents(c, *max_seq, p.now); !s.ok()) return s;
  return out;
}

}  // namespace conveyor::sqlite_ops
