// PgTestServer: a throwaway PostgreSQL server for tests, and the server a test process shares.
//
//   auto server = PgTestServer::MustStart();   // initdb in a temp dir, free port, pg_ctl -w start
//   server->Url("mydb");                       // postgresql://postgres@127.0.0.1:PORT/mydb
//   server->MustStop(); server->MustStart();   // the same cluster, same port (outage tests)
//   // destructor: pg_ctl stop -m immediate (the data is thrown away), temp dir removed
//
//   SharedPgBaseUrl()        // the server every test of this process uses (see below)
//   MustPgDatabase("name")   // CREATE DATABASE on it if missing; returns the database's URL
//   MustPgSchema("name")     // a schema in database conveyor_test (cheap: use one per test);
//                            // returns a URL whose connections use it (search_path)
//
// Which server SharedPgBaseUrl() names, first match wins:
//  1. CONVEYOR_TEST_PG_URL (any server you run; its database part is replaced per test);
//  2. the URL in the file CONVEYOR_TEST_PG_URL_FILE (CTest's pg fixture writes it: one server for
//     the whole ctest run, started by tests/e2e/pg_server.py);
//  3. a PgTestServer started on first use and stopped when the process exits.
//
// The server listens on 127.0.0.1 only (its unix socket lives in the temp dir), trusts local
// connections, and keeps fsync on. As root, initdb/pg_ctl run as the `postgres` user (PostgreSQL
// refuses to run as root). Binaries: $CONVEYOR_PG_BIN, else the newest /usr/lib/postgresql/*/bin,
// else PATH. Throws std::runtime_error (a test failure) when something cannot be done.
// Thread-safety: SharedPgBaseUrl/MustPgDatabase are thread-safe; a PgTestServer is not.
#pragma once

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/ids.h"

namespace conveyor::testing {

// `url` with its database part replaced by `db` (query parameters are kept).
inline std::string PgUrlWithDatabase(const std::string& url, const std::string& db) {
  const size_t scheme = url.find("://");
  const size_t host = scheme == std::string::npos ? 0 : scheme + 3;
  const size_t query = std::min(url.find('?', host), url.size());
  const size_t slash = std::min(url.find('/', host), query);
  return url.substr(0, slash) + "/" + db + url.substr(query);
}

class PgTestServer {
 public:
  static std::unique_ptr<PgTestServer> MustStart() {
    std::unique_ptr<PgTestServer> s(new PgTestServer());
    s->InitDb();
    s->port_ = FreePort();
    s->MustStartAgain();
    return s;
  }
  ~PgTestServer() {
    // Immediate: no shutdown checkpoint for data that is deleted next.
    if (running_) Run(Ctl("stop -m immediate"), /*must=*/false);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  PgTestServer(const PgTestServer&) = delete;
  PgTestServer& operator=(const PgTestServer&) = delete;

  // Stops the server (connections drop); the data stays for MustStartAgain().
  void MustStop() {
    Run(Ctl("stop -m fast"));
    running_ = false;
  }
  // Starts the stopped server again on the same port.
  void MustStartAgain() {
    Run(Ctl("-w -t 60 -l " + dir_ + "/server.log -o \"-p " + std::to_string(port_) + " -k " + dir_ +
            " -c listen_addresses=127.0.0.1 -c max_connections=300\" start"));
    running_ = true;
  }
  int port() const { return port_; }
  std::string Url(const std::string& db = "postgres") const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + db;
  }

 private:
  PgTestServer() {
    dir_ = (std::filesystem::temp_directory_path() / ("conveyor-pg-" + RandomSuffix())).string();
    std::filesystem::create_directories(dir_);
    if (geteuid() == 0) Run("chown postgres: " + dir_);
  }

  static std::string RandomSuffix() { return NewToken().substr(0, 12); }

  static std::string BinDir() {
    if (const char* env = std::getenv("CONVEYOR_PG_BIN")) return env;
    std::vector<std::filesystem::path> found;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      if (std::filesystem::exists(e.path() / "bin" / "pg_ctl")) found.push_back(e.path() / "bin");
    }
    if (found.empty()) return "";  // PATH
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
      return std::stoi(a.parent_path().filename().string()) <
             std::stoi(b.parent_path().filename().string());
    });
    return found.back().string();
  }

  static std::string Tool(const std::string& name) {
    const std::string bin = BinDir();
    const std::string path = bin.empty() ? name : bin + "/" + name;
    return geteuid() == 0 ? "runuser -u postgres -- " + path : path;
  }

  std::string Ctl(const std::string& args) const {
    return Tool("pg_ctl") + " -D " + dir_ + "/data " + args;
  }

  void InitDb() {
    // --no-sync only skips flushing initdb's own files; the running server keeps fsync on.
    Run(Tool("initdb") + " -D " + dir_ + "/data -U postgres --auth=trust -E UTF8 --locale=C" +
        " --no-sync --no-instructions");
  }

  void Run(const std::string& cmd, bool must = true) const {
    const std::string log = dir_ + "/cmd.log";
    const int rc = std::system((cmd + " > " + log + " 2>&1").c_str());
    if (rc == 0 || !must) return;
    std::ifstream in(log);
    std::stringstream out;
    out << in.rdbuf();
    throw std::runtime_error("`" + cmd + "` failed (" + std::to_string(rc) + "): " + out.str());
  }

  static int FreePort() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      close(fd);
      throw std::runtime_error("no free port for PostgreSQL");
    }
    close(fd);
    return ntohs(addr.sin_port);
  }

  std::string dir_;
  int port_ = 0;
  bool running_ = false;
};

// The base URL (database "postgres") of the server this process's tests share.
inline std::string SharedPgBaseUrl() {
  static std::mutex mu;
  static std::unique_ptr<PgTestServer> own;  // destroyed (server stopped) at exit
  static std::string url;
  std::lock_guard<std::mutex> lock(mu);
  if (!url.empty()) return url;
  if (const char* env = std::getenv("CONVEYOR_TEST_PG_URL"); env != nullptr && *env != '\0') {
    return url = env;
  }
  if (const char* file = std::getenv("CONVEYOR_TEST_PG_URL_FILE"); file != nullptr) {
    std::ifstream in(file);
    std::string line;
    if (std::getline(in, line) && !line.empty()) return url = line;
  }
  own = PgTestServer::MustStart();
  return url = own->Url();
}

// Runs one statement on the database at `url`; throws with the server's message on failure.
inline void MustPgExec(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  std::string error;
  if (PQstatus(c) != CONNECTION_OK) {
    error = PQerrorMessage(c);
  } else {
    PQsetNoticeProcessor(
        c, [](void*, const char*) {}, nullptr);  // "drop cascades to ..."
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
      error = PQresultErrorMessage(r);
    }
    PQclear(r);
  }
  PQfinish(c);
  if (!error.empty()) throw std::runtime_error("`" + sql + "` on " + url + ": " + error);
}

// Creates database `name` on the shared server if it does not exist; returns its URL.
// REQUIRES: `name` is a plain identifier ([a-z0-9_]).
inline std::string MustPgDatabase(const std::string& name) {
  const std::string base = SharedPgBaseUrl();
  static std::mutex mu;
  static std::set<std::string> created;  // CREATE DATABASE takes ~1 s: ask once per process
  std::lock_guard<std::mutex> lock(mu);
  if (created.insert(name).second) {
    try {
      MustPgExec(base, "CREATE DATABASE " + name);
    } catch (const std::runtime_error& e) {
      // Another process (or an earlier run) created it first: that is what we wanted.
      if (std::string(e.what()).find("already exists") == std::string::npos) {
        created.erase(name);
        throw;
      }
    }
  }
  return PgUrlWithDatabase(base, name);
}

// `url` plus one query parameter.
inline std::string PgUrlWithParam(const std::string& url, const std::string& param) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + param;
}

// Creates schema `name` in database conveyor_test on the shared server (both if missing);
// returns the URL of that database with search_path set to the schema.
// REQUIRES: `name` is a plain identifier ([a-z0-9_]).
inline std::string MustPgSchema(const std::string& name) {
  const std::string db = MustPgDatabase("conveyor_test");
  MustPgExec(db, "CREATE SCHEMA IF NOT EXISTS " + name);
  return PgUrlWithParam(db, "options=-csearch_path%3D" + name);
}

}  // namespace conveyor::testing
