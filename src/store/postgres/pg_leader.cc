#include "store/postgres/pg_leader.h"

namespace conveyor {
namespace {

// One lock per schema, the same on every node: deployments in separate schemas of one database
// each have their own leader.
constexpr const char* kTryLock =
    "SELECT pg_try_advisory_lock(hashtextextended('conveyor.leader.' ||"
    " coalesce(current_schema(), ''), 0))";

}  // namespace

bool PgLeader::TryAcquire() {
  std::lock_guard<std::mutex> lock(mu_);
  if (conn_ && held_) {
    // Still ours as long as the session lives; a round trip tells whether it does.
    if (conn_->Exec("SELECT 1").ok()) return true;
    conn_.reset();
    held_ = false;
    return false;  // lost with the connection: try again on the next call
  }
  if (!conn_) {
    auto conn = PgConnection::Connect(conninfo_);
    if (!conn.ok()) return false;
    conn_ = std::move(conn).value();
  }
  auto r = conn_->Exec(kTryLock);
  if (!r.ok()) {
    conn_.reset();
    return false;
  }
  held_ = r->Int(0, 0) != 0;
  return held_;
}

}  // namespace conveyor
