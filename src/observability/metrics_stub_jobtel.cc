// TEMP (dropped at merge): replaced by the "metrics" helper's observability/metrics.cc.
#include "observability/metrics.h"

namespace conveyor::observability::metrics {
void RecordJobTransition(const JobTransition&) {}
}  // namespace conveyor::observability::metrics
