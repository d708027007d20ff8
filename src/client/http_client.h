// HttpClient: a small synchronous HTTP/1.1 client for the client subcommands and the bench's
// control calls (stats, results). It keeps one keep-alive connection to the server named by a
// base URL ("http://host:port[/prefix]") and reconnects once when the server closed it.
//
// Errors are Status values: Unavailable when the server cannot be reached (connection refused,
// reset, timeout), InvalidArgument for a bad base URL. An HTTP error status is not an error
// here: the caller gets the response and decides.
// Thread-safety: none; use one HttpClient per thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace conveyor::client {

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;

  bool ok() const { return status >= 200 && status < 300; }
};

class HttpClient {
 public:
  // Parses the base URL; does not connect yet.
  static Result<std::unique_ptr<HttpClient>> Create(std::string_view base_url);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `target` starts with '/', and is appended to the base URL's path prefix.
  Result<HttpResponse> Get(std::string_view target);
  Result<HttpResponse> Post(std::string_view target, std::string body);
  Result<HttpResponse> Delete(std::string_view target);
  Result<HttpResponse> Patch(std::string_view target, std::string body);
  // GET `target` as a stream (Server-Sent Events) on a connection of its own: calls `on_bytes`
  // with the body as it arrives, until it returns false, the server ends the body, or no byte
  // came for the client's timeout. Returns the HTTP status (a non-2xx body is not read).
  Result<int> GetStream(std::string_view target,
                        const std::function<bool(std::string_view)>& on_bytes);

  // Per-request deadline (connect + write + read); default 30 s.
  void set_timeout(std::chrono::milliseconds timeout);
  // Sent as "Authorization: Bearer <key>" with every request (empty: none).
  void set_api_key(std::string_view key);
  // "host:port", for messages.
  std::string Address() const;

 private:
  class Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace conveyor::client
