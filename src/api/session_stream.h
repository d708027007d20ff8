// SessionStream: one accepted connection as HttpSession reads and writes it — plain TCP, or TLS
// over TCP when the listener has a TLS context. It is an Asio AsyncStream (async_read_some,
// async_write_some), so Beast's HTTP reads and Asio's writes take it as they take a tcp_stream;
// each operation forwards to the one concrete stream, so the session's logic is written once.
// Timeouts, cancel and the socket are the TCP layer's, under both.
//
// Thread-safety: as a beast::tcp_stream — one operation of each direction at a time, on the
// connection's strand.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <utility>
#include <variant>

#include "api/tls_context.h"

namespace conveyor::api {

class SessionStream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;
  using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  // `tls` null: plain TCP. The context is kept for the connection's life, so a reload that
  // swaps the listener's context leaves this connection's alone.
  SessionStream(boost::asio::ip::tcp::socket socket, TlsContextPtr tls)
      : tls_context_(std::move(tls)),
        stream_(tls_context_
                    ? Variant(std::in_place_type<TlsStream>,
                              boost::beast::tcp_stream(std::move(socket)), *tls_context_)
                    : Variant(std::in_place_type<boost::beast::tcp_stream>, std::move(socket))) {}

  bool is_tls() const { return tls_context_ != nullptr; }
  executor_type get_executor() noexcept { return Tcp().get_executor(); }
  boost::beast::tcp_stream& Tcp() {
    if (auto* tls = std::get_if<TlsStream>(&stream_)) return tls->next_layer();
    return std::get<boost::beast::tcp_stream>(stream_);
  }
  boost::asio::ip::tcp::socket& socket() { return Tcp().socket(); }
  template <class Duration>
  void expires_after(Duration d) {
    Tcp().expires_after(d);
  }
  void cancel() { Tcp().cancel(); }

  // TLS: the server side of the handshake (under the caller's expires_after); plain: nothing.
  boost::asio::awaitable<boost::beast::error_code> Handshake();
  // Ends the sending direction: a TCP half-close, or TLS's close_notify (which also waits, under
  // the caller's expires_after, for the peer's).
  boost::asio::awaitable<void> ShutdownSend();

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          if (auto* tls = std::get_if<TlsStream>(&stream_)) {
            tls->async_read_some(b, std::move(handler));
          } else {
            std::get<boost::beast::tcp_stream>(stream_).async_read_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          if (auto* tls = std::get_if<TlsStream>(&stream_)) {
            tls->async_write_some(b, std::move(handler));
          } else {
            std::get<boost::beast::tcp_stream>(stream_).async_write_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

 private:
  using Variant = std::variant<boost::beast::tcp_stream, TlsStream>;

  TlsContextPtr tls_context_;  // declared first: outlives the stream that refers to it
  Variant stream_;
};

}  // namespace conveyor::api
