// The webhook-delivery operations of SqliteStore, one function per Store method, plus
// DeliveryEnqueue, which every terminal job transition calls inside its own transaction. Writes
// run on the writer thread inside the batch transaction and their savepoint (SqliteWriter);
// reads run on a read-only pool connection.
//
// Thread-safety: none of their own; the connection's owner serialises use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/job.h"
#include "core/status.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/store.h"

namespace conveyor::sqlite_ops {

// Inserts the pending delivery that a job's move to terminal state `to` promises, when the job
// has a webhook_url; does nothing (and costs nothing) when it has none.
// REQUIRES: `to` is terminal; runs in the transaction of the transition.
Status DeliveryEnqueue(SqliteConnection& c, int64_t job_seq,
                       const std::optional<std::string>& webhook_url, JobState to, TimeMs now);

// --- writes (sqlite_delivery_writes.cc) ---
Result<std::vector<WebhookDelivery>> DeliveryClaimDue(SqliteConnection& c,
                                                      const DeliveryClaimParams& p);
// Store::DeliveryRecordMany; the caller runs it as one writer operation (one savepoint), so a
// store error rolls back every record of the call.
Result<std::vector<Status>> DeliveryRecordMany(SqliteConnection& c,
                                               const std::vector<DeliveryRecordParams>& records);
Result<WebhookDelivery> DeliveryRedeliver(SqliteConnection& c, const DeliveryRedeliverParams& p);

// --- reads (sqlite_delivery_reads.cc) ---
Result<std::vector<WebhookDelivery>> DeliveryList(SqliteConnection& c, const std::string& job_id);
Result<std::optional<TimeMs>> DeliveryNextAt(SqliteConnection& c);
Result<int64_t> DeliveryCountPending(SqliteConnection& c);

// --- helpers shared by the files above (sqlite_delivery_reads.cc) ---
// The job's seq; NotFound "job <id> not found".
Result<int64_t> JobSeqOf(SqliteConnection& c, const std::string& job_id);
Status NotFoundDelivery(const std::string& job_id, int n);

}  // namespace conveyor::sqlite_ops
