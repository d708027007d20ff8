// Reads of webhook deliveries, and the small helpers the delivery writes share.
#include <string>
#include <string_view>

#include "store/sqlite/sqlite_delivery_ops.h"
#include "store/sqlite/sqlite_job_ops.h"
#include "store/sqlite/sqlite_queries.h"
#include "store/store_rows.h"

namespace conveyor::sqlite_ops {
namespace q = sqlite_queries;
namespace {

// Appends each attempt row to the delivery it belongs to (both lists are ordered by n).
Status AttachAttempts(SqliteConnection& c, int64_t job_seq, std::vector<WebhookDelivery>& out) {
  auto st = c.Prepare(q::kDeliveryAttemptsOfJob);
  if (!st.ok()) return st.status();
  st->BindInt(1, job_seq);
  size_t i = 0;
  while (true) {
    Result<bool> row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    const int n = static_cast<int>(st->Int(0));
    while (i < out.size() && out[i].n < n) ++i;
    if (i == out.size()) return Status::Internal("attempt row without its delivery");
    out[i].attempt_log.push_back(ReadDeliveryAttempt(*st, 1));
  }
}

}  // namespace

Result<int64_t> JobSeqOf(SqliteConnection& c, const std::string& job_id) {
  Result<std::optional<int64_t>> seq = SqliteJobStatements(c).JobSeqOf(job_id);
  if (!seq.ok()) return seq.status();
  if (!*seq) return NotFoundJob(job_id);
  return **seq;
}

Status NotFoundDelivery(const std::string& job_id, int n) {
  return Status::NotFound("job " + job_id + " has no webhook delivery " + std::to_string(n));
}

Result<std::vector<WebhookDelivery>> DeliveryList(SqliteConnection& c, const std::string& job_id) {
  Result<int64_t> seq = JobSeqOf(c, job_id);
  if (!seq.ok()) return seq.status();
  std::vector<WebhookDelivery> out;
  {
    auto st = c.Prepare(q::kDeliveriesOfJob);
    if (!st.ok()) return st.status();
    st->BindInt(1, *seq);
    Status s =
        st->ForEachRow([&](const SqliteStatement& row) { out.push_back(ReadDeliveryRow(row)); });
    if (!s.ok()) return s;
  }
  if (Status s = AttachAttempts(c, *seq, out); !s.ok()) return s;
  return out;
}

Result<std::optional<TimeMs>> DeliveryNextAt(SqliteConnection& c) {
  return c.QueryOptInt(q::kDeliveryNextAt);
}

Result<int64_t> DeliveryCountPending(SqliteConnection& c) {
  return c.QueryInt(q::kDeliveryCountPending);
}

}  // namespace conveyor::sqlite_ops
