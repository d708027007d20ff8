// Test helpers for PostgresStore: a schema per test directory on the shared test server
// (pg_test_server.h), dropped again when the test process exits, and Must… openers.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "pg_test_server.h"
#include "store/postgres/postgres_store.h"
#include "store_test_util.h"

namespace conveyor::testing {

// The schemas this process created; dropped at exit so a shared server does not fill up.
class PgTestSchemas {
 public:
  static PgTestSchemas& Get() {
    static PgTestSchemas schemas;
    return schemas;
  }
  // The URL of a schema named after `key` (the same key gives the same schema).
  std::string UrlFor(const std::string& key) {
    const std::string name = "t_" + std::to_string(std::hash<std::string>{}(key));
    const std::string url = MustPgSchema(name);
    std::lock_guard<std::mutex> lock(mu_);
    names_.insert(name);
    db_url_ = PgUrlWithDatabase(SharedPgBaseUrl(), "conveyor_test");
    return url;
  }
  ~PgTestSchemas() {
    for (const std::string& name : names_) {
      try {
        MustPgExec(db_url_, "DROP SCHEMA IF EXISTS " + name + " CASCADE");
      } catch (const std::exception&) {
        // Best effort at exit: a server of our own is being removed anyway.
      }
    }
  }

 private:
  std::mutex mu_;
  std::set<std::string> names_;
  std::string db_url_;
};

inline std::unique_ptr<PostgresStore> MustOpenPostgres(const std::string& url,
                                                       bool listen_notify = true) {
  return MustOk(PostgresStore::Open({.url = url, .listen_notify = listen_notify}), "open pg");
}

struct PostgresFactory {
  static std::unique_ptr<Store> Make(const std::string& tmpdir) {
    try {
      return MustOpenPostgres(PgTestSchemas::Get().UrlFor(tmpdir));
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
      return nullptr;
    }
  }
};

}  // namespace conveyor::testing
