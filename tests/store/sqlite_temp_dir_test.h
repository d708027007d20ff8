// The fixture of the SQLite tests that open their own database file: a temp dir per test, the
// file's path, and raw connections to look at it.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "store/sqlite/sqlite_connection.h"
#include "store_test_util.h"

namespace conveyor::testing {

class SqliteTempDirTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir(); }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string path() const { return dir_ + "/conveyor.db"; }
  std::unique_ptr<SqliteConnection> Connect(bool read_only) {
    return MustOk(SqliteConnection::Open(path(), {.read_only = read_only}), "connect");
  }

  std::string dir_;
};

}  // namespace conveyor::testing
