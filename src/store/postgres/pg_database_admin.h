// RecreatePostgresDatabase: a fresh, empty database on the server a postgres:// URL names, for
// the benchmark (one database per phase, like its SQLite files). Not used by the service itself.
// Thread-safe (each call has its own connection).
#pragma once

#include <string>

#include "core/status.h"

namespace conveyor {

// Drops database `name` if it exists (WITH (FORCE)) and creates it again; returns `url` with its
// database replaced by `name` (query parameters kept). `url` must be a postgres:// or
// postgresql:// URI; `name` a plain lower-case identifier. Unavailable when the server cannot be
// reached, InvalidArgument for a bad URL or name.
Result<std::string> RecreatePostgresDatabase(const std::string& url, const std::string& name);

// The process id of the backend serving a fresh connection to `url` (pg_backend_pid()). Its
// parent is the server's postmaster: a benchmark on the same machine sums that process tree's
// CPU from /proc (bench/suite/db_server_cpu.h). Unavailable when the server cannot be reached.
Result<int> PostgresBackendPid(const std::string& url);

}  // namespace conveyor
