// The row codec of the PostgreSQL jobs table: reads a Job from a result row selected with
// CONVEYOR_PG_JOB_COLUMNS, and encodes jobs as the JSON array kInsertJobs expands. One place knows
// the column order. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/job.h"
#include "store/postgres/pg_connection.h"
#include "store/store_job_rules.h"

namespace conveyor {

// REQUIRES: the result's columns are CONVEYOR_PG_JOB_COLUMNS (pg_queries.h).
JobRow ReadPgJobRow(const PgResult& r, int row);
std::vector<JobRow> ReadPgJobRows(const PgResult& r);

// [{"id":...,"type":...}, ...]: the jobs as kInsertJobs' json_to_recordset reads them.
std::string EncodePgJobsJson(const std::vector<const Job*>& jobs);

// Parses a state column; the CHECK constraint guarantees a canonical name.
JobState PgJobState(const std::string& text);

}  // namespace conveyor
