// PgPool: up to `max` open connections to one database, handed out one caller at a time.
// Connections are opened on demand; one found broken when it comes back is dropped, so after a
// server restart the next Acquire() simply connects again (or answers Unavailable while the
// server is still down). Nothing reconnects in the background.
//
// Thread-safety: Acquire() may be called from any thread; it waits while all `max` are in use.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/postgres/pg_connection.h"

namespace conveyor {

class PgPool {
 public:
  PgPool(std::string conninfo, int max);

  // Gives the connection back to the pool when destroyed.
  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<PgConnection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_) pool_->Return(std::move(conn_));
    }
    PgConnection& conn() { return *conn_; }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> conn_;
  };

  // An idle connection, or a new one while fewer than `max` are open.
  Result<Lease> Acquire();
  // Closes every idle connection: after one was found lost (server restart), the others are
  // most likely lost too, and each would fail one more call.
  void DropIdle();

 private:
  void Return(std::unique_ptr<PgConnection> conn);

  const std::string conninfo_;
  const int max_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // GUARDED_BY(mu_)
  int open_ = 0;                                     // GUARDED_BY(mu_): idle + leased
};

}  // namespace conveyor
