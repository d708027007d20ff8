#include "handlers/csv/csv_input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <vector>

#include "outbound/http_client.h"

namespace conveyor {
namespace {

constexpr size_t kChunkBytes = 1 << 20;
constexpr std::string_view kFileScheme = "file://";
// The job's own time limit stops a slow download (through `cancelled`); this only bounds a
// transfer nobody watches.
constexpr int kHttpTimeoutMs = 24 * 3600 * 1000;

bool IsHttp(std::string_view uri) {
  return uri.starts_with("http://") || uri.starts_with("https://");
}

// "s3" for "s3://bucket/key": a scheme we do not read, named in the refusal; "" when `uri` has
// no scheme.
std::string_view SchemeOf(std::string_view uri) {
  const size_t colon = uri.find("://");
  if (colon == std::string_view::npos || colon == 0) return {};
  const std::string_view scheme = uri.substr(0, colon);
  const bool word = std::all_of(scheme.begin(), scheme.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
  });
  return word ? scheme : std::string_view{};
}

std::string LocalPath(std::string_view uri) {
  if (uri.starts_with(kFileScheme)) uri.remove_prefix(kFileScheme.size());
  return std::string(uri);
}

// Closes the descriptor on every path out of ReadFile.
struct FdCloser {
  int fd;
  ~FdCloser() { close(fd); }
};

Status ReadFile(const std::string& path, const CsvInputDirs& dirs,
                const std::function<bool()>& cancelled, const CsvChunkSink& sink) {
  Result<int> opened = dirs.OpenInput(path);  // checks the directories again: see its header
  if (!opened.ok()) return opened.status();
  const int fd = *opened;
  FdCloser closer{fd};
  struct stat st {};
  if (fstat(fd, &st) != 0)
    return Status::Unavailable("cannot stat input " + path + ": " + std::strerror(errno));
  // Advice only: the kernel reads ahead harder; ignoring a failure changes nothing else.
  (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  std::vector<char> buf(kChunkBytes);
  for (;;) {
    if (cancelled()) return Status::Cancelled("reading " + path + " cancelled");
    const ssize_t n = read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Unavailable("cannot read " + path + ": " + std::strerror(errno));
    if (n == 0) return Status::Ok();
    if (Status s = sink(std::string_view(buf.data(), static_cast<size_t>(n)), st.st_size);
        !s.ok()) {
      return s;
    }
  }
}

Status StatusError(const std::string& uri, long status) {
  std::string what = "GET " + uri + " answered HTTP " + std::to_string(status);
  if (status >= 500 || status == 408 || status == 429) return Status::Unavailable(what);
  return Status::FailedPrecondition(what);
}

Status ReadHttp(const std::string& uri, const UrlPolicy& policy,
                const std::function<bool()>& cancelled, const CsvChunkSink& sink) {
  Status sink_status = Status::Ok();
  HttpRequestSpec spec{.url = uri, .timeout_ms = kHttpTimeoutMs};
  spec.on_body = [&](std::string_view chunk, long status, int64_t length) {
    if (status < 200 || status > 299) return false;  // an error page is not the CSV
    sink_status = sink(chunk, length);
    return sink_status.ok();
  };
  Result<HttpResponseData> r = PerformHttpRequest(spec, policy, cancelled);
  if (!r.ok()) return r.status();
  if (!sink_status.ok()) return sink_status;
  if (r->status < 200 || r->status > 299) return StatusError(uri, r->status);
  return Status::Ok();
}

}  // namespace

bool IsCsvInputUri(std::string_view uri, const CsvInputSources& sources, std::string* message) {
  if (IsHttp(uri)) {
    Status s = CheckWebhookUrl(uri, sources.policy);
    if (!s.ok()) *message = s.message();
    return s.ok();
  }
  const std::string_view scheme = SchemeOf(uri);
  if (!scheme.empty() && !uri.starts_with(kFileScheme)) {
    *message =
        "must be an absolute path under the server's input directories, a file:// URI or "
        "an http(s):// URL (a presigned S3 or GCS URL works); the " +
        std::string(scheme) + ":// scheme is not supported";
    return false;
  }
  const std::string path = sources.dirs.Resolve(LocalPath(uri));
  if (!path.starts_with('/')) {
    *message = "must be a path under the server's input directories (in.csv, "
               "/data/inputs/in.csv), a file:// URI or an http(s) URL";
    return false;
  }
  if (sources.dirs.IsUnder(path)) return true;
  *message = std::string(CsvInputDirs::kOutsideMessage);
  return false;
}

Status ReadCsvInput(const std::string& uri, const CsvInputSources& sources,
                    const std::function<bool()>& cancelled, const CsvChunkSink& sink) {
  if (IsHttp(uri)) return ReadHttp(uri, sources.policy, cancelled, sink);
  return ReadFile(sources.dirs.Resolve(LocalPath(uri)), sources.dirs, cancelled, sink);
}

}  // namespace conveyor
