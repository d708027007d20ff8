// CheckJobId: how the runtime's services (JobService, DeliveryService) judge a job id a client
// gave them, before any store call: one check, one message.
#pragma once

#include <string>

#include "core/ids.h"
#include "core/status.h"

namespace conveyor {

// InvalidArgument, with an example, unless `id` is a UUID.
inline Status CheckJobId(const std::string& id) {
  if (IsValidUuid(id)) return Status::Ok();
  return Status::InvalidArgument(
      "job id must be a UUID, e.g. 0190b6c2-8f4e-7a3b-9c1d-2e3f4a5b6c7d (got '" + id + "')");
}

}  // namespace conveyor
