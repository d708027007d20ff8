// Backup and restore of a SQLite store's database file: `conveyor backup` and `conveyor restore`.
// (PostgreSQL has pg_dump and pg_restore; docs/operations.md "Backup and restore".)
#pragma once

#include <string>

#include "core/status.h"

namespace conveyor {

// Copies the database `db_path` into the single file `to` as of one moment, while a server may
// keep writing to it: SQLite's online backup API, in steps, inside one read transaction of the
// source (a WAL snapshot, so the server's commits neither wait for the copy nor restart it).
// The copy goes to `to`.tmp, is checkpointed into that one file (no -wal needed) and synced,
// then renamed to `to`: a crash never leaves a half file at `to`. Conflict when `to` exists and
// !overwrite.
Status SqliteBackup(const std::string& db_path, const std::string& to, bool overwrite);

// Replaces the database `db_path` with the copy of a Conveyor database `from` (e.g. what
// SqliteBackup wrote), renamed into place in one step. FailedPrecondition, changing nothing,
// when `from` has no schema_migrations (not a Conveyor database) or is newer than this binary,
// or when another process has `db_path` open: its -wal file outlives our own close then (a
// running server keeps it; stop the server first).
Status SqliteRestore(const std::string& from, const std::string& db_path);

}  // namespace conveyor
