// The lease lifecycle on SQLite: the statements of complete (their logic, like fail's
// and heartbeat's, is in store_job_ops.h), release and rescue. Each guarded write matches on (id,
// state RUNNING, lease token) so a worker that lost its lease changes nothing.
#include <string>
#include <unordered_set>

#include "store/sqlite/sqlite_delivery_ops.h"
#include "store/sqlite/sqlite_job_ops.h"
#include "store/sqlite/sqlite_queries.h"
#include "store/store_dependencies.h"
#include "store/store_json.h"

namespace conveyor {
namespace q = sqlite_queries;
namespace {

// Appends the rows' first column to a JSON array of integers ("[3,5,8]"); "" when none.
Result<std::string> CollectSeqs(SqliteStatement& st) {
  std::string seqs;
  Status s = st.ForEachRow([&](const SqliteStatement& row) {
    seqs += seqs.empty() ? "[" : ",";
    seqs += std::to_string(row.Int(0));
  });
  if (!s.ok()) return s;
  if (!seqs.empty()) seqs += "]";
  return seqs;
}

// Runs a statement bound with ?1 now and ?2 a JSON array.
Status RunWithNowAndJson(SqliteConnection& c, std::string_view sql, TimeMs now,
                         const std::string& json) {
  auto st = c.Prepare(sql);
  if (!st.ok()) return st.status();
  st->BindInt(1, now);
  st->BindText(2, json);
  return st->Run();
}

// A job that reached a terminal state and has a webhook to send for it.
struct WebhookDue {
  int64_t seq;
  std::string url;
};

Status DeliveriesEnqueue(SqliteConnection& c, const std::vector<WebhookDue>& due, JobState to,
                         TimeMs now) {
  for (const WebhookDue& w : due) {
    if (Status s = sqlite_ops::DeliveryEnqueue(c, w.seq, w.url, to, now); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

// The events first, while the matched jobs still read RUNNING; then one UPDATE for all of them,
// which returns the webhook_url too, so only jobs that have one pay for a delivery row.
Result<std::unordered_set<std::string>> SqliteJobStatements::JobCompleteRows(
    std::string completions, TimeMs now) {
  if (Status s = RunWithNowAndJson(c_, q::kCompleteEvents, now, completions); !s.ok()) return s;
  std::unordered_set<std::string> ids;
  std::vector<WebhookDue> webhooks;
  std::vector<FinishedJob> depended_upon;  // has_dependents: the only ones that pay a probe
  {
    auto st = c_.Prepare(q::kComplete);
    if (!st.ok()) return st.status();
    st->BindInt(1, now);
    st->BindText(2, completions);
    Status s = st->ForEachRow([&](const SqliteStatement& row) {
      ids.insert(row.Text(0));
      if (!row.IsNull(2)) webhooks.push_back({row.Int(1), row.Text(2)});
      if (row.Int(3) != 0) depended_upon.push_back({row.Int(1), row.Text(0)});
    });
    if (!s.ok()) return s;
  }
  if (Status s = DeliveriesEnqueue(c_, webhooks, JobState::kSucceeded, now); !s.ok()) return s;
  if (!depended_upon.empty()) {
    Status s = store_deps::SettleDependents(*this, std::move(depended_upon), now);
    if (!s.ok()) return s;
  }
  return ids;
}

Result<int> sqlite_ops::JobReleaseMany(SqliteConnection& c, const JobReleaseManyParams& p) {
  int released = 0;
  for (const auto& [id, token] : p.jobs) {
    int64_t seq = 0;
    int attempt = 0;
    {
      auto st = c.Prepare(q::kRelease);
      if (!st.ok()) return st.status();
      st->BindText(1, id);
      st->BindText(2, token);
      st->BindInt(3, p.now);
      Result<bool> row = st->Step();
      if (!row.ok()) return row.status();
      if (!*row) continue;  // stale token: another attempt owns the job now
      seq = st->Int(0);
      attempt = static_cast<int>(st->Int(1));
      if (Status s = st->Run(); !s.ok()) return s;
    }
    Status e = SqliteJobStatements(c).JobEventAppend(
        seq, p.now, JobState::kRunning, JobState::kPending, attempt, "released before it started");
    if (!e.ok()) return e;
    ++released;
  }
  return released;
}

namespace {

Result<std::string> SelectExpired(SqliteConnection& c, const JobRescueExpiredParams& p) {
  auto st = c.Prepare(q::kRescueSelect);
  if (!st.ok()) return st.status();
  st->BindInt(1, p.now);
  st->BindInt(2, p.limit);
  return CollectSeqs(*st);
}

// Binds the rescue statements' parameters (?1 now, ?2 retry run_at, ?3 error, ?4 seqs).
void BindRescue(SqliteStatement& st, const JobRescueExpiredParams& p, const std::string& seqs) {
  st.BindInt(1, p.now);
  st.BindInt(2, p.now + p.retry_delay_ms);
  st.BindText(3, kLeaseExpiredError);
  st.BindText(4, seqs);
}

// Moves the expired jobs on; returns their ids and the webhooks of those that became FAILED.
// Also returns the jobs that became FAILED and have dependents.
Status MarkRescued(SqliteConnection& c, const JobRescueExpiredParams& p, const std::string& seqs,
                   std::vector<std::string>& ids, std::vector<WebhookDue>& webhooks,
                   std::vector<FinishedJob>& failed) {
  auto st = c.Prepare(q::kRescueUpdate);
  if (!st.ok()) return st.status();
  BindRescue(*st, p, seqs);
  return st->ForEachRow([&](const SqliteStatement& row) {
    ids.push_back(row.Text(0));
    if (row.Text(2) != ToString(JobState::kFailed)) return;
    if (!row.IsNull(3)) webhooks.push_back({row.Int(1), row.Text(3)});
    if (row.Int(4) != 0) failed.push_back({row.Int(1), row.Text(0), JobState::kFailed});
  });
}

}  // namespace

Result<std::vector<std::string>> sqlite_ops::JobRescueExpired(SqliteConnection& c,
                                                              const JobRescueExpiredParams& p) {
  if (p.limit <= 0) return std::vector<std::string>{};  // SQLite reads LIMIT -1 as "no limit"
  Result<std::string> seqs = SelectExpired(c, p);
  if (!seqs.ok()) return seqs.status();
  std::vector<std::string> ids;
  if (seqs->empty()) return ids;
  {
    auto events = c.Prepare(q::kRescueEvents);  // before the update: from_state is RUNNING
    if (!events.ok()) return events.status();
    BindRescue(*events, p, *seqs);
    if (Status s = events->Run(); !s.ok()) return s;
  }
  std::vector<WebhookDue> webhooks;
  std::vector<FinishedJob> failed;
  if (Status s = MarkRescued(c, p, *seqs, ids, webhooks, failed); !s.ok()) return s;
  if (Status s = DeliveriesEnqueue(c, webhooks, JobState::kFailed, p.now); !s.ok()) return s;
  if (!failed.empty()) {
    SqliteJobStatements db(c);
    if (Status s = store_deps::SettleDependents(db, std::move(failed), p.now); !s.ok()) return s;
  }
  return ids;
}

}  // namespace conveyor
