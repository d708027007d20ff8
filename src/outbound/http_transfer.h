// HttpTransfer: one outgoing HTTP request prepared on a libcurl easy handle under the URL
// policy — options, headers, body, the connect-time address check (CURLOPT_OPENSOCKETFUNCTION),
// response capture and the mapping of libcurl errors to Status. Shared by PerformHttpRequest
// (one blocking transfer) and ConcurrentHttpSender (many transfers on one multi handle), so the
// policy is enforced the same way on both paths. Includes curl: for use inside outbound/ only.
//
// Thread-safety: one transfer belongs to one thread at a time. The policy must outlive it.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <optional>

#include "core/status.h"
#include "outbound/curl_transfer.h"
#include "outbound/http_client.h"
#include "outbound/url_policy.h"

namespace conveyor {

class HttpTransfer {
 public:
  // Checks the URL against the policy, the method and the headers (InvalidArgument or
  // FailedPrecondition, as PerformHttpRequest documents), then prepares the easy handle.
  static Result<std::unique_ptr<HttpTransfer>> Create(HttpRequestSpec spec,
                                                      const UrlPolicy& policy);
  HttpTransfer(const HttpTransfer&) = delete;
  HttpTransfer& operator=(const HttpTransfer&) = delete;

  CURL* easy() const { return easy_.get(); }

  // Once libcurl finished the transfer with `code`: the response (whatever its status code) or
  // the error, mapped as PerformHttpRequest documents.
  Result<HttpResponseData> Finish(CURLcode code);

  // Callback state; public only so libcurl's C callbacks can reach it.
  struct Capture {
    const UrlPolicy* policy = nullptr;
    bool host_admitted = false;  // the URL's host is one the operator admits (HostAdmitted)
    size_t max_body = 0;
    CURL* easy = nullptr;
    const HttpRequestSpec* spec = nullptr;  // for spec->on_body, the streaming sink
    HttpResponseData response;
    std::optional<Status> refused;  // the first address the policy refused, if any
  };

 private:
  explicit HttpTransfer(HttpRequestSpec spec) : spec_(std::move(spec)) {}
  Status Prepare(const UrlPolicy& policy);
  Status MapError(CURLcode code) const;

  HttpRequestSpec spec_;
  CurlEasyPtr easy_;
  CurlSlistPtr headers_;
  Capture capture_;
  char errbuf_[CURL_ERROR_SIZE] = {};
};

}  // namespace conveyor
