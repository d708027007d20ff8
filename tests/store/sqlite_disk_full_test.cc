// SqliteStore on a full disk: a real, small tmpfs under the database, filled by another file.
// Writes must fail with InsufficientStorage (HTTP 507, a sentence the operator can act on), not
// Internal (500), and the same store object must write again once space is freed: no restart.
// Mounting needs root; elsewhere the tmpfs test is skipped with the reason.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_store.h"
#include "store_test_util.h"

namespace conveyor::testing {
namespace {

TEST(SqliteStatusTest, FullDiskIsInsufficientStorageWithAnOperatorSentence) {
  const Status s = SqliteStatus(SQLITE_FULL, nullptr, "commit");
  EXPECT_EQ(s.code(), StatusCode::kInsufficientStorage);
  EXPECT_THAT(s.message(), ::testing::HasSubstr("free space"));
  EXPECT_EQ(SqliteStatus(SQLITE_IOERR_WRITE, nullptr, "x").code(), StatusCode::kUnavailable);
  EXPECT_EQ(SqliteStatus(SQLITE_BUSY, nullptr, "x").code(), StatusCode::kUnavailable);
  EXPECT_EQ(SqliteStatus(SQLITE_CANTOPEN, nullptr, "x").code(), StatusCode::kUnavailable);
}

class SqliteDiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
    dir_ = MakeTempDir();
    if (mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=4m") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs on " << dir_ << ": " << std::strerror(errno);
    }
    mounted_ = true;
  }
  void TearDown() override {
    store_.reset();
    if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  // Writes a file until the file system says it is full.
  void MustFillDisk() {
    std::FILE* f = std::fopen(filler().c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string chunk(4096, 'x');
    while (std::fwrite(chunk.data(), 1, chunk.size(), f) == chunk.size() && std::fflush(f) == 0) {
    }
    std::fclose(f);  // its own ENOSPC is expected: the disk is full
  }
  std::string filler() const { return dir_ + "/filler"; }

  std::string dir_;
  bool mounted_ = false;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteDiskFullTest, WritesAnswerInsufficientStorageAndRecoverWhenSpaceIsFreed) {
  store_ = MustOk(SqliteStore::Open({.path = dir_ + "/conveyor.db"}), "open");
  MustOk(store_->Migrate(), "migrate");
  MustFillDisk();
  // The WAL may still have room for a write or two; big payloads use it up quickly.
  const std::string big = "{\"blob\":\"" + std::string(64 * 1024, 'y') + "\"}";
  Status failed;
  for (int i = 0; i < 64 && failed.ok(); ++i) {
    failed = store_->JobInsertMany({.jobs = {MakeJob({.payload = big})}, .now = kT0}).status();
  }
  ASSERT_FALSE(failed.ok()) << "64 inserts of 64 KiB fitted on a full 4 MiB disk";
  EXPECT_EQ(failed.code(), StatusCode::kInsufficientStorage) << failed.ToString();
  EXPECT_THAT(failed.message(), ::testing::HasSubstr("free space"));

  std::filesystem::remove(filler());
  const Job j = MakeJob({.payload = big});
  auto after = store_->JobInsertMany({.jobs = {j}, .now = kT0});
  ASSERT_TRUE(after.ok()) << "the same store must write again: " << after.status().ToString();
  EXPECT_EQ(MustOk(store_->JobGet(j.id), "get").id, j.id);
}

}  // namespace
}  // namespace conveyor::testing
