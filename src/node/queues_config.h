// The queues config file (--queues-config, docs/scheduling.md): queue settings and job-type rate
// limits applied to the store when a node starts, the same rules as PATCH /queues/{name} and
// PUT /rate-limits/{type}:
//   {"queues": {"queue:pro": {"weight": 5, "concurrency_limit": 20}},
//    "rate_limits": {"email.send": "100/minute"}}
// Settings changed at run time through the API last until the next start that applies the file.
#pragma once

#include <string>

#include "core/status.h"
#include "store/store.h"

namespace conveyor {

// InvalidArgument naming the file and the entry when the file cannot be read or is wrong.
Status ApplyQueuesConfig(const std::string& path, Store& store, TimeMs now);

}  // namespace conveyor
