// The insert codec of the SQLite jobs table: binds a Job's columns for a multi-row INSERT. Rows
// selected with CONVEYOR_JOB_COLUMNS are read by the shared ReadJobRow (store_rows.h), which takes
// a SqliteStatement positioned on a row. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "core/job.h"
#include "core/status.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/store_job_rules.h"
#include "store/store_rows.h"

namespace conveyor {

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

}  // namespace conveyor
