#include "handlers/handler_registry.h"

namespace conveyor {

Status HandlerRegistry::Register(std::unique_ptr<Handler> handler) {
  std::string type(handler->type());
  auto [it, inserted] = handlers_.try_emplace(type, std::move(handler));
  if (!inserted) {
    return Status::InvalidArgument("job type '" + type +
                                   "' is registered twice: each job type has one handler");
  }
  return Status::Ok();
}

Handler* HandlerRegistry::Find(std::string_view type) const {
  auto it = handlers_.find(type);
  return it == handlers_.end() ? nullptr : it->second.get();
}

std::vector<std::string> HandlerRegistry::Types() const {
  std::vector<std::string> out;
  out.reserve(handlers_.size());
  for (const auto& [type, _] : handlers_) out.push_back(type);
  return out;
}

}  // namespace conveyor
