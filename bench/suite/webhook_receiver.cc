#include "bench/suite/webhook_receiver.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

namespace conveyor::bench {

WebhookReceiver::WebhookReceiver() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  listen(listen_fd_, 1024);
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  epoll_fd_ = epoll_create1(0);
  Watch(listen_fd_);
  thread_ = std::thread([this] { Run(); });
}

WebhookReceiver::~WebhookReceiver() {
  stop_ = true;
  thread_.join();
  for (auto& [fd, buf] : conns_) close(fd);
  close(listen_fd_);
  close(epoll_fd_);
}

void WebhookReceiver::Watch(int fd) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
}

void WebhookReceiver::Run() {
  epoll_event events[256];
  while (!stop_) {
    int n = epoll_wait(epoll_fd_, events, 256, 100);
    for (int i = 0; i < n; ++i) {
      if (events[i].data.fd == listen_fd_) {
        Accept();
      } else {
        Read(events[i].data.fd);
      }
    }
  }
}

void WebhookReceiver::Accept() {
  for (;;) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK);
    if (fd < 0) return;
    int one = 1;  // answers go out at once, not after the client's delayed ACK
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    conns_[fd];
    Watch(fd);
  }
}

void WebhookReceiver::Read(int fd) {
  std::string& buf = conns_[fd];
  char chunk[65536];
  for (;;) {
    ssize_t got = read(fd, chunk, sizeof chunk);
    if (got == 0 || (got < 0 && errno != EAGAIN)) {
      conns_.erase(fd);
      close(fd);
      return;
    }
    if (got < 0) break;
    buf.append(chunk, static_cast<size_t>(got));
  }
  Answer(fd, buf);
}

void WebhookReceiver::Answer(int fd, std::string& buf) {
  static constexpr std::string_view kReply = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  std::string out;
  for (;;) {
    size_t head_end = buf.find("\r\n\r\n");
    if (head_end == std::string::npos) break;
    size_t length = 0;
    size_t cl = buf.find("Content-Length:");
    if (cl != std::string::npos && cl < head_end) length = std::stoul(buf.substr(cl + 15, 20));
    if (buf.size() < head_end + 4 + length) break;
    buf.erase(0, head_end + 4 + length);
    out.append(kReply);
    requests_.fetch_add(1);
  }
  if (!out.empty() && write(fd, out.data(), out.size()) < 0) {
    conns_.erase(fd);  // the client went away; nothing to answer
    close(fd);
  }
}

}  // namespace conveyor::bench
