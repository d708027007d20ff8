// JobClaim's logic, written once for both backends (see store_job_ops.h for the `Db` idea).
//
// One claim, one transaction:
//  1. Read the queues (weight, paused, concurrency limit with its RUNNING count) and the rate
//     limits with their windows. PostgreSQL locks the limited queue rows and the rate-limit rows
//     first, so claimers on different nodes take turns where a limit is shared and never where
//     none is.
//  2. Share the claim's slots among the queues that may start jobs by weight (ClaimPlanner),
//     capped per queue by its limit and its queue rate budget.
//  3. Per queue: its age share first (the longest-waiting due jobs, whatever their priority),
//     then (priority, run_at, seq) order; job types whose rate budget is spent are skipped, and a
//     type with a budget left takes no more than it. Each selection is marked RUNNING before the
//     next, so no round sees a job twice. Queues that ran dry give their slots to the others in
//     the next round.
//  4. Write the rate windows used.
//
// `Db` offers, beyond store_job_ops.h's:
//   Result<std::vector<ClaimQueueRow>> ClaimQueues(TimeMs now);  every queue; running counted
//                                                             for limited ones (after locking
//                                                             them); has_due
//   Result<std::vector<RateLimitRow>> ClaimRateLimits();      every rate limit (locked)
//   Result<std::vector<ClaimCandidate>> ClaimSelect(const ClaimSelectParams& s);
//   Result<std::vector<JobRow>> ClaimMark(const std::string& seqs, const JobClaimParams& p);
//                                                             seqs: a JSON array of integers
//   Status RateLimitUse(const RateLimitRow& row);             writes window_start and used
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/claim_planner.h"
#include "store/queue_types.h"
#include "store/store.h"
#include "store/store_job_rules.h"
#include "store/store_json.h"

namespace conveyor::store_ops {

struct ClaimQueueRow {
  std::string name;
  int weight = 1;
  bool paused = false;
  std::optional<int> concurrency_limit;
  int64_t running = 0;  // counted only where concurrency_limit is set
  bool has_due = false;  // unpaused, and a waiting job is due
};

struct ClaimSelectParams {
  std::string queue;
  int limit = 1;
  TimeMs now = 0;
  std::optional<std::string> types;    // JSON array, or none: any type
  std::optional<std::string> exclude;  // JSON array, or none
  bool oldest_first = false;           // the age share: earliest run_at whatever the priority
};

struct ClaimCandidate {
  int64_t seq = 0;
  std::string type;
};

// How long a claim that found work held back should wait before looking again for a limit
// another node may free.
inline constexpr TimeMs kLimitRecheckMs = 250;
inline constexpr int kMaxClaimRounds = 4;

// The rate budgets of one claim: what each limited queue and type may still start.
class ClaimBudgets {
 public:
  ClaimBudgets(std::vector<RateLimitRow> rows, TimeMs now) : rows_(std::move(rows)), now_(now) {
    for (size_t i = 0; i < rows_.size(); ++i) {
      auto& m = rows_[i].kind == RateLimitKind::kQueue ? queues_ : types_;
      m[rows_[i].name] = {i, rows_[i].Budget(now)};
    }
  }
  // Starts the queue's rate limit allows now (INT64_MAX: none set).
  int64_t QueueBudget(const std::string& queue) const {
    auto it = queues_.find(queue);
    return it == queues_.end() ? INT64_MAX : it->second.left;
  }
  // Consumes one start of `type`; false when its budget is spent.
  bool TakeType(const std::string& type) {
    auto it = types_.find(type);
    if (it == types_.end()) return true;
    if (it->second.left <= 0) return Held(it->second);
    --it->second.left;
    ++it->second.taken;
    return true;
  }
  void TakeQueue(const std::string& queue, int n) {
    auto it = queues_.find(queue);
    if (it == queues_.end()) return;
    it->second.left -= n;
    it->second.taken += n;
    if (it->second.left <= 0) Held(it->second);
  }
  // Types whose budget is spent, with the claim's own exclusions, as a JSON array.
  std::optional<std::string> Excluded(const std::vector<std::string>& also) const {
    std::vector<std::string> names = also;
    for (const auto& [type, b] : types_) {
      if (b.left <= 0) names.push_back(type);
    }
    if (names.empty()) return std::nullopt;
    return EncodeJsonStringArray(names);
  }
  void HoldFor(TimeMs until) { held_until_ = std::min(held_until_.value_or(until), until); }
  std::optional<TimeMs> held_until() const { return held_until_; }

  template <class Db>
  Status Write(Db& db) {
    for (auto* m : {&queues_, &types_}) {
      for (const auto& [name, b] : *m) {
        if (b.taken == 0) continue;
        RateLimitRow row = rows_[b.row];
        const int64_t before = row.limit.max_starts - row.Budget(now_);
        row.window_start = row.NextWindow(now_) - row.limit.period_ms;
        row.used = before + b.taken;
        if (Status s = db.RateLimitUse(row); !s.ok()) return s;
      }
    }
    return Status::Ok();
  }

 private:
  struct Budget {
    size_t row = 0;
    int64_t left = 0;
    int64_t taken = 0;
  };
  bool Held(const Budget& b) {
    HoldFor(rows_[b.row].NextWindow(now_));
    return false;
  }

  std::vector<RateLimitRow> rows_;
  TimeMs now_;
  std::map<std::string, Budget> queues_;
  std::map<std::string, Budget> types_;
  std::optional<TimeMs> held_until_;
};

// Selects up to `limit` jobs of one queue in the given order, keeps those whose type still has
// budget, and marks them RUNNING. Returns how many it started and whether the queue ran dry
// (fewer due jobs than asked, none skipped for a rate limit).
template <class Db>
Result<std::pair<int, bool>> ClaimSelectAndMark(Db& db, const JobClaimParams& p,
                                                ClaimSelectParams s, ClaimBudgets& budgets,
                                                std::vector<JobRow>& out) {
  s.exclude = budgets.Excluded(p.exclude_types);
  Result<std::vector<ClaimCandidate>> found = db.ClaimSelect(s);
  if (!found.ok()) return found.status();
  std::string seqs;
  int kept = 0;
  for (const ClaimCandidate& c : *found) {
    if (!budgets.TakeType(c.type)) continue;
    seqs += seqs.empty() ? "[" : ",";
    seqs += std::to_string(c.seq);
    ++kept;
  }
  const bool dry = static_cast<int>(found->size()) < s.limit;
  if (kept == 0) return std::pair{0, dry};
  Result<std::vector<JobRow>> rows = db.ClaimMark(seqs + "]", p);
  if (!rows.ok()) return rows.status();
  for (JobRow& r : *rows) out.push_back(std::move(r));
  return std::pair{static_cast<int>(rows->size()), dry && kept == static_cast<int>(found->size())};
}

// Starts up to `slots` jobs of one queue: its age share, then priority order.
template <class Db>
Result<std::pair<int, bool>> ClaimFromQueue(Db& db, const JobClaimParams& p,
                                            const std::string& queue, int slots,
                                            ClaimPlanner& planner, ClaimBudgets& budgets,
                                            std::vector<JobRow>& out) {
  ClaimSelectParams s{.queue = queue, .limit = 0, .now = p.now};
  if (!p.types.empty()) s.types = EncodeJsonStringArray(p.types);
  int started = 0;
  bool dry = false;
  const int age = std::min(slots, planner.AgeSlots(queue, slots));
  if (age > 0) {
    s.limit = age;
    s.oldest_first = true;
    auto r = ClaimSelectAndMark(db, p, s, budgets, out);
    if (!r.ok()) return r.status();
    started += r->first;
    dry = r->second;
  }
  if (started < slots && !dry) {
    s.limit = slots - started;
    s.oldest_first = false;
    auto r = ClaimSelectAndMark(db, p, s, budgets, out);
    if (!r.ok()) return r.status();
    started += r->first;
    dry = r->second;
  }
  return std::pair{started, dry};
}

// The queues this claim may take from now, with what each may start.
inline std::vector<PlanCandidate> ClaimCandidates(const std::vector<ClaimQueueRow>& queues,
                                                  const JobClaimParams& p,
                                                  ClaimBudgets& budgets) {
  std::vector<PlanCandidate> out;
  for (const ClaimQueueRow& q : queues) {
    if (q.paused || !q.has_due) continue;
    if (!p.queues.empty() &&
        std::find(p.queues.begin(), p.queues.end(), q.name) == p.queues.end()) {
      continue;
    }
    int64_t capacity = budgets.QueueBudget(q.name);
    if (q.concurrency_limit) {
      const int64_t free = *q.concurrency_limit - q.running;
      if (free <= 0) budgets.HoldFor(p.now + kLimitRecheckMs);
      capacity = std::min(capacity, free);
    }
    if (capacity > 0) out.push_back({q.name, q.weight, capacity});
  }
  return out;
}

template <class Db>
Result<std::vector<Job>> JobClaim(Db db, const JobClaimParams& p, ClaimPlanner& planner,
                                  std::optional<TimeMs>& held_until) {
  held_until.reset();
  if (p.max <= 0) return std::vector<Job>{};
  Result<std::vector<ClaimQueueRow>> queues = db.ClaimQueues(p.now);
  if (!queues.ok()) return queues.status();
  Result<std::vector<RateLimitRow>> rates = db.ClaimRateLimits();
  if (!rates.ok()) return rates.status();
  ClaimBudgets budgets(std::move(*rates), p.now);
  std::vector<PlanCandidate> candidates = ClaimCandidates(*queues, p, budgets);
  std::vector<JobRow> claimed;
  int remaining = p.max;
  // Queues that ran dry give their slots to the others in the next round. Every round starts a
  // job or drains a queue, except where a type's rate budget ran out under a queue: those
  // rounds are bounded.
  for (int idle_rounds = 0; remaining > 0 && !candidates.empty() && idle_rounds < kMaxClaimRounds;) {
    const int before = remaining;
    const size_t queues_before = candidates.size();
    for (const PlanSlot& slot : planner.Plan(candidates, remaining)) {
      PlanCandidate& c = candidates[slot.candidate];
      auto got = ClaimFromQueue(db, p, c.name, slot.slots, planner, budgets, claimed);
      if (!got.ok()) return got.status();
      const auto [started, dry] = *got;
      planner.Charge(c.name, c.weight, started);
      budgets.TakeQueue(c.name, started);
      remaining -= started;
      c.capacity = dry ? 0 : c.capacity - started;
      if (dry) planner.Drained(c.name);
    }
    std::erase_if(candidates, [](const PlanCandidate& c) { return c.capacity <= 0; });
    if (remaining == before && candidates.size() == queues_before) ++idle_rounds;
  }
  if (Status s = budgets.Write(db); !s.ok()) return s;
  held_until = budgets.held_until();
  SortInClaimOrder(claimed);
  return TakeJobs(std::move(claimed));
}

}  // namespace conveyor::store_ops
