#include "store/postgres/pg_listener.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>

#include "store/postgres/pg_queries.h"

namespace conveyor {
namespace {

constexpr int kFirstBackoffMs = 50;
constexpr int kMaxBackoffMs = 2000;

Status StartListening(PgConnection& c) {
  auto channel = c.Exec(pg_queries::kChannel);
  if (!channel.ok()) return channel.status();
  const std::string name = channel->Text(0, 0);
  char* quoted = PQescapeIdentifier(c.raw(), name.c_str(), name.size());
  if (quoted == nullptr) return Status::Internal("cannot quote the channel name " + name);
  const std::string listen = std::string("LISTEN ") + quoted;
  PQfreemem(quoted);
  return c.Run(listen);
}

}  // namespace

PgListener::~PgListener() {
  stop_ = true;
  if (wake_fd_[1] >= 0) {
    const char b = 1;
    (void)!write(wake_fd_[1], &b, 1);  // a full pipe already wakes the thread: ignore the result
  }
  if (thread_.joinable()) thread_.join();
  for (int fd : wake_fd_) {
    if (fd >= 0) close(fd);
  }
}

Status PgListener::Start(std::function<void()> on_jobs) {
  if (thread_.joinable()) return Status::FailedPrecondition("the store is already listening");
  if (pipe2(wake_fd_, O_CLOEXEC | O_NONBLOCK) != 0) {
    return Status::Internal("cannot create the listener's wake-up pipe");
  }
  on_jobs_ = std::move(on_jobs);
  thread_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

bool PgListener::Pause(int ms) {
  pollfd p{.fd = wake_fd_[0], .events = POLLIN, .revents = 0};
  poll(&p, 1, ms);
  return !stop_;
}

void PgListener::Loop() {
  int backoff = kFirstBackoffMs;
  while (!stop_) {
    auto conn = PgConnection::Connect(conninfo_);
    if (!conn.ok() || !StartListening(**conn).ok()) {
      if (!Pause(backoff)) return;
      backoff = std::min(backoff * 2, kMaxBackoffMs);
      continue;
    }
    backoff = kFirstBackoffMs;
    on_jobs_();  // at start, and after a reconnect: anything sent meanwhile was missed
    if (!Serve(**conn)) return;
  }
}

bool PgListener::Serve(PgConnection& c) {
  PGconn* raw = c.raw();
  while (!stop_) {
    pollfd fds[2] = {{.fd = PQsocket(raw), .events = POLLIN, .revents = 0},
                     {.fd = wake_fd_[0], .events = POLLIN, .revents = 0}};
    if (poll(fds, 2, -1) < 0) continue;  // EINTR
    if (stop_) return false;
    if (PQconsumeInput(raw) == 0) return true;  // connection lost: reconnect
    bool any = false;
    while (PGnotify* n = PQnotifies(raw)) {
      any = true;
      PQfreemem(n);
    }
    if (any) on_jobs_();
    if (PQstatus(raw) != CONNECTION_OK) return true;
  }
  return false;
}

}  // namespace conveyor
