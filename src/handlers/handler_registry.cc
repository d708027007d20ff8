#include "handlers/handler_registry.h"

#include <algorithm>

namespace conveyor {

Status HandlerRegistry::Register(std::unique_ptr<Handler> handler) {
  std::string type(handler->type());
  if (aliases_.contains(type)) {
    return Status::InvalidArgument("job type '" + type + "' is already an alias of '" +
                                   aliases_.find(type)->second + "'");
  }
  auto [it, inserted] = handlers_.try_emplace(type, std::move(handler));
  if (!inserted) {
    return Status::InvalidArgument("job type '" + type +
                                   "' is registered twice: each job type has one handler");
  }
  return Status::Ok();
}

Status HandlerRegistry::Alias(std::string alias, std::string_view target) {
  if (!handlers_.contains(target)) {
    return Status::InvalidArgument("cannot alias '" + alias + "' to '" + std::string(target) +
                                   "': no handler serves '" + std::string(target) + "'");
  }
  if (handlers_.contains(alias) || aliases_.contains(alias)) {
    return Status::InvalidArgument("job type '" + alias +
                                   "' is registered twice: each job type has one handler");
  }
  aliases_.emplace(std::move(alias), std::string(target));
  return Status::Ok();
}

Handler* HandlerRegistry::Find(std::string_view type) const {
  auto it = handlers_.find(type);
  if (it != handlers_.end()) return it->second.get();
  auto alias = aliases_.find(type);
  return alias == aliases_.end() ? nullptr : handlers_.find(alias->second)->second.get();
}

std::vector<std::string> HandlerRegistry::Types() const {
  std::vector<std::string> out;
  out.reserve(handlers_.size());
  for (const auto& [type, _] : handlers_) out.push_back(type);
  return out;
}

std::vector<std::string> HandlerRegistry::Names() const {
  std::vector<std::string> out = Types();
  for (const auto& [alias, _] : aliases_) out.push_back(alias);
  std::sort(out.begin(), out.end());
  return out;
}

std::string_view HandlerRegistry::Resolve(std::string_view type) const {
  auto alias = aliases_.find(type);
  return alias == aliases_.end() ? type : std::string_view(alias->second);
}

}  // namespace conveyor
