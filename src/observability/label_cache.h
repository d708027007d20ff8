// LabelCache: the series of one label key (a job type, an HTTP route+method+status), made once
// and then found under a shared lock. prometheus-cpp's Family::Add locks the family and hashes
// the whole label set on every call; recording a job or a request must not, so each key's
// series are made once by `make` and kept here.
//
// Bounded: after `cap` distinct keys, any new key gets the series of kOtherKey, so a client
// that invents job types cannot grow the registry (and every scrape) without limit.
//
// Thread-safety: Get may be called from any thread, concurrently; `make` runs under the
// exclusive lock, at most once per key.
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace conveyor::observability::metrics {

template <class Series>
class LabelCache {
 public:
  static constexpr std::string_view kOtherKey = "other";
  using Make = std::function<Series(std::string_view key)>;

  LabelCache(size_t cap, Make make) : cap_(cap), make_(std::move(make)) {}

  Series Get(std::string_view key) {
    {
      std::shared_lock lock(mu_);
      if (auto it = by_key_.find(key); it != by_key_.end()) return it->second;
    }
    std::unique_lock lock(mu_);
    if (auto it = by_key_.find(key); it != by_key_.end()) return it->second;
    if (made_ < cap_) {
      ++made_;
      return by_key_.emplace(std::string(key), make_(key)).first->second;
    }
    Series other = Other();
    // A key over the cap is remembered (as "other") so that it too is found under the shared
    // lock next time; past kRemembered keys it is not, and pays this exclusive lock per call.
    if (by_key_.size() < cap_ * kRemembered) by_key_.emplace(std::string(key), other);
    return other;
  }

 private:
  static constexpr size_t kRemembered = 4;

  // REQUIRES: mu_ held exclusively.
  Series Other() {
    if (!other_) other_.emplace(make_(kOtherKey));
    return *other_;
  }

  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  const size_t cap_;
  const Make make_;
  std::shared_mutex mu_;
  std::unordered_map<std::string, Series, Hash, std::equal_to<>> by_key_;  // guarded by mu_
  size_t made_ = 0;                // keys with their own series; guarded by mu_
  std::optional<Series> other_;    // guarded by mu_
};

}  // namespace conveyor::observability::metrics
