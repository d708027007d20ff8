// The queue and rate-limit operations of the Store, written once for both backends (see
// store_job_ops.h for the `Db` idea). `Db` offers:
//   Result<std::vector<QueueSettings>> QueuesRead();            by name, rate_limit not filled
//   Result<std::optional<QueueSettings>> QueueRead(const std::string& name);   (locked)
//   Status QueueWrite(const QueueSettings& q);                  insert or replace every field
//   Result<std::vector<RateLimitRow>> RateLimitsRead();         by (kind, name)
//   Result<bool> RateLimitWrite(const RateLimitSetParams& p);   set (keeping the window when the
//                                                               limit is unchanged) or remove;
//                                                               false: nothing to remove
//   Result<std::vector<QueueStats>> QueueStatsRows(TimeMs now);
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "store/queue_types.h"

namespace conveyor::store_ops {

inline void AttachRateLimits(std::vector<QueueSettings>& queues,
                             const std::vector<RateLimitRow>& rates) {
  for (QueueSettings& q : queues) {
    for (const RateLimitRow& r : rates) {
      if (r.kind == RateLimitKind::kQueue && r.name == q.name) q.rate_limit = r.limit;
    }
  }
}

template <class Db>
Result<std::vector<QueueSettings>> QueueList(Db db) {
  Result<std::vector<QueueSettings>> queues = db.QueuesRead();
  if (!queues.ok()) return queues.status();
  Result<std::vector<RateLimitRow>> rates = db.RateLimitsRead();
  if (!rates.ok()) return rates.status();
  AttachRateLimits(*queues, *rates);
  return std::move(*queues);
}

template <class Db>
Result<QueueSettings> QueuePatch(Db db, const QueuePatchParams& p) {
  Result<std::optional<QueueSettings>> found = db.QueueRead(p.name);
  if (!found.ok()) return found.status();
  QueueSettings q = found->value_or(QueueSettings{.name = p.name, .created_at = p.now});
  if (p.weight) q.weight = *p.weight;
  if (p.concurrency_limit) q.concurrency_limit = *p.concurrency_limit;
  if (p.paused) q.paused = *p.paused;
  if (p.max_attempts) q.max_attempts = *p.max_attempts;
  if (p.timeout_s) q.timeout_s = *p.timeout_s;
  p.retention.ApplyTo(q.retention);
  q.updated_at = p.now;
  if (Status s = db.QueueWrite(q); !s.ok()) return s;
  if (p.rate_limit) {
    Result<bool> r = db.RateLimitWrite(
        {.kind = RateLimitKind::kQueue, .name = p.name, .limit = *p.rate_limit});
    if (!r.ok()) return r.status();
  }
  Result<std::vector<RateLimitRow>> rates = db.RateLimitsRead();
  if (!rates.ok()) return rates.status();
  std::vector<QueueSettings> one{std::move(q)};
  AttachRateLimits(one, *rates);
  return std::move(one[0]);
}

template <class Db>
Status RateLimitSet(Db db, const RateLimitSetParams& p) {
  Result<bool> r = db.RateLimitWrite(p);
  if (!r.ok()) return r.status();
  if (!*r) {
    return Status::NotFound(std::string("no rate limit is set for ") + RateLimitKindName(p.kind) +
                            " '" + p.name + "'");
  }
  return Status::Ok();
}

}  // namespace conveyor::store_ops
