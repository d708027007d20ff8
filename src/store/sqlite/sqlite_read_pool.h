// SqliteReadPool: a fixed set of read-only connections. In WAL mode readers see the last
// committed state and run concurrently with the writer and with each other, so reads never queue
// behind the group-commit thread.
//
// Thread-safety: Acquire may be called from any thread; it blocks while every connection is in
// use. A Lease confines its connection to the holder until the Lease is destroyed.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/sqlite/sqlite_connection.h"

namespace conveyor {

class SqliteReadPool {
 public:
  class Lease {
   public:
    Lease(SqliteReadPool* pool, SqliteConnection* conn) : pool_(pool), conn_(conn) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_->Release(conn_); }
    SqliteConnection& conn() { return *conn_; }

   private:
    SqliteReadPool* pool_;
    SqliteConnection* conn_;
  };

  // REQUIRES: the database file exists (the write connection created it).
  static Result<std::unique_ptr<SqliteReadPool>> Open(const std::string& path, int size,
                                                      int busy_timeout_ms);
  Lease Acquire();

 private:
  SqliteReadPool() = default;
  void Release(SqliteConnection* conn);

  std::vector<std::unique_ptr<SqliteConnection>> all_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<SqliteConnection*> free_;  // GUARDED_BY(mu_)
};

}  // namespace conveyor
