// The raw store ceiling: how many rows per second SQLite itself can durably insert on this disk
// with Conveyor's settings (WAL, synchronous=FULL) into a table shaped like `jobs` with indexes
// like ours. The benchmark prints it beside Conveyor's own figures, so a reader sees how close
// to the hardware the service runs. Thread-safe (each call uses its own temporary database).
#pragma once

#include <string>

#include "core/status.h"

namespace conveyor {

// Creates a temporary database in `dir`, inserts `rows` rows in durable transactions of
// `batch_size` rows, deletes the files, and returns rows per second.
Result<double> MeasureSqliteInsertCeiling(const std::string& dir, int rows, int batch_size);

}  // namespace conveyor
