// The webhook-delivery operations of PostgresStore (pg_delivery_ops.cc), one function per Store
// method, each run on a given connection inside the transaction PostgresStore opened for it.
// Deliveries are created by terminal transitions (PgJobStatements::DeliveryEnqueue and the
// batched statements of pg_queries.h); claims skip rows other transactions hold (SKIP LOCKED).
//
// Thread-safety: none of their own; the connection's holder serialises use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/postgres/pg_connection.h"
#include "store/store.h"

namespace conveyor::pg_ops {

Result<std::vector<WebhookDelivery>> DeliveryClaimDue(PgConnection& c,
                                                      const DeliveryClaimParams& p);
// One statement for all records (kDeliveryRecordMany), then one read per record it did not apply.
Result<std::vector<Status>> DeliveryRecordMany(PgConnection& c,
                                               const std::vector<DeliveryRecordParams>& records);
Result<std::vector<WebhookDelivery>> DeliveryList(PgConnection& c, const std::string& job_id);
Result<WebhookDelivery> DeliveryRedeliver(PgConnection& c, const DeliveryRedeliverParams& p);
Result<std::optional<TimeMs>> DeliveryNextAt(PgConnection& c);
Result<int64_t> DeliveryCountPending(PgConnection& c);

}  // namespace conveyor::pg_ops
