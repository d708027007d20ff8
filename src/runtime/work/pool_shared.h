// PoolShared: what the worker pool's parts (workers, executor, claimer, lease keeper) share —
// the injected dependencies, the held attempts, the wake-up signal and the counters.
// Thread-safe: references to thread-safe objects, atomics, and members fixed before Start().
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "handlers/handler_registry.h"
#include "runtime/runtime_config.h"
#include "runtime/work/held_jobs.h"
#include "runtime/work/wake_signal.h"
#include "store/store.h"

namespace conveyor {

struct PoolShared {
  PoolShared(Store& s, const HandlerRegistry& h, const Clock& c, RuntimeConfig cfg)
      : store(s), handlers(h), clock(c), config(std::move(cfg)), types(h.Names()) {}

  Store& store;
  const HandlerRegistry& handlers;
  const Clock& clock;
  const RuntimeConfig config;
  // Workers claim only what this process can run.
  const std::vector<std::string> types;

  HeldJobs held;
  WakeSignal wake;
  // Phase one of Stop(): no new claims, no new attempts started.
  std::atomic<bool> stop_claiming{false};

  std::atomic<int64_t> completed{0};
  std::atomic<int64_t> failed_attempts{0};
  std::atomic<int> running{0};
};

}  // namespace conveyor
