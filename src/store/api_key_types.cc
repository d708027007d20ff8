#include "store/api_key_types.h"

namespace conveyor {

const char* ApiKeyUsageKindName(ApiKeyUsageKind kind) {
  return kind == ApiKeyUsageKind::kJobs ? "jobs" : "requests";
}

}  // namespace conveyor
