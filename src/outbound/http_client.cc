#include "outbound/http_client.h"

#include <algorithm>
#include <cctype>
#include <memory>

#include "outbound/http_transfer.h"

namespace conveyor {

Status CheckHttpHeader(std::string_view name, std::string_view value) {
  static constexpr std::string_view kTokenPunct = "!#$%&'*+-.^_`|~";
  bool name_ok = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || kTokenPunct.find(static_cast<char>(c)) != std::string_view::npos;
  });
  if (!name_ok) {
    return Status::InvalidArgument("header name '" + std::string(name) +
                                   "' must be letters, digits or !#$%&'*+-.^_`|~");
  }
  if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    return Status::InvalidArgument("header '" + std::string(name) +
                                   "' must not contain CR, LF or NUL");
  }
  return Status::Ok();
}

Result<HttpResponseData> PerformHttpRequest(const HttpRequestSpec& spec, const UrlPolicy& policy,
                                            const std::function<bool()>& cancelled) {
  Result<std::unique_ptr<HttpTransfer>> transfer = HttpTransfer::Create(spec, policy);
  if (!transfer.ok()) return transfer.status();
  Result<CURLcode> code = CurlDriveTransfer((*transfer)->easy(), cancelled, "http request");
  if (!code.ok()) return code.status();
  return (*transfer)->Finish(*code);
}

}  // namespace conveyor
