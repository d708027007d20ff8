// The backend-agnostic idempotency rules of JobInsertMany that SqliteStore and PostgresStore
// share: which keys to look up, how a batch resolves against the stored jobs holding them (and
// against itself), and the Conflicts both answer with. SQL and driver calls stay in each store.
// Pure functions; thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/job.h"
#include "core/status.h"
#include "store/store.h"

namespace conveyor {

// An idempotency key as it is unique: within its tenant ("" : the jobs without one). A batch
// may mix tenants (the insert coalescers merge keyless jobs of any tenant), so every lookup,
// release and match goes by the pair, never by the key alone.
struct TenantKey {
  std::string tenant;
  std::string key;
  bool operator==(const TenantKey&) const = default;
};
struct TenantKeyHash {
  size_t operator()(const TenantKey& k) const;
};
// The stored jobs holding a batch's keys (Db::JobsWithKeys).
using KeyHolders = std::unordered_map<TenantKey, Job, TenantKeyHash>;

// (job.tenant, *job.idempotency_key). REQUIRES: the job has a key.
TenantKey KeyOf(const Job& job);
// The idempotency keys the batch carries, in batch order (repeats kept).
std::vector<TenantKey> IdempotencyKeys(const std::vector<Job>& jobs);
bool HasIdempotencyKeys(const std::vector<Job>& jobs);
// [[key, tenant], ...]: the pairs as both stores' key statements expand them.
std::string EncodeTenantKeys(const std::vector<TenantKey>& keys);

// Whether `holder`'s hold on its idempotency key is over at `now`: it was created window_ms or
// more before (window_ms 0: never over).
bool KeyWindowOver(const Job& holder, TimeMs now, TimeMs window_ms);
// Takes the holders whose key window is over out of `stored` and returns their keys: the insert
// releases them (Db::JobKeysRelease, guarded by KeyReleaseCutoff) before the batch takes them.
std::vector<TenantKey> TakeReleasableKeys(KeyHolders& stored, TimeMs now, TimeMs window_ms);
// The created_at at or before which a holder's key window is over. REQUIRES: window_ms > 0.
inline TimeMs KeyReleaseCutoff(TimeMs now, TimeMs window_ms) { return now - window_ms; }

// Fills `out` for every job (the original on a replay, else the job itself) and returns the jobs
// to insert. Conflict when a key comes back within its tenant with a different request_hash.
// `stored`: the stored jobs holding any of the batch's keys, by (tenant, key).
Result<std::vector<const Job*>> ResolveIdempotency(const std::vector<Job>& jobs,
                                                   const KeyHolders& stored,
                                                   std::vector<InsertOutcome>& out);

// Whether a submit may share one insert with others (both stores' insert coalescers): one job,
// no idempotency key and no dependency, so nothing in a merged insert can conflict with it.
bool CanMergeInsert(const JobInsertManyParams& p);
// One insert of every call's single job, in call order, at the latest call's now.
// REQUIRES: `calls` is not empty and CanMergeInsert(params_of(call)) for each.
template <class Calls, class ParamsOf>
JobInsertManyParams MergeInserts(const Calls& calls, ParamsOf params_of) {
  JobInsertManyParams merged;
  merged.now = params_of(*calls.begin()).now;
  merged.jobs.reserve(calls.size());
  for (const auto& call : calls) {
    const JobInsertManyParams& p = params_of(call);
    merged.now = std::max(merged.now, p.now);
    merged.jobs.push_back(p.jobs.front());
  }
  return merged;
}

// Conflict "idempotency key '<key>' was already used for a different request (job <id>)".
Status ConflictingKey(const std::string& key, const std::string& job_id);
// The Conflict for an insert the database refused because a job id exists; passes any other
// error through.
Status DuplicateJobIdOr(const Status& insert_error);

}  // namespace conveyor
