#include "store/store_insert_resolution.h"

#include <functional>
#include <string_view>

#include "store/store_json.h"

namespace conveyor {

size_t TenantKeyHash::operator()(const TenantKey& k) const {
  const size_t t = std::hash<std::string_view>()(k.tenant);
  return std::hash<std::string_view>()(k.key) ^ (t + 0x9e3779b97f4a7c15ULL + (t << 6) + (t >> 2));
}

TenantKey KeyOf(const Job& job) {
  return TenantKey{.tenant = job.tenant, .key = *job.idempotency_key};
}

std::vector<TenantKey> IdempotencyKeys(const std::vector<Job>& jobs) {
  std::vector<TenantKey> keys;
  for (const Job& j : jobs) {
    if (j.idempotency_key) keys.push_back(KeyOf(j));
  }
  return keys;
}

std::string EncodeTenantKeys(const std::vector<TenantKey>& keys) {
  std::string out = "[";
  for (const TenantKey& k : keys) {
    out += out.size() > 1 ? ",[" : "[";
    AppendJsonString(out, k.key);
    out += ",";
    AppendJsonString(out, k.tenant);
    out += "]";
  }
  return out + "]";
}

bool HasIdempotencyKeys(const std::vector<Job>& jobs) {
  for (const Job& j : jobs) {
    if (j.idempotency_key) return true;
  }
  return false;
}

bool KeyWindowOver(const Job& holder, TimeMs now, TimeMs window_ms) {
  return window_ms > 0 && holder.created_at <= KeyReleaseCutoff(now, window_ms);
}

std::vector<TenantKey> TakeReleasableKeys(KeyHolders& stored, TimeMs now, TimeMs window_ms) {
  std::vector<TenantKey> released;
  for (auto it = stored.begin(); it != stored.end();) {
    if (KeyWindowOver(it->second, now, window_ms)) {
      released.push_back(it->first);
      it = stored.erase(it);
    } else {
      ++it;
    }
  }
  return released;
}

Result<std::vector<const Job*>> ResolveIdempotency(const std::vector<Job>& jobs,
                                                   const KeyHolders& stored,
                                                   std::vector<InsertOutcome>& out) {
  std::vector<const Job*> fresh;
  std::unordered_map<TenantKey, const Job*, TenantKeyHash> in_batch;
  out.reserve(jobs.size());
  for (const Job& j : jobs) {
    const Job* original = nullptr;
    if (j.idempotency_key) {
      TenantKey key = KeyOf(j);
      if (auto it = stored.find(key); it != stored.end()) original = &it->second;
      if (auto it = in_batch.find(key); original == nullptr && it != in_batch.end()) {
        original = it->second;
      }
      if (original == nullptr) in_batch.emplace(std::move(key), &j);
    }
    if (original != nullptr && original->request_hash != j.request_hash) {
      return ConflictingKey(*j.idempotency_key, original->id);
    }
    out.push_back(InsertOutcome{.job = original ? *original : j, .is_new = original == nullptr});
    if (original == nullptr) fresh.push_back(&j);
  }
  return fresh;
}

bool CanMergeInsert(const JobInsertManyParams& p) {
  // A job with dependencies may be refused (an unknown id) after the rows of others went in.
  return p.jobs.size() == 1 && !p.jobs.front().idempotency_key.has_value() &&
         p.jobs.front().depends_on.empty();
}

Status ConflictingKey(const std::string& key, const std::string& job_id) {
  return Status::Conflict("idempotency key '" + key +
                          "' was already used for a different request (job " + job_id + ")");
}

Status DuplicateJobIdOr(const Status& insert_error) {
  if (insert_error.code() != StatusCode::kConflict) return insert_error;
  return Status::Conflict("a job with the same id already exists (" + insert_error.message() +
                          ")");
}

}  // namespace conveyor
