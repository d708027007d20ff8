// PgListener: the LISTEN side of PostgreSQL wake-ups. A thread of its own keeps one connection
// LISTENing on the jobs channel and calls `on_jobs` whenever notifications arrive (once per
// burst, not per notification). If the connection drops it reconnects with a capped backoff and
// calls `on_jobs` once after every (re)connect, since notifications sent while it was away are
// lost.
//
// Thread-safety: Start() once; the destructor stops and joins the thread (safe without Start()).
// `on_jobs` runs on the listener thread and must not block.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "core/status.h"
#include "store/postgres/pg_connection.h"

namespace conveyor {

class PgListener {
 public:
  explicit PgListener(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  ~PgListener();
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

  Status Start(std::function<void()> on_jobs);

 private:
  void Loop();
  // Waits for notifications until the connection drops or Stop; false when stopping.
  bool Serve(PgConnection& c);
  // Sleeps `ms` unless stopped first; false when stopping.
  bool Pause(int ms);

  const std::string conninfo_;
  std::function<void()> on_jobs_;
  std::atomic<bool> stop_{false};
  int wake_fd_[2] = {-1, -1};  // a self-pipe: the destructor writes to interrupt poll()
  std::thread thread_;
};

}  // namespace conveyor
