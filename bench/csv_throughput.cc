// conveyor_csv_bench: csv.validate throughput and memory on a generated file, beside the ceiling
// measured in the same run (read() of the same file into a 1 MiB buffer, page cache warm for
// both). Prints MB/s and the peak RSS (getrusage ru_maxrss) after each phase.
//
//   conveyor_csv_bench [--mb 1024] [--dir /tmp]
//
// Phases: ceiling (raw read), validate (every rule type but `unique`: memory must stay flat),
// validate without the regex rule (what regexec costs),
// validate+unique (a unique SKU column, one distinct value per row: memory grows with the
// fingerprint set, by design), correct (fixes and writes corrected.csv).
#include <sys/resource.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "handlers/csv/csv_handlers.h"

namespace conveyor {
namespace {

constexpr const char* kRules = R"({"columns": [
  {"name": "sku", "required": true, %UNIQUE% "type": "regex", "pattern": "[A-Z]{3}-[0-9]+"},
  {"name": "qty", "type": "int", "min": 0},
  {"name": "price", "type": "decimal", "min": 0, "max": 100000},
  {"name": "released", "type": "date"},
  {"name": "status", "type": "enum", "values": ["active", "paused", "sold_out"]},
  {"name": "title", "min_length": 1, "max_length": 60}]})";

class BenchContext final : public JobContext {
 public:
  BenchContext(std::string payload, std::string dir) : dir_(std::move(dir)) {
    job_.id = "bench";
    job_.payload = std::move(payload);
  }
  const Job& job() const override { return job_; }
  bool Cancelled() const override { return false; }
  void ReportProgress(double, std::string) override {}
  void SetStep(std::string) override {}
  Result<std::string> ArtifactDir() override {
    std::filesystem::create_directories(dir_);
    return dir_;
  }

 private:
  Job job_;
  std::string dir_;
};

long PeakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

// User + system CPU seconds of this process: on a shared, loaded machine MB per CPU-second
// says what the code costs where wall-clock MB/s says what the machine gave it.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

size_t Generate(const std::string& path, size_t mb) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fputs("sku,qty,price,released,status,title\n", f);
  static const char* kStatus[] = {"active", "paused", "sold_out"};
  char row[160];
  size_t bytes = 0;
  for (size_t i = 0; bytes < (mb << 20); ++i) {
    const int n = std::snprintf(row, sizeof row, "ABC-%zu,%zu,%zu.%02zu,2024-%02zu-%02zu,%s,Item %zu\n",
                                i, i % 500, i % 9000, i % 100, 1 + i % 12, 1 + i % 28,
                                kStatus[i % 3], i % 1000);
    std::fwrite(row, 1, static_cast<size_t>(n), f);
    bytes += static_cast<size_t>(n);
  }
  std::fclose(f);
  return bytes;
}

double CeilingMbPerS(const std::string& path, size_t bytes) {
  const int fd = open(path.c_str(), O_RDONLY);
  std::vector<char> buf(1 << 20);
  const auto start = std::chrono::steady_clock::now();
  while (read(fd, buf.data(), buf.size()) > 0) {
  }
  close(fd);
  return static_cast<double>(bytes) / (1 << 20) / Seconds(start);
}

void RunPhase(const char* name, const char* type, const std::string& payload, const std::string& dir,
              size_t bytes, double ceiling) {
  HandlerRegistry registry;
  RegisterCsvHandlers(registry, {});
  BenchContext ctx(payload, dir);
  const auto start = std::chrono::steady_clock::now();
  const double cpu0 = CpuSeconds();
  Result<std::string> r = registry.Find(type)->Run(ctx);
  const double s = Seconds(start);
  const double mb = static_cast<double>(bytes) / (1 << 20);
  const double mbps = mb / s;
  std::printf("%-19s %8.1f MB/s  (%4.0f%% of the ceiling, %6.1f MB per CPU-s)  %6.2f s  "
              "peak RSS %ld MB  %s\n", name, mbps, 100 * mbps / ceiling, mb / (CpuSeconds() - cpu0),
              s, PeakRssMb(),
              r.ok() ? r->substr(0, 90).c_str() : r.status().ToString().c_str());
}

std::string Payload(const std::string& in, bool unique, bool regex = true) {
  std::string rules = kRules;
  rules.replace(rules.find("%UNIQUE%"), 8, unique ? "\"unique\": true," : "");
  // Without the regex rule, to show what glibc's regexec costs per row.
  if (!regex) rules.replace(rules.find("\"type\": \"regex\""), 15, "\"type\": \"string\"");
  return R"({"input_uri": ")" + in + R"(", "ruleset": )" + rules + "}";
}

int Main(int argc, char** argv) {
  size_t mb = 1024;
  std::string base = "/tmp";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--mb") == 0) mb = std::strtoul(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--dir") == 0) base = argv[i + 1];
  }
  std::string tmpl = base + "/conveyor-csv-bench-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) return 1;
  const std::string in = tmpl + "/in.csv";
  const size_t bytes = Generate(in, mb);
  std::printf("file: %zu MB, %s\nRSS before: peak %ld MB\n", bytes >> 20, in.c_str(), PeakRssMb());
  CeilingMbPerS(in, bytes);  // once to warm the page cache
  const double ceiling = CeilingMbPerS(in, bytes);
  std::printf("%-19s %8.1f MB/s  (raw read() into a 1 MiB buffer)\n", "ceiling", ceiling);
  RunPhase("validate", "csv.validate", Payload(in, false), tmpl + "/a", bytes, ceiling);
  RunPhase("validate, no regex", "csv.validate", Payload(in, false, false), tmpl + "/d", bytes,
           ceiling);
  RunPhase("correct", "csv.correct", Payload(in, false), tmpl + "/c", bytes, ceiling);
  RunPhase("validate+unique", "csv.validate", Payload(in, true), tmpl + "/b", bytes, ceiling);
  std::filesystem::remove_all(tmpl);
  return 0;
}

}  // namespace
}  // namespace conveyor

int main(int argc, char** argv) { return conveyor::Main(argc, argv); }
