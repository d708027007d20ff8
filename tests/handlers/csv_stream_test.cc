// csv.correct's output, and the streaming properties of both CSV job types: cancellation in the
// middle of a file, progress, memory that does not grow with the file, HTTP input from a real
// local server.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "handlers/csv_test_util.h"
#include "outbound/test_port_printer.h"

namespace conveyor {
namespace {

namespace json = boost::json;

// A JobContext that counts Cancelled() calls (the handler asks once or twice per 1 MiB chunk),
// answers true from call `cancel_at` on, and samples the resident set size at every call.
class ProbeContext final : public JobContext {
 public:
  ProbeContext(std::string payload, std::string artifact_root, int cancel_at = -1)
      : root_(std::move(artifact_root)), cancel_at_(cancel_at) {
    job_.id = "0190b6c2-8f4e-7a3b-9c1d-000000000001";
    job_.payload = std::move(payload);
  }
  const Job& job() const override { return job_; }
  bool Cancelled() const override {
    ++calls_;
    peak_rss_ = std::max(peak_rss_, CurrentRss());
    return cancel_at_ >= 0 && calls_ >= cancel_at_;
  }
  void ReportProgress(double percent, std::string message) override {
    progress.push_back(percent);
    messages.push_back(std::move(message));
  }
  void SetStep(std::string) override {}
  Result<std::string> ArtifactDir() override {
    std::filesystem::create_directories(root_ + "/" + job_.id);
    return root_ + "/" + job_.id;
  }
  void SetResultRef(std::string name) override { result_ref = std::move(name); }

  static long CurrentRss() {
    long pages = 0, resident = 0;
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (f == nullptr) return 0;
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
  }

  std::vector<double> progress;
  std::vector<std::string> messages;
  std::string result_ref;
  mutable int calls_ = 0;
  mutable long peak_rss_ = 0;

 private:
  Job job_;
  std::string root_;
  int cancel_at_;
};

// Writes a valid products file of about `mb` MiB, row by row (the test holds no copy of it).
std::string WriteBigFile(const CsvTempDir& dir, size_t mb) {
  const std::string path = dir.path() + "/big.csv";
  std::ofstream out(path, std::ios::binary);
  out << "sku,qty,price,released,status,title\n";
  std::string row;
  for (size_t i = 0, bytes = 0; bytes < (mb << 20); ++i) {
    row = "ABC-" + std::to_string(i % 1000) + "," + std::to_string(i % 500) + "," +
          std::to_string(i % 900) + ".25,2024-0" + std::to_string(1 + i % 9) + "-1" +
          std::to_string(i % 10) + "," + (i % 2 ? "active" : "paused") + ",Item\n";
    out << row;
    bytes += row.size();
  }
  return path;
}

// The product rules without `unique`, whose fingerprint set grows with distinct values by design.
std::string RulesWithoutUnique() {
  std::string rules = kProductRules;
  rules.replace(rules.find(R"("unique": true, )"), 16, "");
  return rules;
}

Result<std::string> RunProbe(const std::string& type, ProbeContext& ctx) {
  HandlerRegistry registry;
  RegisterCsvHandlers(registry, {}, {.dirs = CsvInputDirs({"/tmp"})});  // CsvTempDir's parent
  return registry.Find(type)->Run(ctx);
}

TEST(CsvCorrectTest, WritesTheCorrectedFileAndCountsFixesByKind) {
  CsvTempDir dir;
  const std::string in = dir.Write("in.csv",
                                   "sku, qty ,price,released,status,title\r\n"
                                   "ABC-1, 7 ,\"0,5\",31.01.2024,Active,\"Mug, big\"\r\n"
                                   "ABC-2,1,2,Jan 5 2024,paused,\"say \"\"hi\"\"\"\r\n"
                                   "ABC-3,1,2,2024-01-05,gone, Pot\r\n");
  CsvRun run = RunCsv("csv.correct", CsvPayload(in), dir);
  ASSERT_TRUE(run.result.ok()) << run.result.status().ToString();
  EXPECT_EQ(run.result_ref, "corrected.csv");
  json::object r = run.ResultJson();
  EXPECT_EQ(r["artifact"], "corrected.csv");
  json::object fixes = r["fixes"].as_object();
  EXPECT_EQ(fixes["trim_whitespace"], 2);
  EXPECT_EQ(fixes["decimal_separator"], 1);
  EXPECT_EQ(fixes["date_format"], 2);
  EXPECT_EQ(fixes["enum_case"], 1);
  EXPECT_EQ(r["fixed_cells"], 6);
  EXPECT_EQ(r["invalid_rows"], 1);  // "gone" is no status, whatever its case
  EXPECT_EQ(ReadWholeFile(run.artifact_dir + "/corrected.csv"),
            "sku,qty,price,released,status,title\n"
            "ABC-1,7,0.5,2024-01-31,active,\"Mug, big\"\n"
            "ABC-2,1,2,2024-01-05,paused,\"say \"\"hi\"\"\"\n"
            "ABC-3,1,2,2024-01-05,gone,Pot\n");
  json::object report = run.Report();
  EXPECT_EQ(report["errors"].as_array().at(0).as_object().at("rule"), "enum");
}

TEST(CsvCorrectTest, WithoutRuleSetOnlyTrims) {
  CsvTempDir dir;
  const std::string in = dir.Write("in.csv", "a,b\n\" 1,5 \", x \n");
  CsvRun run = RunCsv("csv.correct", R"({"input_uri": ")" + in + R"("})", dir);
  ASSERT_TRUE(run.result.ok()) << run.result.status().ToString();
  EXPECT_EQ(ReadWholeFile(run.artifact_dir + "/corrected.csv"), "a,b\n\"1,5\",x\n");
}

TEST(CsvCorrectTest, MalformedCsvFailsPermanentlyAndLeavesNoPartialFile) {
  CsvTempDir dir;
  const std::string in = dir.Write("in.csv", "a,b\n1,\"open\n");
  CsvRun run = RunCsv("csv.correct", R"({"input_uri": ")" + in + R"("})", dir);
  ASSERT_FALSE(run.result.ok());
  EXPECT_EQ(run.result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(run.artifact_dir + "/corrected.csv"));
  EXPECT_FALSE(std::filesystem::exists(run.artifact_dir + "/corrected.csv.part"));
}

TEST(CsvStreamTest, CancelledInTheMiddleOfTheFile) {
  CsvTempDir dir;
  const std::string in = WriteBigFile(dir, 20);
  for (const char* type : {"csv.validate", "csv.correct"}) {
    ProbeContext ctx(CsvPayload(in), dir.path() + "/artifacts", /*cancel_at=*/6);
    Result<std::string> r = RunProbe(type, ctx);
    ASSERT_FALSE(r.ok()) << type;
    EXPECT_EQ(r.status().code(), StatusCode::kCancelled) << type;
    // Stopped after a few 1 MiB chunks, not at the end of 20.
    EXPECT_LT(ctx.calls_, 10) << type;
    EXPECT_TRUE(ctx.result_ref.empty());
    const std::string out = dir.path() + "/artifacts/" + ctx.job().id;
    EXPECT_FALSE(std::filesystem::exists(out + "/report.json")) << type;
    EXPECT_FALSE(std::filesystem::exists(out + "/corrected.csv.part")) << type;
  }
}

TEST(CsvStreamTest, ProgressGoesFromZeroToHundredWithRowCounts) {
  CsvTempDir dir;
  const std::string in = WriteBigFile(dir, 4);
  ProbeContext ctx(CsvPayload(in), dir.path() + "/artifacts");
  Result<std::string> r = RunProbe("csv.validate", ctx);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_GE(ctx.progress.size(), 2u);
  EXPECT_EQ(ctx.progress.front(), 0);
  EXPECT_EQ(ctx.progress.back(), 100);
  EXPECT_TRUE(std::is_sorted(ctx.progress.begin(), ctx.progress.end()));
  const int64_t rows = MustParseJson(*r).as_object().at("rows").as_int64();
  EXPECT_EQ(ctx.messages.back().find("validated " + std::to_string(rows) + " rows"), 0u)
      << ctx.messages.back();
}

TEST(CsvStreamTest, MemoryDoesNotGrowWithTheFile) {
  CsvTempDir dir;
  const std::string in = WriteBigFile(dir, 50);
  const std::string payload = CsvPayload(in, R"(, "auto_fix": true)", RulesWithoutUnique());
  ProbeContext ctx(payload, dir.path() + "/artifacts");
  const long before = ProbeContext::CurrentRss();
  Result<std::string> r = RunProbe("csv.validate", ctx);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(MustParseJson(*r).as_object().at("valid"), true) << *r;
  EXPECT_GT(ctx.calls_, 50);  // sampled at every chunk of the 50 MiB
  EXPECT_LT(ctx.peak_rss_ - before, 20L << 20) << "RSS grew by " << (ctx.peak_rss_ - before);
}

// A Python standard-library file server for `dir`, on a free port.
class FileServer {
 public:
  explicit FileServer(const std::string& dir) {
    const std::string script =
        "import functools, http.server, sys\n"
        "h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])\n"
        "h.func.log_message = lambda *a: None\n"
        "s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), h)\n"
        "print(s.server_address[1], flush=True)\n"
        "s.serve_forever()\n";
    pid_ = SpawnPortPrinter({"python3", "-c", script, dir}, "the file server printed no port",
                            &port_);
  }
  ~FileServer() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  std::string Url(const std::string& name) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + name;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

TEST(CsvStreamTest, ReadsTheInputOverHttp) {
  CsvTempDir dir;
  dir.Write("p.csv", "sku,qty\nABC-1,1\nABC-2,x\n");
  FileServer server(dir.path());
  CsvRun run = RunCsv("csv.validate", CsvPayload(server.Url("p.csv")), dir);
  ASSERT_TRUE(run.result.ok()) << run.result.status().ToString();
  json::object report = run.Report();
  EXPECT_EQ(report["rows"], 2);
  EXPECT_EQ(report["invalid_rows"], 1);
  EXPECT_EQ(report["input_uri"].as_string(), server.Url("p.csv"));

  CsvRun missing = RunCsv("csv.validate", CsvPayload(server.Url("nope.csv")), dir);
  ASSERT_FALSE(missing.result.ok());
  EXPECT_EQ(missing.result.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(missing.result.status().message().find("404"), std::string::npos);
}

TEST(CsvStreamTest, HttpInputIsCancellableToo) {
  CsvTempDir dir;
  WriteBigFile(dir, 20);
  FileServer server(dir.path());
  ProbeContext ctx(CsvPayload(server.Url("big.csv")), dir.path() + "/artifacts", 20);
  Result<std::string> r = RunProbe("csv.validate", ctx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled) << r.status().ToString();
}

}  // namespace
}  // namespace conveyor
