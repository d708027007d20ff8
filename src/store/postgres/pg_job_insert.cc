// JobInsertMany: idempotency resolution against the stored keys, then one INSERT of every new job
// (with its first event) from a JSON parameter. A concurrent transaction may commit one of our
// keys between the lookup and the insert: ON CONFLICT DO NOTHING then skips that row, and the
// whole resolution runs again from a savepoint, so the caller still gets the original job.
#include <string>
#include <unordered_map>

#include "store/postgres/pg_job_ops.h"
#include "store/postgres/pg_queries.h"
#include "store/store_insert_resolution.h"
#include "store/store_json.h"

namespace conveyor::pg_ops {
namespace q = pg_queries;
namespace {

constexpr int kMaxRaces = 5;

// Stored jobs that hold any of the batch's idempotency keys, by key.
Result<std::unordered_map<std::string, Job>> LoadByKeys(PgConnection& c,
                                                        const std::vector<Job>& jobs) {
  std::unordered_map<std::string, Job> found;
  const std::vector<std::string> keys = IdempotencyKeys(jobs);
  if (keys.empty()) return found;
  auto r = c.Exec(q::kSelectJobsByKeys, {EncodeJsonStringArray(keys)});
  if (!r.ok()) return r.status();
  for (JobRow& row : ReadPgJobRows(*r)) {
    std::string key = *row.job.idempotency_key;
    found.emplace(std::move(key), std::move(row.job));
  }
  return found;
}

// Inserts `fresh`; returns how many rows went in (fewer when a key raced).
Result<size_t> InsertRows(PgConnection& c, const std::vector<const Job*>& fresh, TimeMs now) {
  auto r = c.Exec(q::kInsertJobs, {EncodePgJobsJson(fresh), PgInt(now)});
  if (!r.ok()) return DuplicateJobIdOr(r.status());
  return static_cast<size_t>(r->rows());
}

// One pass: nullopt when a concurrent insert took one of our keys (run again).
Result<std::optional<std::vector<InsertOutcome>>> TryInsert(PgConnection& c,
                                                            const JobInsertManyParams& p) {
  auto stored = LoadByKeys(c, p.jobs);
  if (!stored.ok()) return stored.status();
  std::vector<InsertOutcome> out;
  auto fresh = ResolveIdempotency(p.jobs, *stored, out);
  if (!fresh.ok()) return fresh.status();
  if (fresh->empty()) return std::optional(std::move(out));
  Result<size_t> inserted = InsertRows(c, *fresh, p.now);
  if (!inserted.ok()) return inserted.status();
  if (*inserted != fresh->size()) return std::optional<std::vector<InsertOutcome>>();
  c.RequestNotify();
  return std::optional(std::move(out));
}

}  // namespace

Result<std::vector<InsertOutcome>> InsertJobs(PgConnection& c, const JobInsertManyParams& p) {
  if (!HasIdempotencyKeys(p.jobs)) {  // no key can race: skip the savepoint round trips
    auto once = TryInsert(c, p);
    if (!once.ok()) return once.status();
    return std::move(**once);
  }
  for (int race = 0; race < kMaxRaces; ++race) {
    if (Status s = c.Run("SAVEPOINT insert_jobs"); !s.ok()) return s;
    auto pass = TryInsert(c, p);
    if (!pass.ok()) return pass.status();
    if (*pass) return std::move(**pass);
    if (Status s = c.Run("ROLLBACK TO SAVEPOINT insert_jobs"); !s.ok()) return s;
  }
  return Status::Unavailable("idempotency keys kept racing with concurrent submits; try again");
}

}  // namespace conveyor::pg_ops
