// QueueService: the queues and rate limits as the API and the submit path see them.
//
// - A snapshot of every queue's settings, the rate limits and the RUNNING count of limited
//   queues, refreshed in the background at most once a second (and at once after a change made
//   through this node), so a submit reads its queue's defaults and the waiting reasons read
//   limits without touching the store on the caller's thread. Changes made on another node show
//   here within about a second; the claim itself always reads the store (limits hold exactly).
// - GET /queues: settings plus job counts, read by one scan shared by concurrent requests and
//   kept for a second (the scan's cost must not be a lever for a client).
//
// Thread-safety: every method may be called from any thread. `post` runs refreshes elsewhere
// (ExternalLeases' helper threads); the service must outlive what it posted.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "store/store.h"

namespace conveyor {

struct QueueSnapshot {
  std::map<std::string, QueueSettings> queues;
  std::vector<RateLimitRow> rates;
  std::map<std::string, int64_t> running;  // limited queues only
  TimeMs read_at = 0;
};

struct QueueView {
  QueueSettings settings;
  QueueStats stats;
};

class QueueService {
 public:
  using Post = std::function<void(std::function<void()>)>;
  // `wake` is called after a change that may let jobs start (resume, a raised limit): the local
  // workers look again at once. Other nodes see it at their next look (within a second on
  // PostgreSQL with LISTEN, their idle poll otherwise).
  QueueService(Store& store, const Clock& clock, Post post, std::function<void()> wake);
  // Waits for a background refresh in flight (it refers to this service).
  ~QueueService();

  // Reads the first snapshot (blocking): call at start, before serving.
  Status Load();
  // The latest snapshot (never null after Load; an empty one before). Starts a background
  // refresh when it is older than kRefreshMs. Never blocks on the store.
  std::shared_ptr<const QueueSnapshot> Current();
  // Reads a snapshot now (blocking: QueueSnapshotRefresher's thread) and makes it current unless
  // a newer one got there first. A failed read is logged; the old snapshot stays.
  void RefreshNow();

  // Settings and job counts of every queue (blocking: run off io threads).
  Result<std::vector<QueueView>> List();
  // Blocking; the snapshot follows at once.
  Result<QueueSettings> Patch(QueuePatchParams p);
  Result<std::vector<RateLimitRow>> RateLimits();
  Status SetRateLimit(const RateLimitSetParams& p);

  static constexpr TimeMs kRefreshMs = 1000;

 private:
  Result<std::shared_ptr<const QueueSnapshot>> Read();
  void Refresh();

  Store& store_;
  const Clock& clock_;
  Post post_;
  std::function<void()> wake_;
  std::mutex mu_;
  std::shared_ptr<const QueueSnapshot> current_;  // guarded by mu_
  bool refreshing_ = false;                       // guarded by mu_
  std::condition_variable refreshed_;             // refreshing_ became false
  std::mutex stats_mu_;                           // one stats scan at a time
  std::vector<QueueStats> stats_;                 // guarded by stats_mu_
  TimeMs stats_at_ = -1;                          // guarded by stats_mu_
};

}  // namespace conveyor
