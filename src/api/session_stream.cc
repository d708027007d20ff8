#include "api/session_stream.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace conveyor::api {

namespace asio = boost::asio;
namespace beast = boost::beast;

asio::awaitable<beast::error_code> SessionStream::Handshake() {
  auto* tls = std::get_if<TlsStream>(&stream_);
  if (tls == nullptr) co_return beast::error_code();
  auto [ec] = co_await tls->async_handshake(asio::ssl::stream_base::server,
                                            asio::as_tuple(asio::use_awaitable));
  co_return ec;
}

asio::awaitable<void> SessionStream::ShutdownSend() {
  if (auto* tls = std::get_if<TlsStream>(&stream_)) {
    // The peer often just closes instead of answering close_notify: any outcome will do.
    co_await tls->async_shutdown(asio::as_tuple(asio::use_awaitable));
    co_return;
  }
  beast::error_code ignored;  // the peer may be gone already; nothing to do about it
  Tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

}  // namespace conveyor::api
