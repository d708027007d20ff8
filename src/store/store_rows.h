// The row readers both stores share: a job, job event, node, webhook delivery or delivery
// attempt from the columns of one result row. Each backend's SELECTs list the columns in the
// order written here (sqlite_queries.h, pg_queries.h, pg_delivery_queries.h); one place knows
// what each column becomes.
//
// `Row` reads one row by 0-based column (SqliteStatement positioned on a row, PgRow):
//   int64_t Int(int col);          // 0 for NULL; booleans read as 0/1
//   double Double(int col);        // 0 for NULL
//   bool IsNull(int col);
//   std::string Text(int col);
//   std::optional<std::string> OptText(int col);
//   std::optional<int64_t> OptInt(int col);
// Templates, not virtual calls: each backend's instantiation is the code it would write by hand
// (the job reader runs once per claimed, fetched or listed job).
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/job.h"
#include "store/store.h"
#include "store/store_delivery_states.h"
#include "store/store_job_rules.h"
#include "store/store_json.h"

namespace conveyor {

// A state column; the CHECK constraint guarantees a canonical name.
template <class Row>
JobState ReadJobState(const Row& r, int col) {
  return ParseJobState(r.Text(col)).value_or(JobState::kFailed);
}

template <class Row>
std::optional<int> ReadOptInt32(const Row& r, int col) {
  if (r.IsNull(col)) return std::nullopt;
  return static_cast<int>(r.Int(col));
}

template <class Row>
std::vector<std::string> ReadStringArray(const Row& r, int col) {
  // A malformed array can only come from a hand-edited database; show no items rather than fail.
  return DecodeJsonStringArray(r.Text(col)).value_or(std::vector<std::string>{});
}

// REQUIRES: the columns are seq, id, type, queue, payload, state, priority, attempt,
// max_attempts, run_at, expires_at, timeout_s, idempotency_key, correlation_id, webhook_url,
// depends_on, tags, progress, message, current_step, result, result_ref, error, created_at,
// started_at, finished_at, updated_at, lease_owner, lease_token, lease_expires_at,
// cancel_requested, request_hash, dialect, tenant, traceparent, tracestate (CONVEYOR_JOB_COLUMNS,
// CONVEYOR_PG_JOB_COLUMNS, CONVEYOR_PG_J_COLUMNS).
template <class Row>
JobRow ReadJobRow(const Row& r) {
  JobRow out;
  out.seq = r.Int(0);
  Job& j = out.job;
  j.id = r.Text(1);
  j.type = r.Text(2);
  j.queue = r.Text(3);
  j.payload = r.Text(4);
  j.state = ReadJobState(r, 5);
  j.priority = static_cast<int>(r.Int(6));
  j.attempt = static_cast<int>(r.Int(7));
  j.max_attempts = static_cast<int>(r.Int(8));
  j.run_at = r.Int(9);
  j.expires_at = r.OptInt(10);
  j.timeout_s = static_cast<int>(r.Int(11));
  j.idempotency_key = r.OptText(12);
  j.correlation_id = r.OptText(13);
  j.webhook_url = r.OptText(14);
  j.depends_on = ReadStringArray(r, 15);
  j.tags = ReadStringArray(r, 16);
  j.progress = r.Double(17);
  j.message = r.OptText(18);
  j.current_step = r.OptText(19);
  j.result = r.OptText(20);
  j.result_ref = r.OptText(21);
  j.error = r.OptText(22);
  j.created_at = r.Int(23);
  j.started_at = r.OptInt(24);
  j.finished_at = r.OptInt(25);
  j.updated_at = r.Int(26);
  if (!r.IsNull(28)) {
    j.lease = Lease{.owner = r.Text(27), .token = r.Text(28), .expires_at = r.Int(29)};
  }
  j.cancel_requested = r.Int(30) != 0;
  j.request_hash = r.Text(31);
  j.dialect = DialectFromStored(r.Text(32));
  j.tenant = r.Text(33);
  j.traceparent = r.OptText(34);
  j.tracestate = r.OptText(35);
  return out;
}

// REQUIRES: the columns are id, type, error, attempt, finished_at.
template <class Row>
JobFailure ReadJobFailure(const Row& r) {
  return JobFailure{.id = r.Text(0),
                    .type = r.Text(1),
                    .error = r.OptText(2),
                    .attempt = static_cast<int>(r.Int(3)),
                    .finished_at = r.OptInt(4)};
}

// REQUIRES: the columns are at, from_state, to_state, attempt, message.
template <class Row>
JobEvent ReadJobEvent(const Row& r) {
  JobEvent e{.at = r.Int(0),
             .to = ReadJobState(r, 2),
             .attempt = static_cast<int>(r.Int(3)),
             .message = r.Text(4)};
  if (!r.IsNull(1)) e.from = ReadJobState(r, 1);
  return e;
}

// REQUIRES: the columns are seq, at, from_state, to_state, attempt, message, then the job's id,
// type, queue, tenant, correlation_id, progress, current_step (the feed's JOIN of job_events and
// jobs: kEventsAfter in sqlite_queries.h and pg_queries.h).
template <class Row>
JobEventRow ReadJobEventRow(const Row& r) {
  JobEventRow e{.seq = r.Int(0),
                .event = {.at = r.Int(1),
                          .to = ReadJobState(r, 3),
                          .attempt = static_cast<int>(r.Int(4)),
                          .message = r.Text(5)},
                .job_id = r.Text(6),
                .type = r.Text(7),
                .queue = r.Text(8),
                .tenant = r.Text(9),
                .correlation_id = r.OptText(10),
                .progress = r.Double(11),
                .current_step = r.OptText(12)};
  if (!r.IsNull(2)) e.event.from = ReadJobState(r, 2);
  return e;
}

// REQUIRES: the columns are id, type, queue, tenant, progress, message, current_step,
// updated_at (kRunningProgress).
template <class Row>
JobProgressRow ReadJobProgressRow(const Row& r) {
  return JobProgressRow{.job_id = r.Text(0),
                        .type = r.Text(1),
                        .queue = r.Text(2),
                        .tenant = r.Text(3),
                        .progress = r.Double(4),
                        .message = r.OptText(5),
                        .current_step = r.OptText(6),
                        .updated_at = r.Int(7)};
}

// REQUIRES: the columns are name, role, started_at, last_seen_at, running_jobs, leader.
template <class Row>
NodeInfo ReadNode(const Row& r) {
  return NodeInfo{.name = r.Text(0),
                  .role = r.Text(1),
                  .started_at = r.Int(2),
                  .last_seen_at = r.Int(3),
                  .running_jobs = static_cast<int>(r.Int(4)),
                  .leader = r.Int(5) != 0};
}

// REQUIRES: the columns from `first` on are job id, n, event, url, state, payload, attempts,
// next_attempt_at, last_status, last_error, created_at, updated_at, delivered_at.
template <class Row>
WebhookDelivery ReadDeliveryRow(const Row& r, int first = 0) {
  const int f = first;
  WebhookDelivery d;
  d.job_id = r.Text(f + 0);
  d.n = static_cast<int>(r.Int(f + 1));
  d.event = r.Text(f + 2);
  d.url = r.Text(f + 3);
  d.state = ParseDeliveryState(r.Text(f + 4));
  d.payload = r.OptText(f + 5);
  d.attempts = static_cast<int>(r.Int(f + 6));
  d.next_attempt_at = r.Int(f + 7);
  d.last_status = ReadOptInt32(r, f + 8);
  d.last_error = r.OptText(f + 9);
  d.created_at = r.Int(f + 10);
  d.updated_at = r.Int(f + 11);
  d.delivered_at = r.OptInt(f + 12);
  return d;
}

// REQUIRES: the columns from `first` on are attempt, at, status_code, error, duration_ms.
template <class Row>
DeliveryAttempt ReadDeliveryAttempt(const Row& r, int first) {
  const int f = first;
  return DeliveryAttempt{.attempt = static_cast<int>(r.Int(f + 0)),
                         .at = r.Int(f + 1),
                         .status_code = ReadOptInt32(r, f + 2),
                         .error = r.Text(f + 3),
                         .duration_ms = r.Int(f + 4)};
}

}  // namespace conveyor
