// JobInsertMany on SQLite: the shared pass (store_job_ops.h: idempotency resolution against the
// stored keys), then multi-row inserts, then one statement that writes the insert event of every
// new job.
#include <string>
#include <unordered_map>

#include "store/sqlite/sqlite_job_ops.h"
#include "store/sqlite/sqlite_queries.h"
#include "store/sqlite/sqlite_queue_queries.h"
#include "store/store_insert_resolution.h"
#include "store/store_job_ops.h"
#include "store/store_json.h"

namespace conveyor {
namespace q = sqlite_queries;
namespace {

// Rows per multi-row INSERT. 64 × 33 parameters stays far below SQLite's limit of 32766.
constexpr int kChunkSizes[] = {64, 8, 1};

const std::string& InsertSql(int rows) {
  static const std::string k64 = JobInsertSql(64);
  static const std::string k8 = JobInsertSql(8);
  static const std::string k1 = JobInsertSql(1);
  return rows == 64 ? k64 : rows == 8 ? k8 : k1;
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

// The first job of a queue makes its row (store/queue_types.h).
Status InsertNewQueues(SqliteConnection& c, int64_t after_seq, TimeMs now) {
  auto st = c.Prepare(q::kQueuesOfNewJobs);
  if (!st.ok()) return st.status();
  st->BindInt(1, after_seq);
  st->BindInt(2, now);
  return st->Run();
}

}  // namespace

Status SqliteJobStatements::JobsWithKeys(const std::vector<TenantKey>& keys, KeyHolders& found) {
  const std::string encoded = EncodeTenantKeys(keys);
  auto st = c_.Prepare(q::kSelectJobsByKeys);
  if (!st.ok()) return st.status();
  st->BindText(1, encoded);
  return st->ForEachRow([&](const SqliteStatement& row) {
    Job job = ReadJobRow(row).job;
    TenantKey key = KeyOf(job);
    found.emplace(std::move(key), std::move(job));
  });
}

Status SqliteJobStatements::JobKeysRelease(const std::vector<TenantKey>& keys,
                                           TimeMs created_at_most) {
  auto st = c_.Prepare(q::kReleaseKeys);
  if (!st.ok()) return st.status();
  const std::string encoded = EncodeTenantKeys(keys);  // bound without a copy: outlives Run
  st->BindText(1, encoded);
  st->BindInt(2, created_at_most);
  return st->Run();
}

// Rows inserted in this transaction have seq above the max taken before (one writer), so one
// statement writes all their events. No concurrent insert can take a key: true or an error.
Result<bool> SqliteJobStatements::JobInsertRows(const std::vector<const Job*>& jobs, TimeMs now) {
  Result<int64_t> max_seq = c_.QueryInt(q::kMaxSeq);
  if (!max_seq.ok()) return max_seq.status();
  if (Status s = InsertRows(c_, jobs); !s.ok()) return s;
  if (Status s = InsertEvents(c_, *max_seq, now); !s.ok()) return s;
  if (Status s = InsertNewQueues(c_, *max_seq, now); !s.ok()) return s;
  return true;
}

Result<std::vector<InsertOutcome>> sqlite_ops::JobInsertMany(SqliteConnection& c,
                                                             const JobInsertManyParams& p) {
  auto pass = store_ops::JobInsertPass(SqliteJobStatements(c), p);
  if (!pass.ok()) return pass.status();
  return std::move(**pass);  // never nullopt: see JobInsertRows
}

}  // namespace conveyor
