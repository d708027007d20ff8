// The retention flags of `conveyor serve` / `conveyor worker` (--retain-succeeded, -failed,
// -cancelled, -expired), each also read from its environment variable (docs/operations.md,
// "Retention"). Durations as --idempotency-window takes them (core/duration_text.h); 0 keeps
// that state's jobs for ever. They fill the RetentionConfig the leader's Pruner runs with.
// Plain functions; called once at start-up.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "runtime/runtime_config.h"

namespace conveyor::cli {

struct RetentionFlags {
  std::string succeeded = "7d";
  std::string failed = "30d";
  std::string cancelled = "30d";
  std::string expired = "30d";
};

void AddRetentionFlags(CLI::App& cmd, RetentionFlags& f);

// The ages the flags name (CLI11 has checked each is a duration).
RetentionConfig ToRetentionConfig(const RetentionFlags& f);

}  // namespace conveyor::cli
