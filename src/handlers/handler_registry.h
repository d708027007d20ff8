// HandlerRegistry: job type → Handler. Filled at start-up, read-only afterwards, so lookups from
// many threads need no lock. Each job type is registered once: a second handler for a type is
// refused, so which handler serves a type never depends on the order of registration.
//
// An alias is another name for a registered type (the seeds' task names: send_email →
// email.send). A job keeps the name its client used; Find() and Names() — so payload validation,
// the worker pool's claims and the external workers' exclusion of built-in types — treat the
// alias as the type it names.
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
  // Makes `alias` another name of the registered type `target`. InvalidArgument when `alias` is
  // already a type or an alias, or `target` is not registered (an alias of an alias is refused:
  // name the type itself).
  Status Alias(std::string alias, std::string_view target);
  // nullptr when no handler serves `type` (a registered type or an alias).
  Handler* Find(std::string_view type) const;
  // The registered types, sorted (no aliases).
  std::vector<std::string> Types() const;
  // Every name a job may carry and a handler here runs: the types and their aliases, sorted.
  std::vector<std::string> Names() const;
  // The type an alias names; `type` itself when it is not an alias.
  std::string_view Resolve(std::string_view type) const;

 private:
  std::map<std::string, std::unique_ptr<Handler>, std::less<>> handlers_;
  std::map<std::string, std::string, std::less<>> aliases_;  // alias → registered type
};

// Registers the built-in job types (square_sum, cube_sum, ...) with their default settings, as
// tests want them; a node passes its settings to the overload in handlers/builtin_handlers.h.
// InvalidArgument when `registry` already serves one of them.
Status RegisterBuiltinHandlers(HandlerRegistry& registry);

}  // namespace conveyor
