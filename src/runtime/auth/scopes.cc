#include "runtime/auth/scopes.h"

#include <array>
#include <utility>

namespace conveyor::auth {
namespace {

constexpr std::array<std::pair<Scope, std::string_view>, 5> kScopes = {{
    {Scope::kJobsSubmit, "jobs:submit"},
    {Scope::kJobsRead, "jobs:read"},
    {Scope::kJobsManage, "jobs:manage"},
    {Scope::kWorkers, "workers"},
    {Scope::kAdmin, "admin"},
}};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Calls on_item(trimmed) for each comma-separated item; stops at the first error.
template <class OnItem>
Status ForEachItem(std::string_view csv, OnItem&& on_item) {
  while (true) {
    const size_t comma = csv.find(',');
    if (Status s = on_item(Trim(csv.substr(0, comma))); !s.ok()) return s;
    if (comma == std::string_view::npos) return Status::Ok();
    csv.remove_prefix(comma + 1);
  }
}

}  // namespace

std::string_view ScopeName(Scope scope) {
  for (const auto& [s, name] : kScopes) {
    if (s == scope) return name;
  }
  return "?";
}

Result<ScopeSet> ParseScopes(std::string_view csv) {
  ScopeSet set = 0;
  Status s = ForEachItem(csv, [&](std::string_view name) {
    for (const auto& [scope, text] : kScopes) {
      if (name == text) {
        set |= static_cast<ScopeSet>(scope);
        return Status::Ok();
      }
    }
    return Status::InvalidArgument("unknown scope \"" + std::string(name) +
                                   "\"; the scopes are " + ScopeList(0x1f));
  });
  if (!s.ok()) return s;
  return set;
}

std::string ScopeList(ScopeSet scopes) {
  std::string out;
  for (const auto& [scope, name] : kScopes) {
    if ((scopes & static_cast<ScopeSet>(scope)) == 0) continue;
    if (!out.empty()) out += ',';
    out += name;
  }
  return out;
}

Result<TypeAllowList> TypeAllowList::Parse(std::string_view csv) {
  TypeAllowList list;
  if (Trim(csv).empty()) return list;
  Status s = ForEachItem(csv, [&](std::string_view item) {
    std::string_view name = item;
    const bool prefix = name.ends_with(".*");
    if (prefix) name.remove_suffix(1);  // keep the dot: "reports." matches "reports.x" only
    if (name.empty() || name.size() > 200 || name == "." ||
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:") !=
            std::string_view::npos) {
      return Status::InvalidArgument("job type \"" + std::string(item) +
                                     "\" in the allow-list is not a type name or a prefix.*");
    }
    (prefix ? list.prefixes_ : list.exact_).emplace_back(name);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return list;
}

bool TypeAllowList::Allows(std::string_view type) const {
  if (empty()) return true;
  for (const std::string& e : exact_) {
    if (type == e) return true;
  }
  for (const std::string& p : prefixes_) {
    if (type.size() > p.size() && type.starts_with(p)) return true;
  }
  return false;
}

std::string TypeAllowList::ToString() const {
  std::string out;
  for (const std::string& e : exact_) out += (out.empty() ? "" : ",") + e;
  for (const std::string& p : prefixes_) out += (out.empty() ? "" : ",") + p + "*";
  return out;
}

}  // namespace conveyor::auth
