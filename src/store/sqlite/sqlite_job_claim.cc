// The claim and the queues on SQLite: the statements store_claim.h and store_queue_ops.h run.
// The one writer already excludes every other write, so nothing is locked: a claim's RUNNING
// counts and rate windows cannot change under it.
#include <algorithm>
#include <string>
#include <tuple>

#include "store/sqlite/sqlite_job_row.h"
#include "store/sqlite/sqlite_job_statements.h"
#include "store/sqlite/sqlite_queries.h"
#include "store/sqlite/sqlite_queue_queries.h"

namespace conveyor {
namespace q = sqlite_queries;
namespace {

void BindClaimWhere(SqliteStatement& st, const store_ops::ClaimSelectParams& s) {
  st.BindText(1, s.queue);
  st.BindInt(2, s.now);
  st.BindOptText(3, s.types);
  st.BindOptText(4, s.exclude);
  st.BindInt(5, s.limit);
}

RateLimitKind ReadKind(const std::string& text) {
  return text == "queue" ? RateLimitKind::kQueue : RateLimitKind::kType;
}

QueueSettings ReadQueue(const SqliteStatement& row) {
  QueueSettings q;
  q.name = row.Text(0);
  q.weight = static_cast<int>(row.Int(1));
  if (!row.IsNull(2)) q.concurrency_limit = static_cast<int>(row.Int(2));
  q.paused = row.Int(3) != 0;
  if (!row.IsNull(4)) q.max_attempts = static_cast<int>(row.Int(4));
  if (!row.IsNull(5)) q.timeout_s = static_cast<int>(row.Int(5));
  q.created_at = row.Int(6);
  q.updated_at = row.Int(7);
  q.retention = {row.OptInt(8), row.OptInt(9), row.OptInt(10), row.OptInt(11)};
  return q;
}

std::optional<int64_t> Widen(const std::optional<int>& v) {
  return v ? std::optional<int64_t>(*v) : std::nullopt;
}

}  // namespace

Result<std::vector<store_ops::ClaimQueueRow>> SqliteJobStatements::ClaimQueues(TimeMs now) {
  auto st = c_.Prepare(q::kClaimQueues);
  if (!st.ok()) return st.status();
  st->BindInt(1, now);
  std::vector<store_ops::ClaimQueueRow> out;
  Status s = st->ForEachRow([&](const SqliteStatement& row) {
    store_ops::ClaimQueueRow q{.name = row.Text(0),
                               .weight = static_cast<int>(row.Int(1)),
                               .paused = row.Int(2) != 0,
                               .running = row.Int(4),
                               .has_due = row.Int(5) != 0};
    if (!row.IsNull(3)) q.concurrency_limit = static_cast<int>(row.Int(3));
    out.push_back(std::move(q));
  });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<RateLimitRow>> SqliteJobStatements::RateLimitsRead() {
  auto st = c_.Prepare(q::kRateLimits);
  if (!st.ok()) return st.status();
  std::vector<RateLimitRow> out;
  Status s = st->ForEachRow([&](const SqliteStatement& row) {
    out.push_back({.kind = ReadKind(row.Text(0)),
                   .name = row.Text(1),
                   .limit = {.max_starts = row.Int(2), .period_ms = row.Int(3)},
                   .window_start = row.Int(4),
                   .used = row.Int(5)});
  });
  if (!s.ok()) return s;
  return out;
}

// The age share: the oldest due jobs of each priority, merged, the oldest `limit` of them.
Result<std::vector<store_ops::ClaimCandidate>> SqliteJobStatements::ClaimSelect(
    const store_ops::ClaimSelectParams& s) {
  std::vector<std::tuple<int64_t, int64_t, std::string>> rows;  // (run_at, seq, type)
  for (int p = s.oldest_first ? kMinPriority : 0; p <= (s.oldest_first ? kMaxPriority : 0); ++p) {
    auto st = c_.Prepare(s.oldest_first ? q::kClaimSelectOldest : q::kClaimSelect);
    if (!st.ok()) return st.status();
    BindClaimWhere(*st, s);
    if (s.oldest_first) st->BindInt(6, p);
    Status r = st->ForEachRow([&](const SqliteStatement& row) {
      rows.emplace_back(s.oldest_first ? row.Int(2) : 0, row.Int(0), row.Text(1));
    });
    if (!r.ok()) return r;
  }
  if (s.oldest_first) {
    std::sort(rows.begin(), rows.end());
    if (rows.size() > static_cast<size_t>(s.limit)) rows.resize(static_cast<size_t>(s.limit));
  }
  std::vector<store_ops::ClaimCandidate> out;
  out.reserve(rows.size());
  for (auto& [run_at, seq, type] : rows) out.push_back({seq, std::move(type)});
  return out;
}

// The events first, while from_state is still the state each job is leaving.
Result<std::vector<JobRow>> SqliteJobStatements::ClaimMark(const std::string& seqs,
                                                           const JobClaimParams& p) {
  {
    auto st = c_.Prepare(q::kClaimEvents);
    if (!st.ok()) return st.status();
    st->BindInt(1, p.now);
    st->BindText(2, seqs);
    if (Status s = st->Run(); !s.ok()) return s;
  }
  auto st = c_.Prepare(q::kClaimUpdate);
  if (!st.ok()) return st.status();
  st->BindInt(1, p.now);
  st->BindText(2, p.worker_id);
  st->BindInt(3, p.now + p.lease_ms);
  st->BindText(4, seqs);
  std::vector<JobRow> rows;
  Status s = st->ForEachRow([&](const SqliteStatement& row) { rows.push_back(ReadJobRow(row)); });
  if (!s.ok()) return s;
  return rows;
}

Status SqliteJobStatements::RateLimitUse(const RateLimitRow& row) {
  auto st = c_.Prepare(q::kRateLimitUse);
  if (!st.ok()) return st.status();
  st->BindText(1, std::string_view(RateLimitKindName(row.kind)));
  st->BindText(2, row.name);
  st->BindInt(3, row.window_start);
  st->BindInt(4, row.used);
  return st->Run();
}

Result<std::vector<QueueSettings>> SqliteJobStatements::QueuesRead() {
  auto st = c_.Prepare(q::kQueues);
  if (!st.ok()) return st.status();
  std::vector<QueueSettings> out;
  Status s = st->ForEachRow([&](const SqliteStatement& row) { out.push_back(ReadQueue(row)); });
  if (!s.ok()) return s;
  return out;
}

Result<std::optional<QueueSettings>> SqliteJobStatements::QueueRead(const std::string& name) {
  auto st = c_.Prepare(q::kQueue);
  if (!st.ok()) return st.status();
  st->BindText(1, name);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<QueueSettings>();
  return std::optional<QueueSettings>(ReadQueue(*st));
}

Status SqliteJobStatements::QueueWrite(const QueueSettings& qs) {
  auto st = c_.Prepare(q::kQueueWrite);
  if (!st.ok()) return st.status();
  st->BindText(1, qs.name);
  st->BindInt(2, qs.weight);
  st->BindOptInt(3, Widen(qs.concurrency_limit));
  st->BindInt(4, qs.paused ? 1 : 0);
  st->BindOptInt(5, Widen(qs.max_attempts));
  st->BindOptInt(6, Widen(qs.timeout_s));
  st->BindInt(7, qs.created_at);
  st->BindInt(8, qs.updated_at);
  st->BindOptInt(9, qs.retention.succeeded_ms);
  st->BindOptInt(10, qs.retention.failed_ms);
  st->BindOptInt(11, qs.retention.cancelled_ms);
  st->BindOptInt(12, qs.retention.expired_ms);
  return st->Run();
}

Result<bool> SqliteJobStatements::RateLimitWrite(const RateLimitSetParams& p) {
  auto st = c_.Prepare(p.limit ? q::kRateLimitSet : q::kRateLimitDelete);
  if (!st.ok()) return st.status();
  st->BindText(1, std::string_view(RateLimitKindName(p.kind)));
  st->BindText(2, p.name);
  if (p.limit) {
    st->BindInt(3, p.limit->max_starts);
    st->BindInt(4, p.limit->period_ms);
  }
  if (Status s = st->Run(); !s.ok()) return s;
  return p.limit.has_value() || sqlite3_changes(c_.db()) > 0;
}

Result<std::vector<QueueStats>> SqliteJobStatements::QueueStatsRows(TimeMs now) {
  auto st = c_.Prepare(q::kQueueStats);
  if (!st.ok()) return st.status();
  st->BindInt(1, now - 60000);
  std::vector<QueueStats> out;
  Status s = st->ForEachRow([&](const SqliteStatement& row) {
    const std::string queue = row.Text(0);
    if (out.empty() || out.back().name != queue) out.push_back({.name = queue});
    QueueStats& q = out.back();
    if (auto state = ParseJobState(row.Text(1))) q.by_state[*state] = row.Int(2);
    q.finished_last_minute += row.Int(3);
    if (!row.IsNull(4)) {
      const TimeMs t = row.Int(4);
      q.oldest_waiting_run_at = std::min(q.oldest_waiting_run_at.value_or(t), t);
    }
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace conveyor
