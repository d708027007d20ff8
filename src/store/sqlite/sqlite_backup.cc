#include "store/sqlite/sqlite_backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "store/schema_version.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/sqlite_store.h"

namespace conveyor {
namespace {

namespace fs = std::filesystem;

constexpr int kPagesPerStep = 1024;  // 4 MiB at the default page size, between two yields
constexpr int kMaxBusySteps = 500;   // steps refused by a lock, 10 ms apart: 5 s in all

bool Exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

// Removes `path` and its -wal and -shm files, if any.
void RemoveDatabaseFiles(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix, ec);
}

// fsync of a file or a directory (for a rename to be durable).
Status SyncPath(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Unavailable("cannot open '" + path + "' to sync it");
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok ? Status::Ok() : Status::Unavailable("cannot sync '" + path + "'");
}

Status RenameDurably(const std::string& from, const std::string& to) {
  if (std::rename(from.c_str(), to.c_str()) != 0) {
    return Status::Unavailable("cannot rename '" + from + "' to '" + to + "'");
  }
  const fs::path dir = fs::path(to).parent_path();
  return SyncPath(dir.empty() ? "." : dir.string());
}

// Copies the database `from` into the new single file `to` (replacing any left there).
Status CopyDatabase(const std::string& from, const std::string& to) {
  if (!Exists(from)) return Status::NotFound("no database at '" + from + "'");
  RemoveDatabaseFiles(to);
  // Read-write though it only reads: a read-only connection that is the last to close leaves
  // empty -wal and -shm files next to the source, which this one removes.
  auto src = SqliteConnection::Open(from, {.read_only = false});
  if (!src.ok()) return src.status();
  // One read transaction for the whole copy: a fixed snapshot, whatever commits meanwhile.
  if (Status s = (*src)->Exec("BEGIN; SELECT count(*) FROM sqlite_master;"); !s.ok()) return s;
  {
    auto dst = SqliteConnection::Open(to, {.read_only = false});
    if (!dst.ok()) return dst.status();
    sqlite3* out = (*dst)->db();
    sqlite3_backup* backup = sqlite3_backup_init(out, "main", (*src)->db(), "main");
    if (backup == nullptr) return SqliteStatus(sqlite3_errcode(out), out, "backup of " + from);
    int rc = SQLITE_OK;
    for (int busy = 0; busy < kMaxBusySteps;) {
      rc = sqlite3_backup_step(backup, kPagesPerStep);
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        ++busy;
        sqlite3_sleep(10);
      } else if (rc != SQLITE_OK) {
        break;  // SQLITE_DONE, or an error
      }
    }
    const int finished = sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE) return SqliteStatus(rc, out, "backup of " + from);
    if (finished != SQLITE_OK) return SqliteStatus(finished, out, "backup of " + from);
    // The copy is a WAL database like its source (the mode is in the file header): fold what
    // this connection wrote into the file itself. Closing it then removes its -wal.
    if (Status s = (*dst)->Exec("PRAGMA wal_checkpoint(TRUNCATE)"); !s.ok()) return s;
  }
  if (Status s = (*src)->Exec("COMMIT"); !s.ok()) return s;
  return SyncPath(to);
}

// The copy at `path` is a Conveyor database this binary can serve. Read through the store itself,
// which closes with a checkpoint, so the file stays a single complete file.
Status CheckRestorable(const std::string& path, const std::string& shown) {
  auto store = SqliteStore::Open({.path = path, .read_connections = 1});
  if (!store.ok()) return store.status();
  Result<SchemaVersion> v = (*store)->SchemaVersionGet();
  if (!v.ok()) return v.status();
  if (v->store == 0) {
    return Status::FailedPrecondition("'" + shown + "' is not a Conveyor database: it records "
                                      "no schema migration");
  }
  return CheckSchemaNotNewer(*v);
}

// FailedPrecondition when a process other than this one has `path` open. Our own connection
// checkpoints and closes; SQLite removes the -wal file only when its last connection closes.
Status CheckNotInUse(const std::string& path) {
  if (!Exists(path)) return Status::Ok();
  {
    // No busy timeout: waiting would hold off a live server's writes, and the -wal check
    // below tells a busy database anyway.
    auto conn = SqliteConnection::Open(path, {.read_only = false, .busy_timeout_ms = 0});
    if (!conn.ok()) return conn.status();
    (void)(*conn)->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  if (!Exists(path + "-wal")) return Status::Ok();
  return Status::FailedPrecondition("the database '" + path + "' is open in another process "
                                    "(a running server?): stop it first");
}

}  // namespace

Status SqliteBackup(const std::string& db_path, const std::string& to, bool overwrite) {
  if (!overwrite && Exists(to)) {
    return Status::Conflict("'" + to + "' exists: choose another path, or --force to replace it");
  }
  const std::string tmp = to + ".tmp";
  Status s = CopyDatabase(db_path, tmp);
  if (s.ok()) s = RenameDurably(tmp, to);
  if (!s.ok()) RemoveDatabaseFiles(tmp);
  return s;
}

Status SqliteRestore(const std::string& from, const std::string& db_path) {
  const std::string tmp = db_path + ".restore.tmp";
  const fs::path dir = fs::path(db_path).parent_path();
  std::error_code ec;
  if (!dir.empty()) fs::create_directories(dir, ec);  // a failure shows as the copy's own
  Status s = CopyDatabase(from, tmp);
  if (s.ok()) s = CheckRestorable(tmp, from);
  if (s.ok()) s = CheckNotInUse(db_path);
  if (s.ok()) s = RenameDurably(tmp, db_path);
  if (!s.ok()) RemoveDatabaseFiles(tmp);
  return s;
}

}  // namespace conveyor
