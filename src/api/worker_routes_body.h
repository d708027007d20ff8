// Request bodies of the worker routes (POST /leases, /jobs/{id}/heartbeat, /complete, /fail),
// parsed and checked into the runtime's types. A body that is not a JSON object is a 400; a
// field of the wrong type or out of range is a 422 naming the field and its rule. Unknown fields
// are ignored (clients may send extras). The limits are written in docs/api.md.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/problem.h"
#include "api/request_context.h"
#include "runtime/work/external_leases.h"

namespace conveyor::api {

inline constexpr int kMaxLeaseBatch = 100;     // jobs per lease request
inline constexpr double kMaxLeaseWaitS = 60;   // long-poll time per lease request
inline constexpr double kMinLeaseS = 1;        // lease length bounds
inline constexpr double kMaxLeaseS = 86400;
inline constexpr double kMaxRetryInS = 7 * 86400;
inline constexpr size_t kMaxWorkerIdLength = 128;
inline constexpr size_t kMaxErrorLength = 8192;
inline constexpr size_t kMaxMessageLength = 1024;
inline constexpr size_t kMaxCompletions = 1000;  // per POST /completions

struct LeaseBody {
  LeaseRequest request;
  TimeMs wait_ms = 0;
};

struct CompleteBody {
  std::string lease_token;
  std::string result_json = "null";
};

std::optional<ApiError> ParseLeaseBody(std::string_view body, TimeMs default_lease_ms,
                                       LeaseBody* out);
// `out->id` is left to the caller (it comes from the path).
std::optional<ApiError> ParseHeartbeatBody(std::string_view body, ExternalHeartbeat* out);
std::optional<ApiError> ParseCompleteBody(std::string_view body, CompleteBody* out);
std::optional<ApiError> ParseFailBody(std::string_view body, ExternalFailure* out);
// POST /completions: {"completions": [{"id", "lease_token", "result"}, ...]}, 1 to 1000 items;
// errors name the item ("completions[3].id must be a job id (a UUID)").
std::optional<ApiError> ParseCompletionsBody(std::string_view body,
                                             std::vector<JobCompletion>* out);

// 415 unless the request says Content-Type: application/json.
bool RequireJsonBody(RequestContext& ctx);
// The {id} path parameter as a job id, or a 400 when it is not a UUID.
bool JobIdParam(RequestContext& ctx, std::string* id);

}  // namespace conveyor::api
