// What every phase of `conveyor bench` shares: the options and the sizes they imply, the temp
// directory that holds the phases' databases and server logs, the ceilings measured so far, and
// the report (each figure printed as it is measured, then a summary table).
//
// Phases fail by throwing BenchFailure: the bench is a straight-line script, and unwinding is
// what stops its server children and removes its temp dir on every path. Nothing here crosses
// the store seam. Single-threaded (the main thread drives the phases).
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/suite/db_server_cpu.h"

namespace conveyor::bench {

class BenchFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct BenchOptions {
  bool quick = false;
  std::vector<std::string> only;  // phase names; empty: all
  int workers = 2;
  int connections = 64;
  double duration_s = 0;  // sustained phase; 0: 30 s (3 s with --quick)
  bool keep_dir = false;
  // Empty: SQLite files in the temp dir. A postgres:// URL: each phase gets a fresh database on
  // that server (dropped and created again), and the PostgreSQL-only phases run.
  std::string store;
  bool IsPostgres() const { return !store.empty(); }
  // --auth: every server runs with --auth on, and every request carries one admin key made in
  // the phase's store (bench_auth.h); for the auth-on against auth-off comparison.
  bool auth = false;
  // --sse N: N clients follow GET /events on every server of every phase (sse_listeners.h).
  int sse_subscribers = 0;
  // --prune-jobs N: old jobs the prune phase stores; 0: 1,000,000 (20,000 with --quick).
  int prune_jobs = 0;
};

// Counts and durations of the phases; --quick shrinks them so the whole run takes ~1 minute.
struct BenchSizes {
  double ceiling_s;
  int store_rows;
  double submit_s;
  int batch_requests;  // of 1,000 jobs each
  int burn_jobs;
  double sustained_s;
  double latency_s;
  double latency_rate;  // jobs/s
  double get_s;
  int get_jobs;
  int rss_jobs;
  int rss_burn_jobs;
  // Scheduling (issue 11): the plans backlog, due-time jobs spread over a window, the cron run,
  // and the sleep jobs of the concurrency-limit run.
  int plans_jobs;
  int due_jobs;
  double due_spread_s;
  double cron_s;
  int limit_jobs;
};
BenchSizes SizesFor(const BenchOptions& o);

// One line of the report. `meets` is empty when the figure has no target.
struct Figure {
  std::string name;
  std::string measured;
  std::string target;
  std::string ceiling;
  std::optional<bool> meets;
};

// mkdtemp under $TMPDIR (or /tmp); removed with everything in it unless `keep`. Also removes
// the dirs of earlier benches that were killed before they could clean up.
class TempDir {
 public:
  explicit TempDir(bool keep);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  bool keep_;
};

struct BenchContext {
  BenchOptions options;
  BenchSizes sizes;
  TempDir& dir;
  std::string exe;  // this binary, to start servers from
  double http_ceiling_rps = 0;
  double store_ceiling_rows_s = 0;
  double burn_rate = 0;  // empty-queue burn-down, for the 1M-queued comparison
  // Single-queue burn-down with rss_jobs queued (rss phase): the plans phase's like-for-like.
  double large_queue_burn_rate = 0;
  double latency_p50_us = 0;  // submit->start p50 of the latency phase: the due phase's ceiling
  std::vector<Figure> figures;

  // Prints the figure at once (a long run shows progress) and keeps it for the summary.
  void Report(Figure f);
  void Note(const std::string& line) const;
  void PrintSummary() const;
  // "HTTP 85,000 req/s · store 400,000 rows/s", from what was measured so far.
  std::string Ceilings(bool http, bool store) const;
  // A fresh directory under the temp dir for one phase's database.
  std::filesystem::path PhaseDir(const std::string& name) const;
  // The --store URL of one phase's database: "sqlite:<PhaseDir>/bench.db", or with --store
  // postgres://… a database "conveyor_bench_<name>" created fresh on first use.
  std::string StoreUrl(const std::string& name) const;
  mutable std::map<std::string, std::string> store_urls;  // by phase name, created so far
  mutable std::map<std::string, std::string> api_keys;    // --auth: by phase name, made so far

  // With --store postgres://… on this machine: the CPU of the database server's processes so
  // far, in µs (DbServerCpu); nullopt on SQLite or when the server is not a local process (said
  // once, in a note).
  std::optional<int64_t> DbCpuMicros() const;
  mutable std::optional<DbServerCpu> db_cpu;
  mutable bool db_cpu_looked_up = false;
};

// SIGINT/SIGTERM set a flag that loops check, so an interrupted bench still cleans up.
void InstallInterruptHandler();
bool Interrupted();
void ThrowIfInterrupted();

// 31234.5 → "31,235"; used for every rate.
std::string FormatCount(double v);
// 1.5 MB style, for RSS.
std::string FormatMegabytes(double bytes);
// Microseconds as "0.42 ms" or "840 us".
std::string FormatMicros(double us);
// "2.5 s"
std::string FormatSeconds(double s);

}  // namespace conveyor::bench
