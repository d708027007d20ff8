// The row codec of the jobs table: reads a Job from a statement positioned on a row selected with
// CONVEYOR_JOB_COLUMNS, and binds a Job's columns for an insert. One place knows the column order.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "core/job.h"
#include "core/status.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/store_job_rules.h"

namespace conveyor {

// REQUIRES: the statement's columns are CONVEYOR_JOB_COLUMNS (sqlite_queries.h).
JobRow ReadJobRow(const SqliteStatement& st);

// Text the insert binds without copying, kept alive by the caller until the statement is done.
struct JobInsertText {
  std::string tags;
  std::string depends_on;
};
JobInsertText EncodeJobInsertText(const Job& job);

// Binds the kInsertColumnCount columns of `job` starting at parameter `first`.
// REQUIRES: `job` and `text` outlive the statement's execution.
void BindJobInsert(SqliteStatement& st, int first, const Job& job, const JobInsertText& text);

// "INSERT INTO jobs (...) VALUES (?,...),(?,...)" for `rows` rows.
std::string JobInsertSql(int rows);

// Parses a state column; the CHECK constraint guarantees a canonical name.
JobState ReadJobState(const SqliteStatement& st, int col);

}  // namespace conveyor
