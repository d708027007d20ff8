#include "store/store_insert_resolution.h"

#include <string_view>

namespace conveyor {

std::vector<std::string> IdempotencyKeys(const std::vector<Job>& jobs) {
  std::vector<std::string> keys;
  for (const Job& j : jobs) {
    if (j.idempotency_key) keys.push_back(*j.idempotency_key);
  }
  return keys;
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

std::vector<std::string> TakeReleasableKeys(std::unordered_map<std::string, Job>& stored,
                                            TimeMs now, TimeMs window_ms) {
  std::vector<std::string> released;
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

Result<std::vector<const Job*>> ResolveIdempotency(
    const std::vector<Job>& jobs, const std::unordered_map<std::string, Job>& stored,
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
