// The delivery-state text both stores keep in their deliveries tables ("pending", "delivered",
// "failed"): reading it back, and the state an attempt's outcome leaves. Shared by SqliteStore
// and PostgresStore. Pure functions; thread-safe.
#pragma once

#include <string_view>

#include "store/store.h"

namespace conveyor {

// The state a state column holds; the CHECK constraint allows nothing but the three names.
DeliveryState ParseDeliveryState(std::string_view s);
// The state column's text after an attempt with that outcome.
std::string_view DeliveryStateAfter(DeliveryOutcome o);

}  // namespace conveyor
