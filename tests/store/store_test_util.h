// Test factories and helpers for Store tests: jobs with sensible defaults (override what the
// test is about with designated initialisers), and Must… helpers that throw on failure (GoogleTest
// reports the exception as a test failure with its message).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/job.h"
#include "store/store.h"

namespace conveyor::testing {

inline constexpr TimeMs kT0 = 1'790'000'000'000;  // a fixed "now" for every test

struct JobOptions {
  std::string type = "noop";
  std::string queue = "default";
  JobState state = JobState::kPending;
  int priority = kDefaultPriority;
  TimeMs run_at = kT0;
  int max_attempts = 3;
  std::optional<std::string> idempotency_key;
  std::string request_hash = "hash-a";
  std::string payload = R"({"n":1})";
  std::vector<std::string> tags;
};

inline Job MakeJob(const JobOptions& o = {}) {
  Job j;
  j.id = NewUuidV7(kT0);
  j.type = o.type;
  j.queue = o.queue;
  j.state = o.state;
  j.priority = o.priority;
  j.run_at = o.run_at;
  j.max_attempts = o.max_attempts;
  j.idempotency_key = o.idempotency_key;
  j.request_hash = o.request_hash;
  j.payload = o.payload;
  j.tags = o.tags;
  j.created_at = kT0;
  j.updated_at = kT0;
  return j;
}

template <class T>
T MustOk(Result<T> r, const char* what) {
  if (!r.ok()) throw std::runtime_error(std::string(what) + ": " + r.status().ToString());
  return std::move(r).value();
}

inline void MustOk(const Status& s, const char* what) {
  if (!s.ok()) throw std::runtime_error(std::string(what) + ": " + s.ToString());
}

inline std::vector<Job> MustInsertMany(Store& store, std::vector<Job> jobs) {
  auto out = MustOk(store.JobInsertMany({.jobs = std::move(jobs), .now = kT0}), "insert");
  std::vector<Job> stored;
  for (auto& o : out) stored.push_back(std::move(o.job));
  return stored;
}

inline Job MustInsert(Store& store, const JobOptions& o = {}) {
  return MustInsertMany(store, {MakeJob(o)}).front();
}

inline std::vector<Job> MustClaim(Store& store, int max, TimeMs now = kT0,
                                  const std::string& worker = "w1") {
  return MustOk(store.JobClaim({.worker_id = worker, .max = max, .now = now, .lease_ms = 30000}),
                "claim");
}

inline Job MustGet(Store& store, const std::string& id) {
  return MustOk(store.JobGet(id), "get");
}

inline std::vector<std::string> Ids(const std::vector<Job>& jobs) {
  std::vector<std::string> ids;
  for (const Job& j : jobs) ids.push_back(j.id);
  return ids;
}

// A fresh directory under the system temp dir, removed by the caller.
inline std::string MakeTempDir() {
  const auto dir = std::filesystem::temp_directory_path() / ("conveyor-store-" + NewToken());
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace conveyor::testing
