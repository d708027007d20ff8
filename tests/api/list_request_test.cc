#include "api/list_request.h"

#include <gtest/gtest.h>

namespace conveyor::api {
namespace {

TEST(ListRequestTest, Defaults) {
  JobListParams p;
  ASSERT_FALSE(ParseListQuery("", &p));
  EXPECT_EQ(p.limit, 50);
  EXPECT_FALSE(p.state);
  EXPECT_FALSE(p.cursor);
  EXPECT_EQ(p.offset, 0);
}

TEST(ListRequestTest, ParsesFiltersAndSeedAliases) {
  JobListParams p;
  ASSERT_FALSE(ParseListQuery(
      "status=in_progress&type=square_sum&queue=queue%3Apro&limit=10&offset=5&x=y", &p));
  EXPECT_EQ(p.state, JobState::kRunning);
  EXPECT_EQ(p.type, "square_sum");
  EXPECT_EQ(p.queue, "queue:pro");
  EXPECT_EQ(p.limit, 10);
  EXPECT_EQ(p.offset, 5);
  JobListParams q;
  ASSERT_FALSE(ParseListQuery("status=pending&cursor=0192f0c1-8d3c-7abc-9def-0123456789ab", &q));
  EXPECT_EQ(q.state, JobState::kPending);
  EXPECT_EQ(q.cursor, "0192f0c1-8d3c-7abc-9def-0123456789ab");
}

TEST(ListRequestTest, AStateParameterIsRefusedNotIgnored) {
  // Ignored, ?state=RUNNING would answer every job as if it were the RUNNING ones.
  JobListParams p;
  auto e = ParseListQuery("state=RUNNING", &p);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, ErrorKind::kInvalidField);
  EXPECT_NE(e->detail.find("?status="), std::string::npos);
}

TEST(ListRequestTest, Errors) {
  JobListParams p;
  auto e = ParseListQuery("status=bogus", &p);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, ErrorKind::kInvalidField);
  EXPECT_NE(e->detail.find("SUCCEEDED"), std::string::npos);
  for (const char* q : {"limit=0", "limit=1001", "limit=ten", "offset=-1", "offset=1.5"}) {
    e = ParseListQuery(q, &p);
    ASSERT_TRUE(e) << q;
    EXPECT_EQ(e->kind, ErrorKind::kInvalidField) << q;
  }
  e = ParseListQuery("cursor=123", &p);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, ErrorKind::kMalformed);
}

TEST(ListRequestTest, PercentDecodingOfTheLastParameter) {
  // Regression: Boost.URL 1.81 decoded the last value past its end.
  JobListParams p;
  const std::string query = "queue=listq&status=scheduled";
  ASSERT_FALSE(ParseListQuery(std::string_view(query).substr(0, query.size()), &p));
  EXPECT_EQ(p.state, JobState::kScheduled);
  ASSERT_FALSE(ParseListQuery("type=a%2Eb+c", &p));
  EXPECT_EQ(p.type, "a.b c");
  for (const char* bad : {"queue=%zz", "queue=%4", "queue=%"}) {
    auto e = ParseListQuery(bad, &p);
    ASSERT_TRUE(e) << bad;
    EXPECT_EQ(e->kind, ErrorKind::kMalformed);
  }
}

TEST(ListRequestTest, ADialectWordMatchesEveryStateItNames) {
  JobListParams p;
  ASSERT_FALSE(ParseListQuery("status=PENDING", &p, Dialect::kCompleted));
  EXPECT_EQ(p.state, JobState::kPending);
  // BLOCKED (waiting on dependencies) is one more state these dialects call waiting.
  EXPECT_EQ(p.also_states,
            (std::vector<JobState>{JobState::kScheduled, JobState::kRetrying, JobState::kBlocked}));
  ASSERT_FALSE(ParseListQuery("status=failed", &p, Dialect::kSuccess));
  EXPECT_EQ(p.also_states, (std::vector<JobState>{JobState::kCancelled, JobState::kExpired}));
  // Conveyor's own words name one state each, as does a word that is not the dialect's.
  ASSERT_FALSE(ParseListQuery("status=PENDING", &p));
  EXPECT_TRUE(p.also_states.empty());
  ASSERT_FALSE(ParseListQuery("status=RETRYING", &p, Dialect::kCompleted));
  EXPECT_EQ(p.state, JobState::kRetrying);
  EXPECT_TRUE(p.also_states.empty());
  ASSERT_FALSE(ParseListQuery("status=queued", &p, Dialect::kQueued));
  EXPECT_EQ(p.also_states, (std::vector<JobState>{JobState::kScheduled, JobState::kBlocked}));
}

}  // namespace
}  // namespace conveyor::api
