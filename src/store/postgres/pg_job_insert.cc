// JobInsertMany: the shared pass (store_job_ops.h: idempotency resolution against the stored
// keys, then one INSERT of every new job with its first event from a JSON parameter). A
// concurrent transaction may commit one of our keys between the lookup and the insert: ON
// CONFLICT DO NOTHING then skips that row, and the whole pass runs again from a savepoint, so the
// caller still gets the original job.
#include <algorithm>
#include <string>
#include <unordered_map>

#include "store/postgres/pg_job_ops.h"
#include "store/postgres/pg_queries.h"
#include "store/store_insert_resolution.h"
#include "store/store_job_ops.h"
#include "store/store_json.h"

namespace conveyor {
namespace q = pg_queries;

Status PgJobStatements::JobsWithKeys(const std::vector<TenantKey>& keys, KeyHolders& found) {
  auto r = c_.Exec(q::kSelectJobsByKeys, {EncodeTenantKeys(keys)});
  if (!r.ok()) return r.status();
  for (JobRow& row : ReadPgJobRows(*r)) {
    TenantKey key = KeyOf(row.job);
    found.emplace(std::move(key), std::move(row.job));
  }
  return Status::Ok();
}

Status PgJobStatements::JobKeysRelease(const std::vector<TenantKey>& keys, TimeMs created_at_most) {
  auto r = c_.Exec(q::kReleaseKeys, {EncodeTenantKeys(keys), PgInt(created_at_most)});
  return r.ok() ? Status::Ok() : r.status();
}

// Fewer rows than jobs went in when a key raced.
Result<bool> PgJobStatements::JobInsertRows(const std::vector<const Job*>& jobs, TimeMs now) {
  PgParams params = EncodePgJobColumns(jobs);
  params.push_back(PgInt(now));
  std::vector<std::string> queues;
  for (const Job* j : jobs) {
    if (std::find(queues.begin(), queues.end(), j->queue) == queues.end()) queues.push_back(j->queue);
  }
  params.push_back(EncodePgTextArray(queues));
  auto r = c_.Exec(q::kInsertJobs, params);
  if (!r.ok()) return DuplicateJobIdOr(r.status());
  return static_cast<size_t>(r->rows()) == jobs.size();
}

namespace pg_ops {
namespace {

constexpr int kMaxRaces = 5;

}  // namespace

Result<std::vector<InsertOutcome>> JobInsertMany(PgConnection& c, const JobInsertManyParams& p) {
  if (!HasIdempotencyKeys(p.jobs)) {  // no key can race: skip the savepoint round trips
    auto once = store_ops::JobInsertPass(PgJobStatements(c), p);
    if (!once.ok()) return once.status();
    return std::move(**once);
  }
  for (int race = 0; race < kMaxRaces; ++race) {
    if (Status s = c.Run("SAVEPOINT insert_jobs"); !s.ok()) return s;
    auto pass = store_ops::JobInsertPass(PgJobStatements(c), p);
    if (!pass.ok()) return pass.status();
    if (*pass) return std::move(**pass);
    if (Status s = c.Run("ROLLBACK TO SAVEPOINT insert_jobs"); !s.ok()) return s;
  }
  return Status::Unavailable("idempotency keys kept racing with concurrent submits; try again");
}

}  // namespace pg_ops
}  // namespace conveyor
