// The raw PostgreSQL ceiling: how many rows per second the server itself durably inserts into a
// table shaped like `jobs` with our indexes, with nothing of Conveyor's in the way. The benchmark
// prints it beside Conveyor's own figures. Rows go in pipelined (libpq pipeline mode: one round
// trip per transaction of `batch_size` single-row prepared INSERTs), each transaction committed
// with the server's durability settings (synchronous_commit as configured, fsync on).
// Thread-safe (each call uses its own connection and a temporary schema it drops).
#pragma once

#include <string>

#include "core/status.h"

namespace conveyor {

// Creates a temporary schema on the server at `url` (a postgres:// URL, Conveyor parameters
// allowed), inserts `rows` rows in transactions of `batch_size`, drops the schema, and returns
// rows per second.
Result<double> MeasurePostgresInsertCeiling(const std::string& url, int rows, int batch_size);

}  // namespace conveyor
