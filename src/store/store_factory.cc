#include "store/store_factory.h"

#include <string_view>

#include "core/percent_encoding.h"
#include "core/secret_redaction.h"

#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_backup.h"
#include "store/sqlite/sqlite_store.h"

namespace conveyor {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The SQLite file path named by `url`, or nullopt when `url` does not name SQLite.
std::optional<std::string> SqlitePath(std::string_view url) {
  if (StartsWith(url, "sqlite://")) return std::string(url.substr(9));
  if (StartsWith(url, "sqlite:")) return std::string(url.substr(7));
  if (EndsWith(url, ".db") && url.find("://") == std::string_view::npos) {
    return std::string(url);
  }
  return std::nullopt;
}

}  // namespace

std::string RedactStoreSecrets(std::string_view text, const std::string& url) {
  return RedactSecrets(text, {PasswordIn(url)});
}

Result<std::string> StoreUrlWithPassword(const std::string& url, std::string_view password) {
  const std::string shown = RedactStoreSecrets(url, url);
  if (!StartsWith(url, "postgres://") && !StartsWith(url, "postgresql://")) {
    return Status::InvalidArgument("a store password file is for a postgres:// store, not '" +
                                   shown + "'");
  }
  if (!PasswordIn(url).empty()) {
    return Status::InvalidArgument("the store URL '" + shown +
                                   "' has a password already: give it in the URL or in the "
                                   "password file, not both");
  }
  return url + (url.find('?') == std::string::npos ? "?" : "&") +
         "password=" + PercentEncode(password);
}

Result<std::unique_ptr<Store>> OpenStore(const std::string& url) {
  if (StartsWith(url, "postgres://") || StartsWith(url, "postgresql://")) {
    auto options = ParsePostgresUrl(url);
    if (!options.ok()) return options.status();
    auto store = PostgresStore::Open(std::move(options).value());
    if (!store.ok()) return store.status();  // its messages are redacted at the source
    return std::unique_ptr<Store>(std::move(store).value());
  }
  std::optional<std::string> path = SqlitePath(url);
  if (!path) {
    return Status::InvalidArgument("unsupported store URL '" + RedactStoreSecrets(url, url) +
                                   "'; use sqlite:PATH (for example sqlite:./data/conveyor.db) "
                                   "or postgres://user@host:port/database");
  }
  if (path->empty()) {
    return Status::InvalidArgument("store URL '" + url + "' names no file; use sqlite:PATH");
  }
  auto store = SqliteStore::Open({.path = *path});
  if (!store.ok()) return store.status();
  return std::unique_ptr<Store>(std::move(store).value());
}

Result<SchemaVersion> StoreSchemaVersion(const std::string& url) {
  // Each backend reads its own schema_migrations against its own migrations: not a Store method,
  // so the many users of store.h do not depend on it.
  if (StartsWith(url, "postgres://") || StartsWith(url, "postgresql://")) {
    auto options = ParsePostgresUrl(url);
    if (!options.ok()) return options.status();
    auto store = PostgresStore::Open(std::move(options).value());
    if (!store.ok()) return store.status();
    return (*store)->SchemaVersionGet();
  }
  auto store = OpenStore(url);
  if (!store.ok()) return store.status();
  // Every other URL OpenStore accepts opens a SqliteStore.
  return static_cast<SqliteStore&>(**store).SchemaVersionGet();
}

Status BackupStore(const std::string& url, const std::string& to, bool overwrite) {
  std::optional<std::string> path = SqlitePath(url);
  if (!path || path->empty()) {
    return Status::InvalidArgument("backup copies a SQLite store, not '" +
                                   RedactStoreSecrets(url, url) + "'");
  }
  return SqliteBackup(*path, to, overwrite);
}

Status RestoreStore(const std::string& url, const std::string& from) {
  std::optional<std::string> path = SqlitePath(url);
  if (!path || path->empty()) {
    return Status::InvalidArgument("restore replaces a SQLite store, not '" +
                                   RedactStoreSecrets(url, url) + "'");
  }
  return SqliteRestore(from, *path);
}

}  // namespace conveyor
