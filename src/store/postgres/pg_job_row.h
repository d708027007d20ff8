// The row codec of the PostgreSQL jobs table: reads the Jobs of a result selected with
// CONVEYOR_PG_JOB_COLUMNS (through the shared ReadJobRow of store_rows.h), and encodes jobs as the
// column arrays kInsertJobs unnests. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/job.h"
#include "store/postgres/pg_connection.h"
#include "store/store_job_rules.h"
#include "store/store_rows.h"

namespace conveyor {

// REQUIRES: the result's columns are CONVEYOR_PG_JOB_COLUMNS (pg_queries.h).
std::vector<JobRow> ReadPgJobRows(const PgResult& r);

// The columns kInsertJobs takes as $1..$31, each an array literal of that column's values in
// job order: {"id1","id2"}, {"type1","type2"}, ...
inline constexpr size_t kPgInsertColumns = 31;
PgParams EncodePgJobColumns(const std::vector<const Job*>& jobs);

// {"a","b"}: a text[] literal.
PgParam EncodePgTextArray(const std::vector<std::string>& values);

}  // namespace conveyor
