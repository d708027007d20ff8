// Job JSON codec: the wire form of a job and of the views derived from it (status, result,
// events, list page), exactly as docs/api.md describes them, plus the decoder for clients
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
#include "core/job.h"
#include "core/status.h"
#include "store/store.h"

namespace conveyor::api {

// The full job object; `is_new` adds the submit-only "is_new" member.
void WriteJob(JsonWriter& w, const Job& job, std::optional<bool> is_new = std::nullopt);
std::string JobToJson(const Job& job, std::optional<bool> is_new = std::nullopt);

// GET /jobs/{id}/status, /result and /events bodies.
void AppendJobStatusJson(const Job& job, std::string* out);
void AppendJobResultJson(const Job& job, std::string* out);
void AppendJobEventsJson(std::string_view job_id, const std::vector<JobEvent>& events,
                         std::string* out);
// GET /jobs body.
void AppendJobPageJson(const JobPage& page, int limit, std::string* out);

// Decodes the job object written by WriteJob. InvalidArgument names the first bad member.
Result<Job> JobFromJson(const boost::json::value& json);

}  // namespace conveyor::api
