#include "store/postgres/pg_pool.h"

namespace conveyor {

PgPool::PgPool(std::string conninfo, int max) : conninfo_(std::move(conninfo)), max_(max) {}

Result<PgPool::Lease> PgPool::Acquire() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    freed_.wait(lock, [&] { return !idle_.empty() || open_ < max_; });
    if (!idle_.empty()) {
      std::unique_ptr<PgConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    ++open_;  // reserve the slot, connect outside the lock
  }
  auto conn = PgConnection::Connect(conninfo_);
  if (!conn.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
    freed_.notify_one();
    return conn.status();
  }
  return Lease(this, std::move(conn).value());
}

void PgPool::DropIdle() {
  std::vector<std::unique_ptr<PgConnection>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    dropped.swap(idle_);
    open_ -= static_cast<int>(dropped.size());
  }
  freed_.notify_all();
}  // `dropped` closes here, outside the lock

void PgPool::Return(std::unique_ptr<PgConnection> conn) {
  const bool broken = conn->broken();
  if (broken) conn.reset();  // close outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  if (broken) {
    --open_;
  } else {
    idle_.push_back(std::move(conn));
  }
  freed_.notify_one();
}

}  // namespace conveyor
