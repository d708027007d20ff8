#include "store/postgres/pg_notifier.h"

#include "store/postgres/pg_queries.h"

namespace conveyor {

PgNotifier::PgNotifier(std::string conninfo)
    : conninfo_(std::move(conninfo)), thread_([this] { Loop(); }) {}

PgNotifier::~PgNotifier() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void PgNotifier::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_) return;  // the NOTIFY about to go out covers this commit too
    pending_ = true;
  }
  wake_.notify_one();
}

void PgNotifier::Loop() {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return pending_ || stopping_; });
      if (!pending_) return;  // stopping with nothing left to send
      pending_ = false;       // commits from now on need the next NOTIFY
    }
    Send();
  }
}

void PgNotifier::Send() {
  // A kept connection may have died since the last burst (server restart, idle timeout, an
  // administrator's pg_terminate_backend); only the send finds out. Dropping the wake-up then
  // would leave every commit of this burst unannounced, so try once more on a fresh connection.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = conn_ != nullptr;
    if (!conn_) {
      auto conn = PgConnection::Connect(conninfo_);
      // Unreachable: drop this wake-up. Listeners call back when they reconnect, and the
      // transaction that asked for it may not even have committed if the server is gone.
      if (!conn.ok()) return;
      conn_ = std::move(conn).value();
    }
    if (conn_->Exec(pg_queries::kNotify).ok()) return;
    conn_.reset();        // reconnect next time
    if (!reused) return;  // a fresh connection failed too: the server is in trouble, not it
  }
}

}  // namespace conveyor
