// Webhook deliveries: the row a terminal transition promises, the sender's claim of due rows,
// the record of each attempt, and an operator's redelivery.
#include <sqlite3.h>

#include <algorithm>
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

// Appends the attempt row if the delivery is pending; returns whether it was.
Result<bool> AppendAttempt(SqliteConnection& c, int64_t job_seq, const DeliveryRecordParams& p) {
  auto st = c.Prepare(q::kDeliveryAttemptInsert);
  if (!st.ok()) return st.status();
  st->BindInt(1, job_seq);
  st->BindInt(2, p.n);
  st->BindInt(3, p.now);
  st->BindOptInt(4, p.status_code ? std::optional<int64_t>(*p.status_code) : std::nullopt);
  st->BindText(5, p.error);
  st->BindInt(6, std::max<int64_t>(0, p.duration_ms));
  if (Status s = st->Run(); !s.ok()) return s;
  return sqlite3_changes(c.db()) > 0;
}

Status ApplyOutcome(SqliteConnection& c, int64_t job_seq, const DeliveryRecordParams& p) {
  const bool delivered = p.outcome == DeliveryOutcome::kDelivered;
  const std::optional<std::string> error =
      p.error.empty() ? std::nullopt : std::optional<std::string>(p.error);
  auto st = c.Prepare(q::kDeliveryRecord);
  if (!st.ok()) return st.status();
  st->BindInt(1, job_seq);
  st->BindInt(2, p.n);
  st->BindText(3, DeliveryStateAfter(p.outcome));
  st->BindInt(4, p.now);
  st->BindOptInt(5, p.outcome == DeliveryOutcome::kRetry ? std::optional<int64_t>(p.next_attempt_at)
                                                         : std::nullopt);
  st->BindOptText(6, p.payload);
  st->BindOptInt(7, p.status_code ? std::optional<int64_t>(*p.status_code) : std::nullopt);
  st->BindOptText(8, error);
  st->BindOptInt(9, delivered ? std::optional<int64_t>(p.now) : std::nullopt);
  return st->Run();
}

// One record. An answer of its own (IsDeliveryRecordAnswer) has written nothing; any other error
// may leave an attempt row without its delivery's update, so it fails the whole call.
Status RecordOne(SqliteConnection& c, const DeliveryRecordParams& p) {
  Result<int64_t> seq = JobSeqOf(c, p.job_id);
  if (!seq.ok()) return seq.status();
  Result<bool> pending = AppendAttempt(c, *seq, p);
  if (!pending.ok()) return pending.status();
  if (!*pending) return NotPending(c, *seq, p);
  return ApplyOutcome(c, *seq, p);
}

}  // namespace

Result<std::vector<Status>> DeliveryRecordMany(SqliteConnection& c,
                                               const std::vector<DeliveryRecordParams>& records) {
  const std::vector<bool> repeated = RepeatedDeliveryRecords(records);
  std::vector<Status> out;
  out.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    if (repeated[i]) {
      out.push_back(RepeatedDeliveryRecord(records[i]));
      continue;
    }
    Status s = RecordOne(c, records[i]);
    if (!s.ok() && !IsDeliveryRecordAnswer(s)) return s;
    out.push_back(std::move(s));
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
