// Job JSON codec: the wire form of a job and of the views derived from it (status, result,
// events, list page), exactly as docs/api.md describes them, in each dialect (core/dialect.h:
// status words, field aliases, result shape, priority direction), plus the decoder for clients
// (the CLI) and round-trip tests. Encoders append to a caller-owned string so a response body is
// written once without an intermediate DOM; payload and result, stored as JSON text, are spliced
// in as JSON values. The lease (and its token) is never part of the wire form.
// Pure functions; thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/json_writer.h"
#include "core/dialect.h"
#include "core/job.h"
#include "core/status.h"
#include "runtime/waiting_reason.h"
#include "store/store.h"

namespace conveyor::api {

// What a create answer adds to the job object: "is_new", and "warnings" when the request had
// something the server set aside (a body idempotency key that lost to the header's).
struct CreateAnswer {
  bool is_new = true;
  std::vector<std::string> warnings;
};

// The full job object in `dialect`; `created` adds the submit-only members; `waiting` adds
// "waiting_reason" (null when *waiting is empty: the job runs or has finished).
void WriteJob(JsonWriter& w, const Job& job, Dialect dialect = Dialect::kSucceeded,
              const CreateAnswer* created = nullptr,
              const std::optional<WaitingReason>* waiting = nullptr);
std::string JobToJson(const Job& job, Dialect dialect = Dialect::kSucceeded,
                      const CreateAnswer* created = nullptr);

// GET /jobs/{id}/status, /result and /events bodies.
void AppendJobStatusJson(const Job& job, Dialect dialect, std::string* out);
void AppendJobResultJson(const Job& job, Dialect dialect, std::string* out);
void AppendJobEventsJson(std::string_view job_id, const std::vector<JobEvent>& events,
                         Dialect dialect, std::string* out);
// GET /jobs body; each job in its own dialect unless `dialect` is given.
void AppendJobPageJson(const JobPage& page, int limit, std::optional<Dialect> dialect,
                       std::string* out);

// Decodes the job object written by WriteJob. InvalidArgument names the first bad member.
Result<Job> JobFromJson(const boost::json::value& json);

}  // namespace conveyor::api
