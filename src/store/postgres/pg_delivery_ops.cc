// Webhook deliveries: claim due ones, record an attempt's outcome, list a job's deliveries with
// their attempt logs, redeliver. Deliveries themselves are created by terminal transitions
// (PgJobStatements::DeliveryEnqueue and the batched statements in pg_queries.h).
#include "store/postgres/pg_delivery_ops.h"

#include <string>
#include <unordered_map>

#include "store/postgres/pg_delivery_queries.h"
#include "store/store_delivery_states.h"
#include "store/store_rows.h"

namespace conveyor::pg_ops {
namespace q = pg_queries;
namespace {

struct DeliveryRow {
  int64_t seq = 0;
  WebhookDelivery d;
};

// REQUIRES: columns are CONVEYOR_PG_DELIVERY_COLUMNS (the seq, then the shared delivery columns).
DeliveryRow ReadDelivery(const PgResult& r, int i) {
  return DeliveryRow{.seq = r.Int(i, 0), .d = ReadDeliveryRow(PgRow(r, i), 1)};
}

Status NotFoundDelivery(const std::string& job_id, int n) {
  return Status::NotFound("delivery " + std::to_string(n) + " of job " + job_id + " not found");
}

Status RequireJob(PgConnection& c, const std::string& job_id, bool for_update) {
  auto r = c.Exec(for_update ? q::kJobExistsForUpdate : q::kJobExists, {job_id});
  if (!r.ok()) return r.status();
  return r->rows() == 0 ? NotFoundJob(job_id) : Status::Ok();
}

}  // namespace

Result<std::vector<WebhookDelivery>> DeliveryClaimDue(PgConnection& c,
                                                      const DeliveryClaimParams& p) {
  std::vector<WebhookDelivery> out;
  if (p.limit <= 0) return out;
  auto r = c.Exec(q::kDeliveryClaim, {PgInt(p.now), PgInt(p.limit), PgInt(p.now + p.lease_ms)});
  if (!r.ok()) return r.status();
  for (int i = 0; i < r->rows(); ++i) out.push_back(ReadDelivery(*r, i).d);
  return out;
}

Status DeliveryRecord(PgConnection& c, const DeliveryRecordParams& p) {
  auto found = c.Exec(q::kDeliveryByKeyForUpdate, {p.job_id, PgInt(p.n)});
  if (!found.ok()) return found.status();
  if (found->rows() == 0) return NotFoundDelivery(p.job_id, p.n);
  const DeliveryRow row = ReadDelivery(*found, 0);
  if (row.d.state != DeliveryState::kPending) {
    return Status::FailedPrecondition("delivery " + std::to_string(p.n) + " of job " + p.job_id +
                                      " is already " + DeliveryStateName(row.d.state));
  }
  const bool retry = p.outcome == DeliveryOutcome::kRetry;
  const bool delivered = p.outcome == DeliveryOutcome::kDelivered;
  auto updated = c.Exec(q::kDeliveryRecord,
                        {PgInt(row.seq), PgInt(p.now), std::string(DeliveryStateAfter(p.outcome)),
                         PgInt(retry ? p.next_attempt_at : row.d.next_attempt_at), p.payload,
                         p.status_code ? PgInt(*p.status_code) : std::nullopt, p.error,
                         delivered ? PgInt(p.now) : std::nullopt});
  if (!updated.ok()) return updated.status();
  auto attempt =
      c.Exec(q::kDeliveryAttemptInsert,
             {PgInt(row.seq), PgInt(updated->Int(0, 0)), PgInt(p.now),
              p.status_code ? PgInt(*p.status_code) : std::nullopt, p.error, PgInt(p.duration_ms)});
  return attempt.ok() ? Status::Ok() : attempt.status();
}

Result<std::vector<WebhookDelivery>> DeliveryList(PgConnection& c, const std::string& job_id) {
  if (Status s = RequireJob(c, job_id, /*for_update=*/false); !s.ok()) return s;
  auto r = c.Exec(q::kDeliveriesOfJob, {job_id});
  if (!r.ok()) return r.status();
  auto a = c.Exec(q::kDeliveryAttemptsOfJob, {job_id});
  if (!a.ok()) return a.status();
  std::vector<WebhookDelivery> out;
  std::unordered_map<int64_t, size_t> by_seq;
  for (int i = 0; i < r->rows(); ++i) {
    DeliveryRow row = ReadDelivery(*r, i);
    by_seq[row.seq] = out.size();
    out.push_back(std::move(row.d));
  }
  for (int i = 0; i < a->rows(); ++i) {
    auto it = by_seq.find(a->Int(i, 0));
    if (it == by_seq.end()) continue;  // a delivery added between the two reads
    out[it->second].attempt_log.push_back(ReadDeliveryAttempt(PgRow(*a, i), 1));
  }
  return out;
}

Result<WebhookDelivery> DeliveryRedeliver(PgConnection& c, const DeliveryRedeliverParams& p) {
  if (Status s = RequireJob(c, p.job_id, /*for_update=*/true); !s.ok()) return s;
  auto r = c.Exec(q::kDeliveryRedeliver, {p.job_id, PgInt(p.n), PgInt(p.now)});
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return NotFoundDelivery(p.job_id, p.n);
  return ReadDelivery(*r, 0).d;
}

Result<std::optional<TimeMs>> DeliveryNextAt(PgConnection& c) {
  auto r = c.Exec(q::kDeliveryNextAt);
  if (!r.ok()) return r.status();
  return r->OptInt(0, 0);
}

Result<int64_t> DeliveryCountPending(PgConnection& c) {
  auto r = c.Exec(q::kDeliveryCountPending);
  if (!r.ok()) return r.status();
  return r->Int(0, 0);
}

}  // namespace conveyor::pg_ops
