#include "api/artifacts_resource.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>
#include <string>

#include "api/request_context.h"
#include "core/ids.h"
#include "handlers/artifact_file.h"
#include "runtime/job_service.h"

namespace conveyor::api {
namespace {

namespace http = boost::beast::http;

constexpr size_t kMaxName = 128;

// The raw value of `key` in the query string, if present.
std::optional<std::string_view> QueryValue(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (pair.size() > key.size() && pair.starts_with(key) && pair[key.size()] == '=')
      return pair.substr(key.size() + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

// Letters, digits, '.', '_' and '-', not starting with '.': a file in the job's directory,
// never a path out of it.
bool IsPlainFileName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxName && name.front() != '.' &&
         std::all_of(name.begin(), name.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '.' || c == '_' || c == '-';
         });
}

std::string_view ContentTypeFor(std::string_view name) {
  if (name.ends_with(".json")) return "application/json";
  if (name.ends_with(".csv")) return "text/csv; charset=utf-8";
  if (name.ends_with(".txt")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

// Which file of job `id` to serve, or a problem already written to the response.
std::optional<std::string> FileName(RequestContext& ctx, const Job& job) {
  if (std::optional<std::string_view> name = QueryValue(ctx.query, "name")) {
    if (IsPlainFileName(*name)) return std::string(*name);
    ctx.Fail({ErrorKind::kInvalidField,
              "name must be a file name such as report.csv (letters, digits, '.', '_', '-')"});
    return std::nullopt;
  }
  const std::string prefix = job.id + "/";
  if (!job.result_ref) {
    ctx.Fail({ErrorKind::kNotFound, "job " + job.id +
                                        " has no artifact: only job types that write files "
                                        "(csv.validate, csv.correct, report.generate) have one, "
                                        "once they succeed"});
  } else if (!job.result_ref->starts_with(prefix) ||
             !IsPlainFileName(std::string_view(*job.result_ref).substr(prefix.size()))) {
    ctx.Fail({ErrorKind::kNotFound, "the artifact of job " + job.id +
                                        " is not kept by this server: " + *job.result_ref});
  } else {
    return job.result_ref->substr(prefix.size());
  }
  return std::nullopt;
}

// Only from the job's own directory: OpenArtifactFile (handlers/artifact_file.h) confines it.
void Serve(RequestContext& ctx, const std::string& job_id, const std::string& name) {
  // Opened step by step without following links, only under the job's own directory.
  Result<int> fd = OpenArtifactFile(ctx.artifact_dir, job_id, name);
  if (!fd.ok()) {
    ctx.Fail(ErrorFromStatus(fd.status()));
    return;
  }
  std::shared_ptr<std::FILE> file(fdopen(*fd, "rb"), [](std::FILE* f) {
    if (f) std::fclose(f);
  });
  struct stat st {};
  if (!file || fstat(fileno(file.get()), &st) != 0 || !S_ISREG(st.st_mode)) {
    if (!file) close(*fd);
    ctx.Fail({ErrorKind::kNotFound, "job " + job_id + " has no artifact named " + name});
    return;
  }
  // Streamed by the session in chunks: a 150 MB artifact read whole stalled every request.
  ctx.response.file = std::move(file);
  ctx.response.file_size = static_cast<uint64_t>(st.st_size);
  ctx.response.content_type = ContentTypeFor(name);
  ctx.response.content_disposition = "attachment; filename=\"" + name + "\"";
}

void GetArtifact(RequestContext& ctx) {
  const std::string_view raw = ctx.params[0];
  if (!IsValidUuid(raw)) {
    ctx.Fail({ErrorKind::kMalformed,
              "job id must be a UUID such as 0192f0c1-8d3c-7abc-9def-0123456789ab"});
    return;
  }
  Result<Job> job = ctx.jobs.Get(std::string(raw));
  if (!job.ok()) {
    ctx.Fail(ErrorFromStatus(job.status()));
    return;
  }
  if (std::optional<std::string> name = FileName(ctx, *job)) Serve(ctx, job->id, *name);
}

}  // namespace

void RegisterArtifactRoutes(Router& router) {
  router.Add(http::verb::get, "/jobs/{id}/artifact", {.sync = GetArtifact, .access = Access::kJobsRead});
}

}  // namespace conveyor::api
