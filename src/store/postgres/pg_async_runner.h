// PgAsyncRunner: a few threads that run queued tasks, so JobInsertManyAsync returns at once while
// the insert waits on PostgreSQL (each task uses its own pooled connection and transaction, and
// PostgreSQL shares one WAL flush among the commits that arrive together).
//
// Thread-safety: Post() from any thread. The destructor runs every queued task, then joins.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace conveyor {

class PgAsyncRunner {
 public:
  explicit PgAsyncRunner(int threads);
  ~PgAsyncRunner();
  PgAsyncRunner(const PgAsyncRunner&) = delete;
  PgAsyncRunner& operator=(const PgAsyncRunner&) = delete;

  void Post(std::function<void()> task);

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                    // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;
};

}  // namespace conveyor
