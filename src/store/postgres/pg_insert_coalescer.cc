#include "store/postgres/pg_insert_coalescer.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <string>
#include <utility>

#include "observability/metrics.h"
#include "store/postgres/pg_async_runner.h"
#include "store/store_insert_resolution.h"

namespace conveyor {

void PgInsertCoalescer::Add(JobInsertManyParams p, Done done) {
  bool post = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.push_back(Call{std::move(p), std::move(done)});
    if (drains_ < max_drains_) {
      ++drains_;
      post = true;
    }
  }
  if (post) runner_.Post([this] { Drain(); });
}

// Takes what is pending (at most kMaxMerged at a time) until nothing is; while one insert
// waits for its flush, the submits arriving meanwhile gather for the next.
void PgInsertCoalescer::Drain() {
  for (;;) {
    std::vector<Call> calls;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (pending_.empty()) {
        --drains_;
        return;
      }
      const size_t n = std::min(pending_.size(), kMaxMerged);
      calls.assign(std::make_move_iterator(pending_.begin()),
                   std::make_move_iterator(pending_.begin() + static_cast<std::ptrdiff_t>(n)));
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    RunMerged(calls);
  }
}

void PgInsertCoalescer::RunMerged(std::vector<Call>& calls) {
  if (calls.size() > 1) {
    const JobInsertManyParams merged =
        MergeInserts(calls, [](const Call& c) -> const JobInsertManyParams& { return c.params; });
    Result<std::vector<InsertOutcome>> out = TimedInsert(merged, calls.size());
    if (out.ok() && out->size() == calls.size()) {
      for (size_t i = 0; i < calls.size(); ++i) {
        calls[i].done(std::vector<InsertOutcome>{std::move((*out)[i])});
      }
      return;
    }
    if (out.ok() || out.status().code() == StatusCode::kUnavailable) {
      // Not one row's fault: the database is unreachable, or a lost COMMIT left the outcome
      // unknown (retrying alone could store a job twice), or the answer does not match. Trying
      // each alone would keep every caller waiting for N more failures; answer them all now.
      const Status s = out.ok() ? Status::Internal("merged insert returned " +
                                                   std::to_string(out->size()) + " outcomes for " +
                                                   std::to_string(calls.size()) + " jobs")
                                : out.status();
      for (Call& c : calls) c.done(s);
      return;
    }
  }
  // One job alone, or one row failed the merged insert: each on its own, with its own outcome.
  for (Call& c : calls) c.done(TimedInsert(c.params, 1));
}

// An exception must not end the drain task: its callers and every later one would never be
// answered (drains_ would stay counted), and on the runner thread it would end the process.
Result<std::vector<InsertOutcome>> PgInsertCoalescer::SafeInsert(const JobInsertManyParams& p) {
  try {
    return insert_(p);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("job insert threw: ") + e.what());
  }
}

Result<std::vector<InsertOutcome>> PgInsertCoalescer::TimedInsert(const JobInsertManyParams& p,
                                                                  size_t submits) {
  const auto started = std::chrono::steady_clock::now();
  Result<std::vector<InsertOutcome>> out = SafeInsert(p);
  if (out.ok()) {
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    observability::metrics::RecordCommitSeconds(took.count());
    observability::metrics::RecordCommitBatchSize(submits);
  }
  return out;
}

}  // namespace conveyor
