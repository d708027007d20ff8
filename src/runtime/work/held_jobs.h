// HeldJobs: the attempts this process holds right now (claimed, running, or finished but not yet
// committed), by job id. The lease keeper renews what is here; CancelRunning and shutdown find
// attempts here. Thread-safe (one mutex; every operation is a map lookup or a short copy).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/work/attempt.h"

namespace conveyor {

class HeldJobs {
 public:
  void Add(const std::vector<std::shared_ptr<Attempt>>& attempts);
  void Remove(const std::string& id);
  void RemoveMany(const std::vector<std::string>& ids);
  // nullptr when not held.
  std::shared_ptr<Attempt> Find(const std::string& id) const;
  bool Contains(const std::string& id) const;
  std::vector<std::shared_ptr<Attempt>> Snapshot() const;
  bool Empty() const;
  // Flags every held attempt (shutdown after the grace period).
  void StopAll(Attempt::StopReason reason);

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Attempt>> by_id_;  // guarded by mu_
};

}  // namespace conveyor
