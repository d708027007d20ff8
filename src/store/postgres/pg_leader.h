// PgLeader: the maintenance leadership of one database, as a session-level advisory lock held on
// a dedicated connection. Whoever holds the lock is leader until its connection ends (the store
// is destroyed, the process dies, or the server restarts), at which point PostgreSQL releases it
// and the next TryAcquire() of another node takes it.
//
// Thread-safety: TryAcquire() may be called from any thread (serialised internally).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "store/postgres/pg_connection.h"

namespace conveyor {

class PgLeader {
 public:
  explicit PgLeader(std::string conninfo) : conninfo_(std::move(conninfo)) {}

  // True while this store holds the lock. False when another session holds it or the server
  // cannot be reached (the connection is then dropped; the next call connects again).
  bool TryAcquire();

 private:
  const std::string conninfo_;
  std::mutex mu_;
  std::unique_ptr<PgConnection> conn_;  // GUARDED_BY(mu_)
  bool held_ = false;                   // GUARDED_BY(mu_)
};

}  // namespace conveyor
