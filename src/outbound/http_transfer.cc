#include "outbound/http_transfer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <string_view>

namespace conveyor {
namespace {

constexpr size_t kMaxHeaders = 200;

using Transfer = HttpTransfer::Capture;

size_t StreamBody(Transfer* t, std::string_view chunk) {
  long status = 0;
  curl_off_t length = -1;
  curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(t->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  if (t->spec->on_body(chunk, status, static_cast<int64_t>(length))) return chunk.size();
  t->response.truncated = true;  // the sink stopped us: not an error, as in OnBody below
  return 0;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  if (t->spec->on_body) return StreamBody(t, std::string_view(data, len));
  const size_t room = t->max_body - std::min(t->max_body, t->response.body.size());
  t->response.body.append(data, std::min(len, room));
  if (len <= room) return len;
  // Over the limit: returning short aborts the transfer (CURLE_WRITE_ERROR), which we then treat
  // as success because `truncated` says why — no point downloading what we will drop.
  t->response.truncated = true;
  return 0;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  // A new status line (after 100 Continue, say) starts a new header block: keep only the last.
  if (line.starts_with("HTTP/")) {
    t->response.headers.clear();
    return line.size();
  }
  size_t colon = line.find(':');
  // A server may send endless headers; past the cap they are read but not kept.
  if (colon != std::string_view::npos && t->response.headers.size() < kMaxHeaders) {
    t->response.headers.emplace_back(std::string(Trim(line.substr(0, colon))),
                                     std::string(Trim(line.substr(colon + 1))));
  }
  return line.size();
}

std::optional<std::string> AddressText(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  const void* src = nullptr;
  if (sa->sa_family == AF_INET) {
    src = &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr;
  } else if (sa->sa_family == AF_INET6) {
    src = &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr;
  } else {
    return std::nullopt;
  }
  if (inet_ntop(sa->sa_family, src, buf, sizeof buf) == nullptr) return std::nullopt;
  return std::string(buf);
}

// Called for every address libcurl is about to connect to — after DNS, so this sees the address
// actually used, which is what defeats DNS rebinding.
curl_socket_t OnOpenSocket(void* user, curlsocktype purpose, curl_sockaddr* addr) {
  auto* t = static_cast<Transfer*>(user);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  std::optional<std::string> ip = AddressText(&addr->addr);
  Status s = ip ? CheckResolvedAddress(*ip, *t->policy, t->host_admitted)
                : Status::FailedPrecondition("refused to connect to a non-IP address family");
  if (!s.ok()) {
    if (!t->refused) t->refused = s;
    return CURL_SOCKET_BAD;
  }
  return socket(addr->family, addr->socktype, addr->protocol);
}

Status CheckMethod(const std::string& method) {
  bool ok = !method.empty() && std::all_of(method.begin(), method.end(),
                                           [](unsigned char c) { return std::isupper(c) != 0; });
  return ok ? Status::Ok()
            : Status::InvalidArgument("HTTP method '" + method + "' must be upper-case letters");
}

Result<CurlSlistPtr> BuildHeaders(const HttpRequestSpec& spec) {
  // "Expect:" turns off 100-continue, which would stall large bodies on servers that ignore it.
  CurlSlistPtr list(curl_slist_append(nullptr, "Expect:"));
  for (const auto& [name, value] : spec.headers) {
    if (Status s = CheckHttpHeader(name, value); !s.ok()) return s;
    // "Name;" is libcurl's spelling of a header with an empty value.
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    // Appending to a non-empty list returns its unchanged head, or nullptr on failure.
    if (curl_slist_append(list.get(), line.c_str()) == nullptr) {
      return Status::Internal("out of memory building request headers");
    }
  }
  return list;
}

void SetMethodAndBody(CURL* h, const HttpRequestSpec& spec) {
  if (spec.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (spec.method != "GET" && spec.method != "POST") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, spec.method.c_str());
  }
  if (spec.method != "HEAD" && (!spec.body.empty() || spec.method == "POST")) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(spec.body.size()));
    curl_easy_setopt(h, CURLOPT_COPYPOSTFIELDS, spec.body.c_str());
    // POSTFIELDS switches libcurl to POST; say the method again for GET/PUT/PATCH/DELETE.
    if (spec.method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, spec.method.c_str());
  }
}

void SetOptions(CURL* h, const HttpRequestSpec& spec, Transfer& t, curl_slist* headers,
                char* errbuf) {
  curl_easy_setopt(h, CURLOPT_URL, spec.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  // An empty proxy overrides http_proxy & co. from the environment (see http_client.h).
  curl_easy_setopt(h, CURLOPT_PROXY, "");
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max(spec.timeout_ms, 1)));
  curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, OnOpenSocket);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &t);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  SetMethodAndBody(h, spec);
}

}  // namespace

Result<std::unique_ptr<HttpTransfer>> HttpTransfer::Create(HttpRequestSpec spec,
                                                           const UrlPolicy& policy) {
  if (Status s = CheckWebhookUrl(spec.url, policy); !s.ok()) return s;
  if (Status s = CheckMethod(spec.method); !s.ok()) return s;
  std::unique_ptr<HttpTransfer> t(new HttpTransfer(std::move(spec)));
  if (Status s = t->Prepare(policy); !s.ok()) return s;
  return t;
}

Status HttpTransfer::Prepare(const UrlPolicy& policy) {
  Result<CurlSlistPtr> headers = BuildHeaders(spec_);
  if (!headers.ok()) return headers.status();
  headers_ = std::move(headers).value();
  CurlGlobalInitOnce();
  easy_.reset(curl_easy_init());
  if (!easy_) return Status::Internal("curl_easy_init failed");
  capture_.policy = &policy;
  capture_.host_admitted = HostAdmitted(spec_.url, policy);
  capture_.max_body = spec_.max_response_bytes;
  capture_.easy = easy_.get();
  capture_.spec = &spec_;
  SetOptions(easy_.get(), spec_, capture_, headers_.get(), errbuf_);
  return Status::Ok();
}

Result<HttpResponseData> HttpTransfer::Finish(CURLcode code) {
  const bool cut_short = code == CURLE_WRITE_ERROR && capture_.response.truncated;
  if (code != CURLE_OK && !cut_short) return MapError(code);
  curl_easy_getinfo(easy_.get(), CURLINFO_RESPONSE_CODE, &capture_.response.status);
  return std::move(capture_.response);
}

Status HttpTransfer::MapError(CURLcode code) const {
  // Only when no connection was made: a refused IPv6 address followed by a timeout over IPv4
  // is a timeout.
  if (capture_.refused && code == CURLE_COULDNT_CONNECT) return *capture_.refused;
  std::string what = spec_.method + " " + spec_.url + ": " +
                     (errbuf_[0] != '\0' ? std::string(errbuf_) : curl_easy_strerror(code));
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return Status::DeadlineExceeded(what);
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return Status::InvalidArgument(what);
    default:  // resolve, connect, TLS and broken-connection errors: worth another try later
      return Status::Unavailable(what);
  }
}

}  // namespace conveyor
