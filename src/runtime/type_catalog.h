// TypeCatalog: which job types this node will accept, so a job nobody will ever run is refused
// at submit instead of waiting forever ("no silent forever", docs/api.md "Job types"). A type is
// SERVED when
//   (a) a built-in handler or an alias serves it (the handler registry),
//   (b) a declared command serves it (command.<name>, also in the registry),
//   (c) the operator declared it (--external-types / CONVEYOR_EXTERNAL_TYPES): a name, a prefix
//       "images.*" (every type starting "images."), or "*" (every type: the old behaviour), or
//   (d) an external worker named it in the `types` of a POST /leases on this node since it
//       started (at most kMaxLearnedTypes names are remembered; a lease without `types`
//       declares nothing). In a cluster each node learns (d) on its own: declare with (c) there.
// CheckServed's refusal names the type as the client wrote it, suggests the nearest known names
// and says how to declare one. A near miss of a built-in name ("squre_sum") is refused even when
// a pattern (c) covers it, so a typo is caught at submit in every case; naming it exactly in (c)
// or (d) accepts it. command.<name> is never served by (c) or (d): only the
// operator's --commands-file declares commands.
//
// Thread-safety: every method may be called from any thread; the learned names are guarded by a
// shared mutex, everything else is immutable after construction. Refusals cost one pass over the
// known names with a distance bounded to 2, so a typo costs microseconds, not a scan per letter.
#pragma once

#include <cstddef>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace conveyor {

class HandlerRegistry;

inline constexpr size_t kMaxLearnedTypes = 1024;
inline constexpr size_t kMaxTypeSuggestions = 3;

// The --external-types list ("a,b,images.*"), split and checked: each entry a type name, a
// name ending ".*", or "*". InvalidArgument naming the bad entry.
Result<std::vector<std::string>> ParseExternalTypes(std::string_view list);

// Up to kMaxTypeSuggestions of `known` nearest to `type`: edit distance <= 2, or equal once case
// and the separators _ . - are folded ("Email_Send" ~ "email.send"); nearest first.
std::vector<std::string> SuggestTypes(std::string_view type, const std::vector<std::string>& known);

class TypeCatalog {
 public:
  // `declared`: entries as ParseExternalTypes returns them. `handlers` must outlive the catalog.
  TypeCatalog(const HandlerRegistry& handlers, std::vector<std::string> declared);

  const HandlerRegistry& handlers() const { return handlers_; }

  bool Serves(std::string_view type) const;
  // Remembers names an external worker asked for (up to kMaxLearnedTypes in all; later ones are
  // not remembered, and a job of such a type needs (c)).
  void Learn(const std::vector<std::string>& types);

  // OK when `type` is served; else InvalidArgument: "<prefix><field> '<type>' is not served by
  // this node ... did you mean square_sum? ..." (`field` as the client wrote it: type, task,
  // operation; `prefix` "" or "jobs[3].").
  Status CheckServed(std::string_view type, std::string_view field, std::string_view prefix) const;

 private:
  bool Declared(std::string_view type) const;
  bool IsTypoOfBuiltin(std::string_view type) const;
  bool Learned(std::string_view type) const;
  std::vector<std::string> KnownNames() const;

  const HandlerRegistry& handlers_;
  bool all_declared_ = false;  // "*"
  std::set<std::string, std::less<>> declared_names_;
  std::vector<std::string> declared_prefixes_;  // "images." for "images.*"

  mutable std::shared_mutex learned_mu_;
  std::set<std::string, std::less<>> learned_;  // GUARDED_BY(learned_mu_)
};

}  // namespace conveyor
