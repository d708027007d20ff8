// The DML of job dependencies on PostgreSQL (store_dependencies.h has the logic and why each
// statement locks what it locks; pg_schema.h migration 5 the tables). Kept apart from
// pg_queries.h so the dependency statements read together. A dependent's transitions return the
// few columns the logic needs (read by ReadDependentRow in pg_job_dependencies.cc).
#pragma once

namespace conveyor::pg_dependency_queries {

#define CONVEYOR_PG_DEPENDENT_COLUMNS "seq, id, state, attempt, webhook_url"

// $1 JSON array of job ids: marks them depended upon (locking each row until COMMIT); returns
// those that exist, in seq order, with the tenant that decides whether the submitted job may
// depend on each.
inline constexpr const char* kMark =
    "UPDATE jobs SET has_dependents = true"
    " WHERE id IN (SELECT json_array_elements_text($1::json)) RETURNING seq, id, state, tenant";
// $1 JSON array of [job id, dependency id].
inline constexpr const char* kEdgesInsert =
    "INSERT INTO job_dependencies (job_seq, depends_on_seq)"
    " SELECT j.seq, p.seq FROM json_array_elements($1::json) AS e"
    " JOIN jobs j ON j.id = e->>0 JOIN jobs p ON p.id = e->>1 ON CONFLICT DO NOTHING";
// $1 JSON array of seqs of jobs that just finished: the edges of their BLOCKED dependents,
// each dependent locked (in seq order, so two such transactions cannot deadlock on them).
inline constexpr const char* kBlockedOn =
    "SELECT d.job_seq, d.depends_on_seq FROM job_dependencies d JOIN jobs j ON j.seq = d.job_seq"
    " WHERE d.depends_on_seq IN (SELECT json_array_elements_text($1::json)::bigint)"
    " AND j.state = 'BLOCKED' ORDER BY d.job_seq FOR UPDATE OF j";
// $1 seq, $2 now: released only when no dependency is left that has not SUCCEEDED. A statement
// of its own, so under READ COMMITTED it sees every dependency committed before it started.
inline constexpr const char* kRelease =
    "UPDATE jobs SET state = CASE WHEN run_at > $2::bigint THEN 'SCHEDULED' ELSE 'PENDING' END,"
    " updated_at = $2::bigint WHERE seq = $1::bigint AND state = 'BLOCKED' AND NOT EXISTS"
    " (SELECT 1 FROM job_dependencies d JOIN jobs p ON p.seq = d.depends_on_seq"
    " WHERE d.job_seq = $1::bigint AND p.state <> 'SUCCEEDED')"
    " RETURNING " CONVEYOR_PG_DEPENDENT_COLUMNS;
// $1 seq, $2 now, $3 error.
inline constexpr const char* kCancel =
    "UPDATE jobs SET state = 'CANCELLED', error = $3, finished_at = $2::bigint,"
    " updated_at = $2::bigint WHERE seq = $1::bigint AND state = 'BLOCKED'"
    " RETURNING " CONVEYOR_PG_DEPENDENT_COLUMNS;

#undef CONVEYOR_PG_DEPENDENT_COLUMNS

}  // namespace conveyor::pg_dependency_queries
