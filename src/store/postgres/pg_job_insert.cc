// JobInsertMany: idempotency resolution against the stored keys, then one INSERT of every new job
// (with its first event) from a JSON parameter. A concurrent transaction may commit one of our
// keys between the lookup and the insert: ON CONFLICT DO NOTHING then skips that row, and the
// whole resolution runs again from a savepoint, so the caller still gets the original job.
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "store/postgres/pg_job_ops.h"
#include "store/postgres/pg_queries.h"
#include "store/sqlite/sqlite_json.h"  // the store's dependency-free JSON text helpers

namespace conveyor::pg_ops {
namespace q = pg_queries;
namespace {

constexpr int kMaxRaces = 5;

Status ConflictingKey(const std::string& key, const std::string& job_id) {
  return Status::Conflict("idempotency key '" + key +
                          "' was already used for a different request (job " + job_id + ")");
}

// Stored jobs that hold any of the batch's idempotency keys, by key.
Result<std::unordered_map<std::string, Job>> LoadByKeys(PgConnection& c,
                                                        const std::vector<Job>& jobs) {
  std::unordered_map<std::string, Job> found;
  std::vector<std::string> keys;
  for (const Job& j : jobs) {
    if (j.idempotency_key) keys.push_back(*j.idempotency_key);
  }
  if (keys.empty()) return found;
  auto r = c.Exec(q::kSelectJobsByKeys, {EncodeJsonStringArray(keys)});
  if (!r.ok()) return r.status();
  for (PgJobRow& row : ReadPgJobRows(*r)) {
    std::string key = *row.job.idempotency_key;
    found.emplace(std::move(key), std::move(row.job));
  }
  return found;
}

// Fills `out` for every job and returns the jobs to insert. Conflict for a reused key.
// (The same rules as the SQLite store's resolution.)
Result<std::vector<const Job*>> Resolve(const std::vector<Job>& jobs,
                                        const std::unordered_map<std::string, Job>& stored,
                                        std::vector<InsertOutcome>& out) {
  std::vector<const Job*> fresh;
  std::unordered_map<std::string_view, const Job*> in_batch;
  out.reserve(jobs.size());
  for (const Job& j : jobs) {
    const Job* original = nullptr;
    if (j.idempotency_key) {
      const std::string& key = *j.idempotency_key;
      if (auto it = stored.find(key); it != stored.end()) original = &it->second;
      if (auto it = in_batch.find(key); original == nullptr && it != in_batch.end()) {
        original = it->second;
      }
      if (original == nullptr) in_batch.emplace(key, &j);
    }
    if (original != nullptr && original->request_hash != j.request_hash) {
      return ConflictingKey(*j.idempotency_key, original->id);
    }
    out.push_back(InsertOutcome{.job = original ? *original : j, .is_new = original == nullptr});
    if (original == nullptr) fresh.push_back(&j);
  }
  return fresh;
}

// Inserts `fresh`; returns how many rows went in (fewer when a key raced).
Result<size_t> InsertRows(PgConnection& c, const std::vector<const Job*>& fresh, TimeMs now) {
  auto r = c.Exec(q::kInsertJobs, {EncodePgJobsJson(fresh), PgInt(now)});
  if (!r.ok()) {
    if (r.status().code() == StatusCode::kConflict) {
      return Status::Conflict("a job with the same id already exists (" + r.status().message() +
                              ")");
    }
    return r.status();
  }
  return static_cast<size_t>(r->rows());
}

// One pass: nullopt when a concurrent insert took one of our keys (run again).
Result<std::optional<std::vector<InsertOutcome>>> TryInsert(PgConnection& c,
                                                            const JobInsertManyParams& p) {
  auto stored = LoadByKeys(c, p.jobs);
  if (!stored.ok()) return stored.status();
  std::vector<InsertOutcome> out;
  auto fresh = Resolve(p.jobs, *stored, out);
  if (!fresh.ok()) return fresh.status();
  if (fresh->empty()) return std::optional(std::move(out));
  Result<size_t> inserted = InsertRows(c, *fresh, p.now);
  if (!inserted.ok()) return inserted.status();
  if (*inserted != fresh->size()) return std::optional<std::vector<InsertOutcome>>();
  c.RequestNotify();
  return std::optional(std::move(out));
}

bool HasKeys(const std::vector<Job>& jobs) {
  for (const Job& j : jobs) {
    if (j.idempotency_key) return true;
  }
  return false;
}

}  // namespace

Result<std::vector<InsertOutcome>> InsertJobs(PgConnection& c, const JobInsertManyParams& p) {
  if (!HasKeys(p.jobs)) {  // no key can race: skip the savepoint round trips
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
