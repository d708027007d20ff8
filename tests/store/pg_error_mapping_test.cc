// MapPgError: what a PostgreSQL failure becomes. Every way of losing the server (a connection
// dropped mid-call, pg_ctl stop, a crashed postmaster, a server still starting) and a server
// that cannot write (disk full) must be Unavailable — HTTP 503 with Retry-After, which clients
// retry — never Internal (500). No server needed: the mapping is a pure function.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/postgres/pg_connection.h"

namespace conveyor {
namespace {

StatusCode CodeOf(std::string_view sqlstate, bool connection_lost = false) {
  return MapPgError(sqlstate, "server said no\n", connection_lost).code();
}

TEST(PgErrorMappingTest, LosingTheServerIsUnavailable) {
  EXPECT_EQ(CodeOf("", /*connection_lost=*/true), StatusCode::kUnavailable);
  EXPECT_EQ(CodeOf("08006"), StatusCode::kUnavailable);  // connection_failure
  EXPECT_EQ(CodeOf("57P01"), StatusCode::kUnavailable);  // admin_shutdown: pg_ctl stop -m fast
  EXPECT_EQ(CodeOf("57P02"), StatusCode::kUnavailable);  // crash_shutdown: a backend died
  EXPECT_EQ(CodeOf("57P03"), StatusCode::kUnavailable);  // cannot_connect_now: still starting
  EXPECT_THAT(MapPgError("57P01", "terminating connection\n", false).message(),
              ::testing::StartsWith("PostgreSQL is unreachable: terminating connection"));
}

TEST(PgErrorMappingTest, AServerThatCannotWriteIsUnavailable) {
  EXPECT_EQ(CodeOf("53100"), StatusCode::kUnavailable);  // disk_full
  EXPECT_EQ(CodeOf("53300"), StatusCode::kUnavailable);  // too_many_connections
  EXPECT_EQ(CodeOf("58030"), StatusCode::kUnavailable);  // io_error
  EXPECT_EQ(CodeOf("55P03"), StatusCode::kUnavailable);  // lock_not_available
}

TEST(PgErrorMappingTest, OnlyTheUnknownIsInternal) {
  EXPECT_EQ(CodeOf("23505"), StatusCode::kConflict);
  EXPECT_EQ(CodeOf("23514"), StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf("XX000"), StatusCode::kInternal);
}

}  // namespace
}  // namespace conveyor
