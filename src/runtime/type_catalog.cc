#include "runtime/type_catalog.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>
#include <utility>

#include "handlers/handler_registry.h"
#include "runtime/job_spec.h"

namespace conveyor {
namespace {

constexpr size_t kMaxDistance = 2;
constexpr std::string_view kCommandPrefix = "command.";

bool IsTypeName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' ||
           c == '-';
  });
}

// Levenshtein distance, computed only within kMaxDistance of the diagonal: anything farther is
// reported as kMaxDistance + 1, so one comparison costs O(length), not O(length²).
size_t BoundedDistance(std::string_view a, std::string_view b) {
  constexpr size_t kFar = kMaxDistance + 1;
  const size_t n = a.size(), m = b.size();
  if ((n > m ? n - m : m - n) > kMaxDistance) return kFar;
  std::vector<size_t> prev(m + 1, kFar), cur(m + 1, kFar);
  for (size_t j = 0; j <= std::min(m, kMaxDistance); ++j) prev[j] = j;
  for (size_t i = 1; i <= n; ++i) {
    std::fill(cur.begin(), cur.end(), kFar);
    if (i <= kMaxDistance) cur[0] = i;
    const size_t lo = i > kMaxDistance ? i - kMaxDistance : 1;
    const size_t hi = std::min(m, i + kMaxDistance);
    size_t best = cur[0];
    for (size_t j = lo; j <= hi; ++j) {
      const size_t substitute = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({substitute, prev[j] + 1, cur[j - 1] + 1, kFar});
      best = std::min(best, cur[j]);
    }
    if (best >= kFar) return kFar;  // every path is already too far
    std::swap(prev, cur);
  }
  return std::min(prev[m], kFar);
}

// Lower case, with the separators _ . - made one: "Email_Send" and "email.send" fold alike.
std::string Fold(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c == '.' || c == '-') c = '_';
  }
  return out;
}

std::string JoinSuggestions(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> ParseExternalTypes(std::string_view list) {
  std::vector<std::string> out;
  for (size_t start = 0; start <= list.size();) {
    const size_t end = std::min(list.find(',', start), list.size());
    std::string_view entry = list.substr(start, end - start);
    while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
    while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
    start = end + 1;
    if (entry.empty()) continue;
    const bool prefix = entry.size() > 2 && entry.ends_with(".*");
    if (entry != "*" && !IsTypeName(prefix ? entry.substr(0, entry.size() - 2) : entry)) {
      return Status::InvalidArgument(
          "--external-types entry '" + std::string(entry) +
          "' must be a job type name (letters, digits and . _ : -), a prefix such as images.* "
          "or * for every type");
    }
    out.emplace_back(entry);
  }
  return out;
}

std::vector<std::string> SuggestTypes(std::string_view type,
                                      const std::vector<std::string>& known) {
  const std::string folded = Fold(type);
  std::vector<std::pair<size_t, std::string>> near;
  for (const std::string& name : known) {
    if (name == type) continue;
    size_t d = Fold(name) == folded ? 0 : BoundedDistance(type, name);
    if (d <= kMaxDistance) near.emplace_back(d, name);
  }
  std::sort(near.begin(), near.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < near.size() && out.size() < kMaxTypeSuggestions; ++i) {
    if (std::find(out.begin(), out.end(), near[i].second) == out.end())
      out.push_back(near[i].second);
  }
  return out;
}

TypeCatalog::TypeCatalog(const HandlerRegistry& handlers, std::vector<std::string> declared)
    : handlers_(handlers) {
  for (std::string& entry : declared) {
    if (entry == "*") {
      all_declared_ = true;
    } else if (entry.ends_with(".*")) {
      declared_prefixes_.push_back(entry.substr(0, entry.size() - 1));  // keeps the '.'
    } else {
      declared_names_.insert(std::move(entry));
    }
  }
}

bool TypeCatalog::Serves(std::string_view type) const {
  if (handlers_.Find(type) != nullptr) return true;
  // Commands are declared by the operator's --commands-file only, never by a lease or a prefix.
  if (type.starts_with(kCommandPrefix)) return false;
  return Declared(type) || Learned(type);
}

bool TypeCatalog::Declared(std::string_view type) const {
  if (all_declared_ || declared_names_.contains(type)) return true;
  return std::any_of(
      declared_prefixes_.begin(), declared_prefixes_.end(),
      [type](const std::string& p) { return type.size() > p.size() && type.starts_with(p); });
}

bool TypeCatalog::Learned(std::string_view type) const {
  std::shared_lock lock(learned_mu_);
  return learned_.contains(type);
}

void TypeCatalog::Learn(const std::vector<std::string>& types) {
  if (types.empty()) return;
  {
    // Most leases repeat names already known: check under the shared lock first.
    std::shared_lock lock(learned_mu_);
    if (std::all_of(types.begin(), types.end(),
                    [this](const std::string& t) { return learned_.contains(t); }))
      return;
  }
  std::unique_lock lock(learned_mu_);
  for (const std::string& t : types) {
    if (learned_.size() >= kMaxLearnedTypes) return;
    if (!t.starts_with(kCommandPrefix)) learned_.insert(t);
  }
}

std::vector<std::string> TypeCatalog::KnownNames() const {
  std::vector<std::string> known = handlers_.Names();
  known.insert(known.end(), declared_names_.begin(), declared_names_.end());
  std::shared_lock lock(learned_mu_);
  known.insert(known.end(), learned_.begin(), learned_.end());
  return known;
}

// A type a pattern ("*", "images.*") declares but that is a near miss of a built-in name is a
// typo, not a type an external worker runs: it is refused unless declared or leased by its name.
bool TypeCatalog::IsTypoOfBuiltin(std::string_view type) const {
  if (declared_names_.contains(type) || Learned(type)) return false;
  return !SuggestTypes(type, handlers_.Names()).empty();
}

Status TypeCatalog::CheckServed(std::string_view type, std::string_view field,
                                std::string_view prefix) const {
  if (handlers_.Find(type) != nullptr) return Status::Ok();
  if (Serves(type) && !IsTypoOfBuiltin(type)) return Status::Ok();
  std::string message = std::string(prefix) + std::string(field) + " '" + std::string(type) +
                        "' is not served by this node: no built-in handler, declared command or "
                        "external worker runs it";
  const std::vector<std::string> near = SuggestTypes(type, KnownNames());
  message += near.empty() ? ". " : "; did you mean " + JoinSuggestions(near) + "? ";
  message += "To run it on your own worker, declare it (serve --external-types " +
             std::string(type) +
             ", env CONVEYOR_EXTERNAL_TYPES) or start the worker first (POST /leases naming it "
             "in types)";
  return Status::InvalidArgument(std::move(message));
}

}  // namespace conveyor
