// The fixture shared by the Store conformance suites (see store_conformance.h): a temp dir per
// test, the store opened through the backend's factory and migrated.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "store/store.h"
#include "store_test_util.h"

namespace conveyor::testing {

template <class Factory>
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    store_ = Factory::Make(dir_);
    ASSERT_NE(store_, nullptr);
    const Status s = store_->Migrate();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  // Closes the store and opens it again on the same data.
  void Reopen() {
    store_.reset();
    store_ = Factory::Make(dir_);
    ASSERT_NE(store_, nullptr);
  }
  Store& store() { return *store_; }
  // A second handle on the same database: another node.
  std::unique_ptr<Store> OpenAnother() { return Factory::Make(dir_); }

  std::string dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace conveyor::testing

