// The row codec of the PostgreSQL jobs table: reads the Jobs of a result selected with
// CONVEYOR_PG_JOB_COLUMNS (through the shared ReadJobRow of store_rows.h), and encodes jobs as the
// JSON array kInsertJobs expands. Pure functions; thread-safe.
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

// [{"id":...,"type":...}, ...]: the jobs as kInsertJobs' json_to_recordset reads them.
std::string EncodePgJobsJson(const std::vector<const Job*>& jobs);

}  // namespace conveyor
