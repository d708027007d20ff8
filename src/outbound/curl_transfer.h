// Shared by the libcurl clients in outbound/ (http_client, http_transfer, concurrent_http_sender,
// smtp_client); includes curl, so it is for use inside outbound/ only. RAII handles, the
// one-time global init, and the cancellable transfer loop.
//
// Thread-safety: every function may be called from many threads, each with its own handles.
#pragma once

#include <curl/curl.h>

#include <functional>
#include <memory>
#include <string>

#include "core/status.h"

namespace conveyor {

struct CurlEasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct CurlMultiDeleter {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using CurlEasyPtr = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlMultiPtr = std::unique_ptr<CURLM, CurlMultiDeleter>;
using CurlSlistPtr = std::unique_ptr<curl_slist, CurlSlistDeleter>;

// curl_global_init, once per process.
void CurlGlobalInitOnce();

// Runs `easy` to completion on a multi handle, looking at `cancelled` about every 50 ms (the
// latency of a cancel). Returns the transfer's CURLcode; Cancelled("<what> cancelled") once
// cancelled() is true, after calling `on_cancel` (if any) before the handle is detached.
Result<CURLcode> CurlDriveTransfer(CURL* easy, const std::function<bool()>& cancelled,
                                   const std::string& what,
                                   const std::function<void()>& on_cancel = nullptr);

}  // namespace conveyor
