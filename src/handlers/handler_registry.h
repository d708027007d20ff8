// HandlerRegistry: job type → Handler. Filled at start-up, read-only afterwards, so lookups from
// many threads need no lock.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "handlers/handler.h"

namespace conveyor {

class HandlerRegistry {
 public:
  void Register(std::unique_ptr<Handler> handler);
  // nullptr when no handler serves `type`.
  Handler* Find(std::string_view type) const;
  std::vector<std::string> Types() const;

 private:
  std::map<std::string, std::unique_ptr<Handler>, std::less<>> handlers_;
};

// Registers the built-in job types (square_sum, cube_sum, ...).
void RegisterBuiltinHandlers(HandlerRegistry& registry);

}  // namespace conveyor
