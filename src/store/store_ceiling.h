// What both raw insert ceilings (sqlite/sqlite_ceiling.h, postgres/pg_ceiling.h) share: their
// argument check and their clock. Each backend writes only its plainest durable batch insert.
// Pure functions; thread-safe.
#pragma once

#include <algorithm>
#include <chrono>

#include "core/clock.h"
#include "core/status.h"

namespace conveyor {

inline Status CheckCeilingArgs(int rows, int batch_size) {
  if (rows <= 0 || batch_size <= 0) {
    return Status::InvalidArgument("rows and batch_size must be positive");
  }
  return Status::Ok();
}

// Inserts `rows` rows through insert_batch(n, now) (a Status; n rows, one durable transaction),
// `batch_size` at a time, and returns rows per second. The first error stops it.
template <class InsertBatch>
Result<double> MeasureInsertRate(int rows, int batch_size, InsertBatch insert_batch) {
  const auto start = std::chrono::steady_clock::now();
  const TimeMs now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  for (int done = 0; done < rows; done += batch_size) {
    Status s = insert_batch(std::min(batch_size, rows - done), now);
    if (!s.ok()) return s;
  }
  const std::chrono::duration<double> secs = std::chrono::steady_clock::now() - start;
  return rows / std::max(secs.count(), 1e-9);
}

}  // namespace conveyor
