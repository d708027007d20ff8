// Webhook deliveries: claim due ones, record an attempt's outcome, list a job's deliveries with
// their attempt logs, redeliver. Deliveries themselves are created by terminal transitions
// (PgJobStatements::DeliveryEnqueue and the batched statements in pg_queries.h).
#include "store/postgres/pg_delivery_ops.h"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "store/postgres/pg_delivery_queries.h"
#include "store/store_delivery_states.h"
#include "store/store_json.h"
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

namespace {

void AppendOptInt(std::string& json, std::optional<int64_t> v) {
  json += v ? std::to_string(*v) : "null";
}

void AppendRecord(std::string& json, size_t i, const DeliveryRecordParams& p) {
  const bool retry = p.outcome == DeliveryOutcome::kRetry;
  json += json.size() > 1 ? ",[" : "[";
  json += std::to_string(i) + ",";
  AppendJsonString(json, p.job_id);
  json += "," + std::to_string(p.n) + ",";
  AppendJsonString(json, DeliveryStateAfter(p.outcome));
  json += "," + std::to_string(p.now) + ",";
  AppendOptInt(json, retry ? std::optional<int64_t>(p.next_attempt_at) : std::nullopt);
  json += ",";
  if (p.payload) {
    AppendJsonString(json, *p.payload);
  } else {
    json += "null";
  }
  json += ",";
  AppendOptInt(json, p.status_code);
  json += ",";
  AppendJsonString(json, p.error);
  json += ",";
  AppendOptInt(json, p.outcome == DeliveryOutcome::kDelivered ? std::optional<int64_t>(p.now)
                                                               : std::nullopt);
  json += "," + std::to_string(std::max<int64_t>(0, p.duration_ms)) + "]";
}

// kDeliveryRecordMany's JSON array: the records not repeated, each with its index.
std::string EncodeDeliveryRecords(const std::vector<DeliveryRecordParams>& records,
                                  const std::vector<bool>& repeated) {
  std::string json = "[";
  for (size_t i = 0; i < records.size(); ++i) {
    if (!repeated[i]) AppendRecord(json, i, records[i]);
  }
  return json + "]";
}

// Why a record the statement did not apply got no attempt: NotFound or FailedPrecondition.
Status NotApplied(PgConnection& c, const DeliveryRecordParams& p) {
  auto r = c.Exec(q::kDeliveryStateByKey, {p.job_id, PgInt(p.n)});
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return NotFoundDelivery(p.job_id, p.n);
  if (r->Text(0, 0) == "pending") {
    // Only a concurrent writer can get here (pending, yet not updated): not this record's fault.
    return Status::Unavailable("webhook delivery " + std::to_string(p.n) + " of job " + p.job_id +
                               " changed while its attempt was recorded");
  }
  return DeliveryNotPending(p, r->Text(0, 0));
}

}  // namespace

Result<std::vector<Status>> DeliveryRecordMany(PgConnection& c,
                                               const std::vector<DeliveryRecordParams>& records) {
  const std::vector<bool> repeated = RepeatedDeliveryRecords(records);
  auto r = c.Exec(q::kDeliveryRecordMany, {EncodeDeliveryRecords(records, repeated)});
  if (!r.ok()) return r.status();
  std::vector<bool> applied(records.size(), false);
  for (int row = 0; row < r->rows(); ++row) applied.at(static_cast<size_t>(r->Int(row, 0))) = true;
  std::vector<Status> out;
  out.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    if (repeated[i]) {
      out.push_back(RepeatedDeliveryRecord(records[i]));
    } else if (applied[i]) {
      out.push_back(Status::Ok());
    } else {
      Status why = NotApplied(c, records[i]);
      if (!IsDeliveryRecordAnswer(why)) return why;
      out.push_back(std::move(why));
    }
  }
  return out;
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
