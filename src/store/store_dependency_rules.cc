#include "store/store_dependency_rules.h"

#include <algorithm>
#include <atomic>
#include <unordered_set>

#include "store/store_json.h"

namespace conveyor {
namespace {

// "jobs[3].depends_on" in a batch, "depends_on" alone.
std::string Field(const std::vector<size_t>& where, bool batch, size_t i) {
  return batch ? "jobs[" + std::to_string(where[i]) + "].depends_on" : "depends_on";
}

// Rewrites through `replayed`, drops repeats (keeping first-seen order), refuses itself.
Status NormaliseOne(Job& job, const std::string& field,
                    const std::unordered_map<std::string, std::string>& replayed) {
  if (job.depends_on.size() > kMaxDependencies) {
    return Status::InvalidArgument(field + " must be an array of at most " +
                                   std::to_string(kMaxDependencies) + " job ids");
  }
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  for (const std::string& raw : job.depends_on) {
    const auto it = replayed.find(raw);
    const std::string& id = it == replayed.end() ? raw : it->second;
    if (id == job.id) {
      return Status::InvalidArgument(field +
                                     " names the job itself; a job may not depend on itself");
    }
    if (seen.insert(id).second) out.push_back(id);
  }
  job.depends_on = std::move(out);
  return Status::Ok();
}

// Kahn's algorithm over the edges inside the batch; what is left over sits on a cycle.
Result<std::vector<size_t>> TopologicalOrder(const std::vector<Job>& jobs,
                                             const std::vector<size_t>& where, bool batch) {
  std::unordered_map<std::string_view, size_t> index;
  for (size_t i = 0; i < jobs.size(); ++i) index.emplace(jobs[i].id, i);
  std::vector<std::vector<size_t>> dependents(jobs.size());
  std::vector<size_t> waiting(jobs.size(), 0);
  for (size_t i = 0; i < jobs.size(); ++i) {
    for (const std::string& d : jobs[i].depends_on) {
      if (auto it = index.find(d); it != index.end()) {
        dependents[it->second].push_back(i);
        ++waiting[i];
      }
    }
  }
  std::vector<size_t> order;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (waiting[i] == 0) order.push_back(i);
  }
  for (size_t k = 0; k < order.size(); ++k) {
    for (size_t d : dependents[order[k]]) {
      if (--waiting[d] == 0) order.push_back(d);
    }
  }
  if (order.size() == jobs.size()) return order;
  std::string names;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (waiting[i] > 0) names += (names.empty() ? "" : ", ") + Field(where, batch, i);
  }
  return Status::InvalidArgument("depends_on forms a cycle: " + names +
                                 " wait on each other, so none could ever run");
}

}  // namespace

std::string DependencyFailure(const std::string& id, JobState state) {
  const char* what = state == JobState::kFailed      ? " failed"
                     : state == JobState::kCancelled ? " was cancelled"
                     : state == JobState::kExpired   ? " expired"
                                                     : " did not succeed";
  return "dependency " + id + what;
}

bool HasDependencies(const std::vector<const Job*>& jobs) {
  return std::any_of(jobs.begin(), jobs.end(), [](const Job* j) { return !j->depends_on.empty(); });
}

Result<BatchDependencies> ResolveBatchDependencies(
    std::vector<Job>& jobs, const std::vector<size_t>& where, bool batch,
    const std::unordered_map<std::string, std::string>& replayed) {
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (Status s = NormaliseOne(jobs[i], Field(where, batch, i), replayed); !s.ok()) return s;
  }
  Result<std::vector<size_t>> order = TopologicalOrder(jobs, where, batch);
  if (!order.ok()) return order.status();
  std::unordered_set<std::string_view> in_batch;
  for (const Job& j : jobs) in_batch.insert(j.id);
  BatchDependencies out{.order = std::move(*order)};
  for (const Job& j : jobs) {
    for (const std::string& d : j.depends_on) {
      if (!in_batch.count(d)) out.external_ids.push_back(d);
    }
  }
  std::sort(out.external_ids.begin(), out.external_ids.end());
  out.external_ids.erase(std::unique(out.external_ids.begin(), out.external_ids.end()),
                         out.external_ids.end());
  return out;
}

Status ApplyDependencyStates(std::vector<Job>& jobs, const BatchDependencies& deps,
                             const std::vector<size_t>& where, bool batch,
                             const std::unordered_map<std::string, DependencyInfo>& stored,
                             TimeMs now) {
  std::unordered_map<std::string, DependencyInfo> known = stored;
  for (size_t i : deps.order) {
    Job& job = jobs[i];
    const std::string* failed = nullptr;
    bool unmet = false;
    for (const std::string& d : job.depends_on) {
      const auto it = known.find(d);
      if (it == known.end() || !MayDependOn(job, it->second.tenant)) {
        return Status::InvalidArgument(Field(where, batch, i) + " names job " + d +
                                       ", which does not exist");
      }
      const JobState s = it->second.state;
      if (failed == nullptr &&
          (s == JobState::kFailed || s == JobState::kCancelled || s == JobState::kExpired)) {
        failed = &d;
      }
      unmet = unmet || s != JobState::kSucceeded;
    }
    if (failed != nullptr) {
      job.state = JobState::kCancelled;
      job.error = DependencyFailure(*failed, known.at(*failed).state);
      job.finished_at = now;
    } else if (unmet) {
      job.state = JobState::kBlocked;
    }
    known[job.id] = DependencyInfo{.state = job.state, .tenant = job.tenant};
  }
  return Status::Ok();
}

namespace {
std::atomic<uint64_t> released{0};
}  // namespace

uint64_t DependentsReleased() { return released.load(std::memory_order_acquire); }
void NoteDependentReleased() { released.fetch_add(1, std::memory_order_release); }

std::string EncodeDependencyEdges(const std::vector<Job>& jobs) {
  std::string out = "[";
  for (const Job& j : jobs) {
    for (const std::string& d : j.depends_on) {
      out += out.size() > 1 ? ",[" : "[";
      AppendJsonString(out, j.id);
      out += ",";
      AppendJsonString(out, d);
      out += "]";
    }
  }
  return out + "]";
}

std::string EncodeFinishedSeqs(const std::vector<FinishedJob>& jobs) {
  std::string out = "[";
  for (const FinishedJob& j : jobs) {
    if (out.size() > 1) out += ",";
    out += std::to_string(j.seq);
  }
  return out + "]";
}

}  // namespace conveyor
