#include "outbound/curl_transfer.h"

#include <mutex>
#include <optional>

namespace conveyor {
namespace {

constexpr int kPollMs = 50;

}  // namespace

void CurlGlobalInitOnce() {
  static std::once_flag once;
  // curl_global_init is not thread-safe on older libcurl; once per process is all it needs.
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Result<CURLcode> CurlDriveTransfer(CURL* easy, const std::function<bool()>& cancelled,
                                   const std::string& what,
                                   const std::function<void()>& on_cancel) {
  CurlMultiPtr multi(curl_multi_init());
  if (!multi) return Status::Internal("curl_multi_init failed");
  curl_multi_add_handle(multi.get(), easy);
  int running = 1;
  std::optional<CURLcode> done;
  while (!done) {
    if (cancelled && cancelled()) {
      if (on_cancel) on_cancel();
      curl_multi_remove_handle(multi.get(), easy);
      return Status::Cancelled(what + " cancelled");
    }
    if (CURLMcode mc = curl_multi_perform(multi.get(), &running); mc != CURLM_OK) {
      curl_multi_remove_handle(multi.get(), easy);
      return Status::Internal(std::string("curl_multi_perform: ") + curl_multi_strerror(mc));
    }
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi.get(), &left)) {
      if (msg->msg == CURLMSG_DONE) done = msg->data.result;
    }
    if (!done) curl_multi_poll(multi.get(), nullptr, 0, kPollMs, nullptr);
  }
  curl_multi_remove_handle(multi.get(), easy);
  return *done;
}

}  // namespace conveyor
