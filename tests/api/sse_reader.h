// SseReader: a raw loopback client for GET /events — sends the request, reads the head, then
// splits the body into Server-Sent Events as they arrive. Reads wait at most a deadline (a
// generous one: tests never assert on timing). Not thread-safe.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace conveyor::api::testing {

struct SseEvent {
  std::string id;
  std::string event;  // "message" when the block names none
  std::string data;
  std::string comment;
  boost::json::value Json() const { return boost::json::parse(data); }
};

class SseReader {
 public:
  // Connects and sends GET `target` with `headers` (each "Name: value").
  SseReader(uint16_t port, const std::string& target, std::vector<std::string> headers = {})
      : socket_(io_) {
    namespace asio = boost::asio;
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const std::string& h : headers) req += h + "\r\n";
    req += "\r\n";
    asio::write(socket_, asio::buffer(req));
    socket_.non_blocking(true);  // reads poll, so each can stop at its deadline
  }

  // The status line and headers; empty when none came before the deadline.
  std::string Head() {
    while (head_.empty() && Fill()) {
      const size_t end = buf_.find("\r\n\r\n");
      if (end != std::string::npos) {
        head_ = buf_.substr(0, end + 2);
        buf_.erase(0, end + 4);
      }
    }
    return head_;
  }
  unsigned Status() {
    const std::string h = Head();
    return h.size() > 12 ? static_cast<unsigned>(std::stoi(h.substr(9, 3))) : 0;
  }
  // The next event (comments included as events with `comment` set), or nullopt at the deadline
  // or when the server closed the stream.
  std::optional<SseEvent> Next() {
    Head();
    for (;;) {
      const size_t end = buf_.find("\n\n");
      if (end != std::string::npos) {
        SseEvent e = Parse(buf_.substr(0, end));
        buf_.erase(0, end + 2);
        return e;
      }
      if (!Fill()) return std::nullopt;
    }
  }
  // The next `job` or `progress` or `overflow` event, skipping retry hints and comments; nullopt
  // at the deadline even when keep-alive comments keep coming.
  std::optional<SseEvent> NextEvent() {
    const auto deadline = std::chrono::steady_clock::now() + kDeadline;
    while (std::chrono::steady_clock::now() < deadline) {
      auto e = Next();
      if (!e || !e->event.empty()) return e;
    }
    return std::nullopt;
  }
  // True when the server closes the stream before the deadline.
  bool WaitForClose() {
    while (!closed_ && Fill()) buf_.clear();
    return closed_;
  }
  bool closed() const { return closed_; }
  // Hangs up, as a closed browser tab does.
  void Close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
    closed_ = true;
  }

 private:
  static constexpr auto kDeadline = std::chrono::seconds(20);

  // Reads more bytes; false at the deadline or once closed.
  bool Fill() {
    const auto deadline = std::chrono::steady_clock::now() + kDeadline;
    char chunk[4096];
    while (!closed_ && std::chrono::steady_clock::now() < deadline) {
      boost::system::error_code ec;
      const size_t n = socket_.read_some(boost::asio::buffer(chunk), ec);
      if (n > 0) {
        buf_.append(chunk, n);
        return true;
      }
      if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      if (ec) closed_ = true;
    }
    return false;
  }

  static SseEvent Parse(const std::string& block) {
    SseEvent e;
    size_t pos = 0;
    while (pos <= block.size()) {
      size_t nl = block.find('\n', pos);
      if (nl == std::string::npos) nl = block.size();
      const std::string line = block.substr(pos, nl - pos);
      pos = nl + 1;
      if (line.rfind("id: ", 0) == 0) e.id = line.substr(4);
      if (line.rfind("event: ", 0) == 0) e.event = line.substr(7);
      if (line.rfind("data: ", 0) == 0) e.data = line.substr(6);
      if (line.rfind(": ", 0) == 0) e.comment = line.substr(2);
    }
    return e;
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::string head_;
  std::string buf_;
  bool closed_ = false;
};

}  // namespace conveyor::api::testing
