// JobStatsReader over a real SQLite store: concurrent requests share one read, every caller gets
// exactly one answer, and a caller arriving during a read gets a newer one. The runner is the test
// seam: the test decides when a posted read runs.
#include "runtime/job_stats_reader.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <deque>
#include <filesystem>
#include <memory>

#include "core/ids.h"
#include "store/store_factory.h"

namespace conveyor {
namespace {

constexpr TimeMs kT0 = 1'790'000'000'000;

class JobStatsReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/conveyor-stats-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto store = OpenStore("sqlite:" + dir_ + "/conveyor.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    ASSERT_TRUE(store_->Migrate().ok());
    reader_ = std::make_unique<JobStatsReader>(
        *store_, [this](std::function<void()> read) { posted_.push_back(std::move(read)); });
  }
  void TearDown() override {
    reader_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void Insert(const std::string& type) {
    Job j;
    j.id = NewUuidV7(kT0);
    j.type = type;
    j.created_at = j.updated_at = j.run_at = kT0;
    ASSERT_TRUE(store_->JobInsertMany({.jobs = {j}, .now = kT0}).ok());
  }
  // Runs the reads posted so far; returns how many there were.
  size_t RunPosted() {
    std::deque<std::function<void()>> now;
    now.swap(posted_);
    for (auto& read : now) read();
    return now.size();
  }
  // Reads and returns how many answers arrived and the last one's count of `type`.
  struct Answers {
    int calls = 0;
    int64_t count = -1;
  };
  // `then` runs inside the answer, as a caller arriving right after the read would.
  void Read(
      Answers& a, const std::string& type, std::function<void()> then = [] {}) {
    reader_->Read([&a, type, then](JobStatsReader::Answer r) {
      ++a.calls;
      then();
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      for (const auto& [t, n] : r->by_type) {
        if (t == type) a.count = n;
      }
    });
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
  std::deque<std::function<void()>> posted_;
  std::unique_ptr<JobStatsReader> reader_;
};

TEST_F(JobStatsReaderTest, ConcurrentRequestsShareOneReadAndEachGetsOneAnswer) {
  Insert("send_email");
  Answers a, b, c;
  Read(a, "send_email");
  Read(b, "send_email");
  Read(c, "send_email");
  EXPECT_EQ(a.calls + b.calls + c.calls, 0);  // nothing answered before the read ran
  EXPECT_EQ(RunPosted(), 1u);                 // one read for three requests
  for (const Answers* x : {&a, &b, &c}) {
    EXPECT_EQ(x->calls, 1);
    EXPECT_EQ(x->count, 1);
  }
  EXPECT_EQ(RunPosted(), 0u);
}

TEST_F(JobStatsReaderTest, ACallerArrivingDuringAReadGetsANewerRead) {
  Insert("send_email");
  Answers first, later;
  // The second caller submits a job and asks while the first read is answering: it must see it.
  Read(first, "send_email", [&] {
    Insert("send_email");
    Read(later, "send_email");
  });
  EXPECT_EQ(RunPosted(), 1u);  // the running task reads again; nothing else is posted
  EXPECT_EQ(first.calls, 1);
  EXPECT_EQ(first.count, 1);
  EXPECT_EQ(later.calls, 1);
  EXPECT_EQ(later.count, 2);
  // Idle again: the next caller starts a new read.
  Answers next;
  Read(next, "send_email");
  EXPECT_EQ(RunPosted(), 1u);
  EXPECT_EQ(next.count, 2);
}

}  // namespace
}  // namespace conveyor
