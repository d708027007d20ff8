// Expiry on SQLite: waiting (and BLOCKED) jobs whose expires_at passed become EXPIRED in one
// transaction with their events and job.expired deliveries. Both statements walk the partial
// jobs_expiry index.
#include <string>
#include <vector>

#include "store/sqlite/sqlite_delivery_ops.h"
#include "store/sqlite/sqlite_job_ops.h"
#include "store/sqlite/sqlite_queries.h"
#include "store/store_dependencies.h"
#include "store/store_job_rules.h"

namespace conveyor {
namespace q = sqlite_queries;
namespace {

// The due jobs' seqs as a JSON array ("[3,5,8]"); "" when none.
Result<std::string> SelectDue(SqliteConnection& c, const JobExpireDueParams& p) {
  auto st = c.Prepare(q::kExpireSelect);
  if (!st.ok()) return st.status();
  st->BindInt(1, p.now);
  st->BindInt(2, p.limit);
  std::string seqs;
  Status s = st->ForEachRow([&](const SqliteStatement& row) {
    seqs += seqs.empty() ? "[" : ",";
    seqs += std::to_string(row.Int(0));
  });
  if (!s.ok()) return s;
  if (!seqs.empty()) seqs += "]";
  return seqs;
}

Status BindAndRun(SqliteConnection& c, const char* sql, TimeMs now, const std::string& seqs) {
  auto st = c.Prepare(sql);
  if (!st.ok()) return st.status();
  st->BindInt(1, now);
  st->BindText(2, seqs);
  st->BindText(3, kExpiredMessage);
  return st->Run();
}

// Marks the jobs EXPIRED, enqueues a job.expired delivery for each that has a webhook_url.
Result<std::vector<std::string>> MarkExpired(SqliteConnection& c, TimeMs now,
                                             const std::string& seqs) {
  std::vector<std::string> ids;
  std::vector<std::pair<int64_t, std::string>> hooks;
  std::vector<FinishedJob> depended_upon;
  {
    auto st = c.Prepare(q::kExpireUpdate);
    if (!st.ok()) return st.status();
    st->BindInt(1, now);
    st->BindText(2, seqs);
    Status s = st->ForEachRow([&](const SqliteStatement& row) {
      ids.push_back(row.Text(0));
      if (!row.IsNull(2)) hooks.emplace_back(row.Int(1), row.Text(2));
      if (row.Int(3) != 0) depended_upon.push_back({row.Int(1), row.Text(0), JobState::kExpired});
    });
    if (!s.ok()) return s;
  }
  for (const auto& [seq, url] : hooks) {
    Status s = sqlite_ops::DeliveryEnqueue(c, seq, url, JobState::kExpired, now);
    if (!s.ok()) return s;
  }
  if (!depended_upon.empty()) {  // their BLOCKED dependents are cancelled, down the chain
    SqliteJobStatements db(c);
    Status s = store_deps::SettleDependents(db, std::move(depended_upon), now);
    if (!s.ok()) return s;
  }
  return ids;
}

}  // namespace

Result<std::vector<std::string>> sqlite_ops::JobExpireDue(SqliteConnection& c,
                                                          const JobExpireDueParams& p) {
  if (p.limit <= 0) return std::vector<std::string>{};  // SQLite reads LIMIT -1 as "no limit"
  Result<std::string> seqs = SelectDue(c, p);
  if (!seqs.ok()) return seqs.status();
  if (seqs->empty()) return std::vector<std::string>{};
  // The events first, while from_state is still the waiting state each job leaves.
  if (Status s = BindAndRun(c, q::kExpireEvents, p.now, *seqs); !s.ok()) return s;
  return MarkExpired(c, p.now, *seqs);
}

Result<std::optional<TimeMs>> sqlite_ops::JobNextExpiry(SqliteConnection& c) {
  return c.QueryOptInt(q::kNextExpiry);
}

}  // namespace conveyor
