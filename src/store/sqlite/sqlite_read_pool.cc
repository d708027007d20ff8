#include "store/sqlite/sqlite_read_pool.h"

#include <algorithm>
#include <utility>

namespace conveyor {

Result<std::unique_ptr<SqliteReadPool>> SqliteReadPool::Open(const std::string& path, int size,
                                                             int busy_timeout_ms) {
  std::unique_ptr<SqliteReadPool> pool(new SqliteReadPool());
  for (int i = 0; i < std::max(size, 1); ++i) {
    auto conn = SqliteConnection::Open(
        path, {.read_only = true, .busy_timeout_ms = busy_timeout_ms});
    if (!conn.ok()) return conn.status();
    pool->free_.push_back(conn->get());
    pool->all_.push_back(std::move(conn).value());
  }
  return pool;
}

SqliteReadPool::Lease SqliteReadPool::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !free_.empty(); });
  SqliteConnection* conn = free_.back();
  free_.pop_back();
  return Lease(this, conn);
}

void SqliteReadPool::Release(SqliteConnection* conn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(conn);
  }
  cv_.notify_one();
}

}  // namespace conveyor
