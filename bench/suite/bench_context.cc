#include "bench/suite/bench_context.h"

#include "store/postgres/pg_database_admin.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>

namespace conveyor::bench {
namespace {

constexpr const char* kTempPrefix = "conveyor-bench-";
constexpr const char* kOwnerFile = "owner.pid";

std::atomic<bool> g_interrupted{false};

extern "C" void OnInterrupt(int) { g_interrupted.store(true); }

std::string Pad(const std::string& s, std::size_t width) {
  // Column widths count bytes; the table keeps to ASCII so they line up.
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string Verdict(const Figure& f) {
  if (!f.meets) return "";
  return *f.meets ? "met" : "MISSED";
}

}  // namespace

BenchSizes SizesFor(const BenchOptions& o) {
  BenchSizes s = o.quick ? BenchSizes{1.0, 20000, 1.0, 20, 10000, 3.0, 2.0, 1000, 1.0, 2000,
                                      100000, 10000, 10000, 1000, 6.0, 15.0, 500}
                         : BenchSizes{5.0, 200000, 5.0, 200, 100000, 30.0, 10.0, 1000, 5.0,
                                      10000, 1000000, 100000, 1000000, 10000, 60.0, 300.0, 2000};
  if (o.duration_s > 0) s.sustained_s = o.duration_s;
  return s;
}

namespace {

std::filesystem::path TempBase() {
  const char* base = std::getenv("TMPDIR");
  return base && *base ? base : "/tmp";
}

// A bench killed by SIGKILL (a test's timeout, say) cannot clean up; the next bench removes
// the temp dirs whose owner process is gone. Kept dirs have no owner file and stay.
void RemoveOrphanedTempDirs() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(TempBase(), ec)) {
    if (entry.path().filename().string().rfind(kTempPrefix, 0) != 0) continue;
    std::ifstream in(entry.path() / kOwnerFile);
    pid_t pid = 0;
    if (in >> pid && pid > 0 && kill(pid, 0) != 0 && errno == ESRCH) {
      std::filesystem::remove_all(entry.path(), ec);
    }
  }
}

}  // namespace

TempDir::TempDir(bool keep) : keep_(keep) {
  RemoveOrphanedTempDirs();
  std::string pattern = (TempBase() / (std::string(kTempPrefix) + "XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw BenchFailure("cannot create a temp dir from " + pattern);
  }
  path_ = pattern;
  std::ofstream(path_ / kOwnerFile) << getpid() << "\n";
}

TempDir::~TempDir() {
  if (keep_) {
    std::error_code ec;
    std::filesystem::remove(path_ / kOwnerFile, ec);
    std::cerr << "bench: kept " << path_.string() << "\n";
    return;
  }
  std::error_code ec;  // best effort: a leftover temp dir must not turn success into failure
  std::filesystem::remove_all(path_, ec);
}

void BenchContext::Report(Figure f) {
  std::string verdict = Verdict(f);
  std::cout << "  " << Pad(f.name, 40) << " " << Pad(f.measured, 22) << " target "
            << Pad(f.target.empty() ? "-" : f.target, 16) << " " << Pad(verdict, 6)
            << (f.ceiling.empty() ? "" : " ceiling: " + f.ceiling) << std::endl;
  figures.push_back(std::move(f));
}

void BenchContext::Note(const std::string& line) const { std::cout << line << std::endl; }

void BenchContext::PrintSummary() const {
  std::size_t w[4] = {6, 8, 6, 7};
  for (const auto& f : figures) {
    w[0] = std::max(w[0], f.name.size());
    w[1] = std::max(w[1], f.measured.size());
    w[2] = std::max(w[2], f.target.size());
  }
  std::cout << "\nsummary\n"
            << Pad("figure", w[0]) << " | " << Pad("measured", w[1]) << " | "
            << Pad("target", w[2]) << " | " << Pad("meets", w[3]) << " | ceiling\n"
            << std::string(w[0] + w[1] + w[2] + w[3] + 30, '-') << "\n";
  for (const auto& f : figures) {
    std::cout << Pad(f.name, w[0]) << " | " << Pad(f.measured, w[1]) << " | "
              << Pad(f.target.empty() ? "-" : f.target, w[2]) << " | " << Pad(Verdict(f), w[3])
              << " | " << f.ceiling << "\n";
  }
  std::cout << std::flush;
}

std::string BenchContext::Ceilings(bool http, bool store) const {
  std::string out;
  if (http && http_ceiling_rps > 0) out += "HTTP " + FormatCount(http_ceiling_rps) + " req/s";
  if (store && store_ceiling_rows_s > 0) {
    out += (out.empty() ? "" : ", ") + std::string("store ") + FormatCount(store_ceiling_rows_s) +
           " rows/s";
  }
  return out;
}

std::string BenchContext::StoreUrl(const std::string& name) const {
  if (!options.IsPostgres()) return "sqlite:" + (PhaseDir(name) / "bench.db").string();
  auto known = store_urls.find(name);
  if (known != store_urls.end()) return known->second;
  std::string db = "conveyor_bench_";
  for (char c : name) db += (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? c : '_';
  Result<std::string> url = RecreatePostgresDatabase(options.store, db);
  if (!url.ok()) throw BenchFailure("cannot create database " + db + ": " + url.status().message());
  return store_urls[name] = *url;
}

std::optional<int64_t> BenchContext::DbCpuMicros() const {
  if (!options.IsPostgres()) return std::nullopt;
  if (!db_cpu_looked_up) {
    db_cpu_looked_up = true;
    std::string why;
    db_cpu = DbServerCpu::Find(options.store, why);
    if (!db_cpu) Note("    (PostgreSQL's CPU per job is left out: " + why + ")");
  }
  if (!db_cpu) return std::nullopt;
  return db_cpu->Micros();
}

std::filesystem::path BenchContext::PhaseDir(const std::string& name) const {
  auto p = dir.path() / name;
  std::filesystem::create_directories(p);
  return p;
}

void InstallInterruptHandler() {
  struct sigaction sa = {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool Interrupted() { return g_interrupted.load(std::memory_order_relaxed); }

void ThrowIfInterrupted() {
  if (Interrupted()) throw BenchFailure("interrupted");
}

std::string FormatCount(double v) {
  auto n = static_cast<long long>(std::llround(v));
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string FormatMegabytes(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", bytes / (1024.0 * 1024.0));
  return buf;
}

std::string FormatMicros(double us) {
  char buf[32];
  if (us >= 1000) {
    std::snprintf(buf, sizeof buf, "%.2f ms", us / 1000.0);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f us", us);
  }
  return buf;
}

std::string FormatSeconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

}  // namespace conveyor::bench
