// The delivery-state text both stores keep in their deliveries tables ("pending", "delivered",
// "failed"): reading it back, and the state an attempt's outcome leaves; and the rules of
// DeliveryRecordMany both stores share (repeated records, the answer for one that is no longer
// pending). Shared by SqliteStore and PostgresStore. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace conveyor {

// The state a state column holds; the CHECK constraint allows nothing but the three names.
DeliveryState ParseDeliveryState(std::string_view s);
// The state column's text after an attempt with that outcome.
std::string_view DeliveryStateAfter(DeliveryOutcome o);

// repeated[i] is set when records[i] names a delivery (job id, n) that an earlier record of the
// same call names: only the first applies, the others get RepeatedDeliveryRecord.
std::vector<bool> RepeatedDeliveryRecords(const std::vector<DeliveryRecordParams>& records);
Status RepeatedDeliveryRecord(const DeliveryRecordParams& p);  // InvalidArgument
// FailedPrecondition: the delivery is in `state` (not pending), so it takes no attempt.
Status DeliveryNotPending(const DeliveryRecordParams& p, std::string_view state);
// Whether a record's status is its own answer (the delivery is missing, not pending, or named
// twice) rather than a store error that fails the call as a whole.
bool IsDeliveryRecordAnswer(const Status& s);

}  // namespace conveyor
