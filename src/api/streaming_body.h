// StreamingBody: an answer whose body is written as it comes rather than all at once (Server-Sent
// Events, api/event_stream.h). A handler sets Response::streaming; the session then writes the
// head without a Content-Length and with Connection: close, runs the body until it ends, and
// closes the connection (the close marks the body's end).
//
// Thread-safety: Run() and Stop() are called on the session's strand only.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string_view>

namespace conveyor::api {

class StreamingBody {
 public:
  // Writes bytes to the client (under the server's write timeout); false once the client is
  // gone or the write timed out.
  using Write = std::function<boost::asio::awaitable<bool>(std::string_view)>;

  virtual ~StreamingBody() = default;
  // Writes the body until it ends: its source ends, a write fails, or Stop().
  virtual boost::asio::awaitable<void> Run(Write write) = 0;
  // The server is stopping: Run() returns soon.
  virtual void Stop() = 0;
};

}  // namespace conveyor::api
