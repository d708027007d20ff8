// Scopes: what an API key may do (docs/security.md has the table of routes per scope).
//   jobs:submit  POST /jobs, /jobs/batch
//   jobs:read    GET jobs, their status, result, events, artifact, deliveries
//   jobs:manage  cancel, retry, redeliver
//   workers      lease, heartbeat, complete, fail (optionally limited to some job types)
//   admin        everything above, plus queues, rate limits, schedules, keys, nodes, stats
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace conveyor::auth {

enum class Scope : uint8_t {
  kJobsSubmit = 1 << 0,
  kJobsRead = 1 << 1,
  kJobsManage = 1 << 2,
  kWorkers = 1 << 3,
  kAdmin = 1 << 4,
};
using ScopeSet = uint8_t;

std::string_view ScopeName(Scope scope);
// "jobs:submit,jobs:read" (spaces around names allowed). InvalidArgument naming the unknown scope
// and listing the valid ones; an empty list is refused too (a key that can do nothing).
Result<ScopeSet> ParseScopes(std::string_view csv);
// The canonical comma-separated form, in the order of the enum.
std::string ScopeList(ScopeSet scopes);
// admin holds every scope.
inline bool Holds(ScopeSet held, Scope needed) {
  return (held & (static_cast<ScopeSet>(needed) | static_cast<ScopeSet>(Scope::kAdmin))) != 0;
}

// A worker key's job types: exact names and "prefix.*" patterns. Empty: every type.
class TypeAllowList {
 public:
  TypeAllowList() = default;
  // "email.send, reports.*"; InvalidArgument for an empty entry or a bad pattern.
  static Result<TypeAllowList> Parse(std::string_view csv);
  bool Allows(std::string_view type) const;
  bool empty() const { return exact_.empty() && prefixes_.empty(); }
  std::string ToString() const;  // the canonical comma-separated form

 private:
  std::vector<std::string> exact_;
  std::vector<std::string> prefixes_;  // "reports." for "reports.*"
};

}  // namespace conveyor::auth
