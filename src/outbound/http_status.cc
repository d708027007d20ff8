#include "outbound/http_status.h"

namespace conveyor {

bool IsRetryableHttpStatus(long status) { return status == 408 || status == 429 || status >= 500; }

}  // namespace conveyor
