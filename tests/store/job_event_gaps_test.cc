// JobEventGaps: rows are handed out up to the first gap, a gap is given up once a higher seq has
// been seen for give_up_ms, and a read with no gap passes whole. The same rule against a real
// PostgreSQL transaction held open is in postgres_event_gaps_test.cc.
#include "store/job_event_gaps.h"

#include <gtest/gtest.h>

#include <vector>

namespace conveyor {
namespace {

std::vector<JobEventRow> Rows(std::vector<int64_t> seqs) {
  std::vector<JobEventRow> rows;
  for (int64_t s : seqs) rows.push_back(JobEventRow{.seq = s});
  return rows;
}

TEST(JobEventGapsTest, ContiguousRowsPassWhole) {
  JobEventGaps gaps(2000);
  EXPECT_EQ(gaps.Deliverable(10, Rows({11, 12, 13}), 0), 3u);
  EXPECT_EQ(gaps.Deliverable(13, {}, 0), 0u);
}

TEST(JobEventGapsTest, RowsStopAtTheFirstGapUntilItIsOlderThanTheGiveUpTime) {
  JobEventGaps gaps(2000);
  EXPECT_EQ(gaps.Deliverable(10, Rows({11, 13, 14}), 1000), 1u);
  EXPECT_EQ(gaps.Deliverable(11, Rows({13, 14}), 2999), 0u);
  // 12 filled in: everything passes.
  JobEventGaps filled(2000);
  EXPECT_EQ(filled.Deliverable(11, Rows({13}), 1000), 0u);
  EXPECT_EQ(filled.Deliverable(11, Rows({12, 13}), 1200), 2u);
  // 12 never comes (rolled back): given up once 13 was seen 2 s ago, not before.
  EXPECT_EQ(gaps.Deliverable(11, Rows({13, 14, 16}), 3000), 2u);
  // 15 is a newer gap, seen with 16 only at 3000.
  EXPECT_EQ(gaps.Deliverable(14, Rows({16}), 4999), 0u);
  EXPECT_EQ(gaps.Deliverable(14, Rows({16}), 5000), 1u);
}

TEST(JobEventGapsTest, ZeroGiveUpTimeSkipsGapsAtOnce) {
  JobEventGaps gaps(0);
  EXPECT_EQ(gaps.Deliverable(0, Rows({5, 9}), 100), 2u);
}

}  // namespace
}  // namespace conveyor
