// The conformance suite on PostgresStore: a database per test on the shared test server
// (tests/pg_test_server.h: CONVEYOR_TEST_PG_URL, the CTest pg fixture, or one started here).
#include <gtest/gtest.h>

#include "postgres_test_util.h"
#include "store_conformance.h"

namespace conveyor::testing {

CONVEYOR_INSTANTIATE_STORE_CONFORMANCE(Postgres, PostgresFactory);

}  // namespace conveyor::testing
