// ParseQueryPairs: the one query-string reader of every route (GET /jobs, /events,
// /stats/history, /schedules).
#include "api/query_params.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace conveyor::api {
namespace {

std::vector<std::string> Flat(std::string_view query) {
  std::vector<QueryPair> pairs;
  EXPECT_FALSE(ParseQueryPairs(query, &pairs).has_value()) << query;
  std::vector<std::string> flat;
  for (const auto& [k, v] : pairs) flat.push_back(k + "=" + v);
  return flat;
}

TEST(QueryParamsTest, DecodesEachPairInOrder) {
  EXPECT_EQ(Flat("type=a%2Fb&queue=x+y&cursor=z%3D1"),
            (std::vector<std::string>{"type=a/b", "queue=x y", "cursor=z=1"}));
  EXPECT_EQ(Flat("a%26b=1&a=2&a=3"), (std::vector<std::string>{"a&b=1", "a=2", "a=3"}));
}

TEST(QueryParamsTest, BarePairsAndEmptyValuesAreLeftOut) {
  EXPECT_EQ(Flat(""), std::vector<std::string>{});
  EXPECT_EQ(Flat("flag&status=&&type=t&=v"), (std::vector<std::string>{"type=t", "=v"}));
}

TEST(QueryParamsTest, AMalformedEscapeIsTheOneProblem) {
  for (const char* bad : {"type=%", "type=%4", "type=%zz", "%G1=x", "a=1&b=%2"}) {
    std::vector<QueryPair> pairs;
    const auto e = ParseQueryPairs(bad, &pairs);
    ASSERT_TRUE(e.has_value()) << bad;
    EXPECT_EQ(e->kind, ErrorKind::kMalformed);
    EXPECT_NE(e->detail.find("percent-encoded"), std::string::npos);
  }
}

}  // namespace
}  // namespace conveyor::api
