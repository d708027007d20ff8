// OpenStore: picks and opens a Store implementation from a URL, the way --store / DATABASE_URL
// name one. Accepts "sqlite:PATH", "sqlite://PATH", a plain path ending in ".db", and
// "postgres://..." / "postgresql://..." (PostgresStore; see postgres_store.h for the URL's
// Conveyor parameters listen_notify=off and pool_size=N).
// The store is opened, not migrated: call Migrate() on it. Thread-safe (no shared state).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/schema_version.h"
#include "store/store.h"

namespace conveyor {

Result<std::unique_ptr<Store>> OpenStore(const std::string& url);

// Opens the store `url` names and says where its schema stands against this binary's migrations
// (`conveyor migrate --status`). Migrate() refuses a schema newer than this binary's.
Result<SchemaVersion> StoreSchemaVersion(const std::string& url);

// `conveyor backup` and `conveyor restore` of the SQLite store `url` names (sqlite_backup.h:
// SqliteBackup, SqliteRestore). InvalidArgument for any other store (PostgreSQL has pg_dump).
Status BackupStore(const std::string& url, const std::string& to, bool overwrite);
Status RestoreStore(const std::string& url, const std::string& from);

// `text` (a store URL, or a message about one) with the secrets of store URL `url` masked:
// RedactSecrets plus the URL's own password however it is spelled. For logs and the console.
std::string RedactStoreSecrets(std::string_view text, const std::string& url);

// `url` (postgres://…) with `password` added as libpq's password parameter, percent-encoded,
// for --store-password-file / DATABASE_PASSWORD_FILE: the URL then carries it like any other,
// and RedactStoreSecrets masks it wherever the URL is shown. InvalidArgument for a store that
// is not PostgreSQL or a URL that already has a password (one source only, so no doubt which wins).
Result<std::string> StoreUrlWithPassword(const std::string& url, std::string_view password);

}  // namespace conveyor
