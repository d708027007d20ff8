// TEMP (dropped at merge): the declaration the "metrics" helper's observability/metrics.h
// provides, so that this branch builds on its own.
#pragma once

#include "observability/job_transition.h"

namespace conveyor::observability::metrics {
void RecordJobTransition(const JobTransition&);
}  // namespace conveyor::observability::metrics
