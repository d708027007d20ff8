// Webhook deliveries: the row a terminal transition promises, the sender's claim of due rows,
// the record of each attempt, and an operator's redelivery.
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "store/sqlite/sqlite_delivery_ops.h"
#include "store/sqlite/sqlite_queries.h"
#include "store/store_delivery_states.h"
#include "store/store_rows.h"

namespace conveyor::sqlite_ops {
namespace q = sqlite_queries;
namespace {

std::string_view WebhookEvent(JobState to) {
  switch (to) {
    case JobState::kSucceeded:
      return "job.succeeded";
    case JobState::kFailed:
      return "job.failed";
    case JobState::kCancelled:
      return "job.cancelled";
    case JobState::kExpired:
      return "job.expired";
    default:
      return {};
  }
}

}  // namespace

Status DeliveryEnqueue(SqliteConnection& c, int64_t job_seq,
                       const std::optional<std::string>& webhook_url, JobState to, TimeMs now) {
  if (!webhook_url) return Status::Ok();
  const std::string_view event = WebhookEvent(to);
  if (event.empty()) return Status::Internal("a webhook is only sent on a terminal state");
  auto st = c.Prepare(q::kDeliveryInsert);
  if (!st.ok()) return st.status();
  st->BindInt(1, job_seq);
  st->BindText(2, event);
  st->BindText(3, *webhook_url);
  st->BindInt(4, now);
  return st->Run();
}

namespace {

// The due rows' rowids as a JSON array, in claim order; "" when none is due.
Result<std::string> SelectDue(SqliteConnection& c, const DeliveryClaimParams& p,
                              std::unordered_map<int64_t, size_t>& order) {
  auto st = c.Prepare(q::kDeliveryDue);
  if (!st.ok()) return st.status();
  st->BindInt(1, p.now);
  st->BindInt(2, p.limit);
  std::string rowids;
  Status s = st->ForEachRow([&](const SqliteStatement& row) {
    order.emplace(row.Int(0), order.size());
    rowids += rowids.empty() ? "[" : ",";
    rowids += std::to_string(row.Int(0));
  });
  if (!s.ok()) return s;
  if (!rowids.empty()) rowids += "]";
  return rowids;
}

}  // namespace

Result<std::vector<WebhookDelivery>> DeliveryClaimDue(SqliteConnection& c,
                                                      const DeliveryClaimParams& p) {
  std::vector<WebhookDelivery> out;
  if (p.limit <= 0) return out;  // SQLite reads LIMIT -1 as "no limit"
  std::unordered_map<int64_t, size_t> order;
  Result<std::string> rowids = SelectDue(c, p, order);
  if (!rowids.ok()) return rowids.status();
  if (rowids->empty()) return out;
  auto st = c.Prepare(q::kDeliveryLease);
  if (!st.ok()) return st.status();
  st->BindInt(1, p.now + p.lease_ms);
  st->BindText(2, *rowids);
  out.resize(order.size());
  // RETURNING yields rows in no promised order; put each where the claim ordered it.
  Status s = st->ForEachRow(
      [&](const SqliteStatement& row) { out[order.at(row.Int(0))] = ReadDeliveryRow(row, 1); });
  if (!s.ok()) return s;
  return out;
}

namespace {

// Why a record matched no pending delivery: NotFound, or FailedPrecondition naming its state.
Status NotPending(SqliteConnection& c, int64_t job_seq, const DeliveryRecordParams& p) {
  auto st = c.Prepare(q::kDeliveryStateByKey);
  if (!st.ok()) return st.status();
  st->BindInt(1, job_seq);
  st->BindInt(2, p.n);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFoundDelivery(p.job_id, p.n);
  return DeliveryNotPending(p, st->Text(0));
}

// The (job id, n) of every delivery the batch recorded: attempt rows first, then the update.
Result<std::set<std::pair<std::string, int>>> ApplyRecords(SqliteConnection& c,
                                                           const std::string& json) {
  auto attempts = c.Prepare(q::kDeliveryRecordAttempts);
  if (!attempts.ok()) return attempts.status();
  attempts->BindText(1, json);
  if (Status s = attempts->Run(); !s.ok()) return s;
  auto update = c.Prepare(q::kDeliveryRecordMany);
  if (!update.ok()) return update.status();
  update->BindText(1, json);
  std::set<std::pair<std::string, int>> applied;
  Status s = update->ForEachRow([&](const SqliteStatement& row) {
    applied.emplace(row.Text(0), static_cast<int>(row.Int(1)));
  });
  if (!s.ok()) return s;
  return applied;
}

// Why a record was not applied: its job or delivery is missing, or the delivery is not pending.
Status NotApplied(SqliteConnection& c, const DeliveryRecordParams& p) {
  Result<int64_t> seq = JobSeqOf(c, p.job_id);
  if (!seq.ok()) return seq.status();
  return NotPending(c, *seq, p);
}

}  // namespace

Result<std::vector<Status>> DeliveryRecordMany(SqliteConnection& c,
                                               const std::vector<DeliveryRecordParams>& records) {
  const std::vector<bool> repeated = RepeatedDeliveryRecords(records);
  Result<std::set<std::pair<std::string, int>>> applied =
      ApplyRecords(c, EncodeDeliveryRecords(records, repeated));
  if (!applied.ok()) return applied.status();
  std::vector<Status> out;
  out.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const DeliveryRecordParams& p = records[i];
    if (repeated[i]) {
      out.push_back(RepeatedDeliveryRecord(p));
    } else if (applied->contains({p.job_id, p.n})) {
      out.push_back(Status::Ok());
    } else {
      Status why = NotApplied(c, p);
      if (!IsDeliveryRecordAnswer(why)) return why;
      out.push_back(std::move(why));
    }
  }
  return out;
}

Result<WebhookDelivery> DeliveryRedeliver(SqliteConnection& c, const DeliveryRedeliverParams& p) {
  Result<int64_t> seq = JobSeqOf(c, p.job_id);
  if (!seq.ok()) return seq.status();
  auto st = c.Prepare(q::kDeliveryRedeliver);
  if (!st.ok()) return st.status();
  st->BindInt(1, *seq);
  st->BindInt(2, p.n);
  st->BindInt(3, p.now);
  Result<bool> row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFoundDelivery(p.job_id, p.n);
  WebhookDelivery d = ReadDeliveryRow(*st);
  if (Status s = st->Run(); !s.ok()) return s;
  return d;
}

}  // namespace conveyor::sqlite_ops
