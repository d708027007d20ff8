// Handler: the code that runs one job type in-process, and the context it runs in.
// A Handler is shared by all worker threads: Run() must be thread-safe (usually stateless).
// JobContext belongs to one attempt and is used from that attempt's thread only, except
// Cancelled(), which any thread may flip via the runtime.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "core/job.h"
#include "core/status.h"

namespace conveyor {

class JobContext {
 public:
  virtual ~JobContext() = default;
  virtual const Job& job() const = 0;
  // True once the job was cancelled or its attempt ran past timeout_s. Long handlers check it
  // between steps and return Status::Cancelled.
  virtual bool Cancelled() const = 0;
  // Progress 0..100 (fractions kept: 65.5) and a line for people; stored with the next lease
  // heartbeat.
  virtual void ReportProgress(double percent, std::string message) = 0;
  virtual void SetStep(std::string step) = 0;

  // Artifacts: files a job leaves behind (a report, a corrected CSV), served by
  // GET /api/v1/jobs/{id}/artifact. ArtifactDir() is this job's own directory under the node's
  // artifact root (<data-dir>/artifacts/<job id>), created on first call; FailedPrecondition
  // where the context keeps no artifacts. SetResultRef names the main artifact, a file name
  // inside ArtifactDir() such as "report.json"; it is stored as the job's result_ref
  // ("<job id>/report.json") when the attempt succeeds. Other files in the directory are
  // served by name (?name=report.csv).
  virtual Result<std::string> ArtifactDir() {
    return Status::FailedPrecondition("this node keeps no job artifacts");
  }
  virtual void SetResultRef(std::string file_name) { (void)file_name; }
};

class Handler {
 public:
  virtual ~Handler() = default;
  virtual std::string_view type() const = 0;
  // Checked at submit, so bad payloads get a 422 instead of a failed job. The message names the
  // offending field, e.g. "payload.data[3] must be a finite number".
  virtual Status ValidatePayload(const boost::json::value& payload) const = 0;
  // The payload ValidatePayload accepts, as a JSON Schema (2020-12) text: /openapi.json
  // publishes it per type and the dashboard's submit form is built from it. The schema may be
  // looser than ValidatePayload where a rule needs the node's settings (URL policy, input
  // directories, rule-set names), never stricter. The default suits a type taking any object.
  virtual std::string_view PayloadSchema() const { return R"({"type":"object"})"; }
  // Returns the result as JSON text. Errors: InvalidArgument (or FailedPrecondition) means
  // permanent — the job goes to FAILED without retrying; Cancelled means it honoured a cancel;
  // any other code is retried with backoff while attempts remain. Exceptions are caught by the
  // runtime and count as retryable failures with their what() kept.
  virtual Result<std::string> Run(JobContext& ctx) = 0;
  // Attempts for a job of this type that does not set max_attempts; 0 means the server's default
  // (--max-attempts / MAX_RETRIES).
  virtual int DefaultMaxAttempts() const { return 0; }
};

}  // namespace conveyor
