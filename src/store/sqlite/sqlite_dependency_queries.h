// The DML of job dependencies on SQLite (store_dependencies.h has the logic, sqlite_schema.h
// migration 6 the tables). Kept apart from sqlite_queries.h so the dependency statements read
// together. A dependent's transitions return the few columns the logic needs
// (CONVEYOR_DEPENDENT_COLUMNS, read by ReadDependentRow in sqlite_job_dependencies.cc).
#pragma once

namespace conveyor::sqlite_dependency_queries {

#define CONVEYOR_DEPENDENT_COLUMNS "seq, id, state, attempt, webhook_url"

// ?1 JSON array of job ids: marks them depended upon; returns those that exist, with the tenant
// that decides whether the submitted job may depend on each.
inline constexpr const char* kMark =
    "UPDATE jobs SET has_dependents = 1 WHERE id IN (SELECT value FROM json_each(?1))"
    " RETURNING seq, id, state, tenant";
// ?1 JSON array of [job id, dependency id].
inline constexpr const char* kEdgesInsert =
    "INSERT OR IGNORE INTO job_dependencies (job_seq, depends_on_seq)"
    " SELECT j.seq, p.seq FROM json_each(?1) AS e JOIN jobs j ON j.id = e.value ->> 0"
    " JOIN jobs p ON p.id = e.value ->> 1";
// ?1 JSON array of seqs of jobs that just finished: the edges of their BLOCKED dependents
// (job_dependencies_on, then each dependent by its primary key).
inline constexpr const char* kBlockedOn =
    "SELECT d.job_seq, d.depends_on_seq FROM job_dependencies d JOIN jobs j ON j.seq = d.job_seq"
    " WHERE d.depends_on_seq IN (SELECT value FROM json_each(?1)) AND j.state = 'BLOCKED'"
    " ORDER BY d.job_seq";
// ?1 seq, ?2 now: released only when no dependency is left that has not SUCCEEDED.
inline constexpr const char* kRelease =
    "UPDATE jobs SET state = CASE WHEN run_at > ?2 THEN 'SCHEDULED' ELSE 'PENDING' END,"
    " updated_at = ?2 WHERE seq = ?1 AND state = 'BLOCKED' AND NOT EXISTS (SELECT 1"
    " FROM job_dependencies d JOIN jobs p ON p.seq = d.depends_on_seq WHERE d.job_seq = ?1"
    " AND p.state <> 'SUCCEEDED') RETURNING " CONVEYOR_DEPENDENT_COLUMNS;
// ?1 seq, ?2 now, ?3 error.
inline constexpr const char* kCancel =
    "UPDATE jobs SET state = 'CANCELLED', error = ?3, finished_at = ?2, updated_at = ?2"
    " WHERE seq = ?1 AND state = 'BLOCKED' RETURNING " CONVEYOR_DEPENDENT_COLUMNS;

#undef CONVEYOR_DEPENDENT_COLUMNS

}  // namespace conveyor::sqlite_dependency_queries
