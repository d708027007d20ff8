#include "runtime/work/held_jobs.h"

namespace conveyor {

void HeldJobs::Add(const std::vector<std::shared_ptr<Attempt>>& attempts) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& a : attempts) by_id_[a->id()] = a;
}

void HeldJobs::Remove(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  by_id_.erase(id);
}

void HeldJobs::RemoveMany(const std::vector<std::string>& ids) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& id : ids) by_id_.erase(id);
}

std::shared_ptr<Attempt> HeldJobs::Find(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

bool HeldJobs::Contains(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_id_.count(id) != 0;
}

std::vector<std::shared_ptr<Attempt>> HeldJobs::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<Attempt>> out;
  out.reserve(by_id_.size());
  for (const auto& [_, a] : by_id_) out.push_back(a);
  return out;
}

bool HeldJobs::Empty() const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_id_.empty();
}

void HeldJobs::StopAll(Attempt::StopReason reason) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [_, a] : by_id_) a->Stop(reason);
}

}  // namespace conveyor
