// HandlerRegistry: job type → Handler. Filled at start-up, read-only afterwards, so lookups from
// many threads need no lock. Each job type is registered once: a second handler for a type is
// refused, so which handler serves a type never depends on the order of registration.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "handlers/handler.h"

namespace conveyor {

class HandlerRegistry {
 public:
  // Adds `handler` under its type. InvalidArgument naming the type when a handler already
  // serves it (the registry keeps the first one).
  Status Register(std::unique_ptr<Handler> handler);
  // nullptr when no handler serves `type`.
  Handler* Find(std::string_view type) const;
  std::vector<std::string> Types() const;

 private:
  std::map<std::string, std::unique_ptr<Handler>, std::less<>> handlers_;
};

// Registers the built-in job types (square_sum, cube_sum, ...) with their default settings, as
// tests want them; a node passes its settings to the overload in handlers/builtin_handlers.h.
// InvalidArgument when `registry` already serves one of them.
Status RegisterBuiltinHandlers(HandlerRegistry& registry);

}  // namespace conveyor
