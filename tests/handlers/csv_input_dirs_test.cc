// Local inputs only from the input directories, and artifacts only from the job's own
// directory (issue 8 finding 2: a csv.correct job read /proc/self/environ and /etc/shadow).
// Real files, directories and symbolic links under a temp directory.
#include "handlers/csv/csv_input_dirs.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "handlers/artifact_file.h"
#include "handlers/csv_test_util.h"

namespace conveyor {
namespace {

namespace fs = std::filesystem;

// <tmp>/inputs (the input dir) with ok.csv, and <tmp>/secret.csv outside it.
struct Dirs {
  CsvTempDir tmp;
  std::string inputs = tmp.path() + "/inputs";
  CsvInputDirs dirs{{inputs}};
  Dirs() {
    fs::create_directories(inputs);
    tmp.Write("inputs/ok.csv", "a\n1\n");
    tmp.Write("secret.csv", "password\nhunter2\n");
  }
};

Status Opened(const CsvInputDirs& dirs, const std::string& path) {
  Result<int> fd = dirs.OpenInput(path);
  if (fd.ok()) close(*fd);
  return fd.status();
}

TEST(CsvInputDirsTest, CsvInputRefusesPathOutsideInputDirs) {
  Dirs d;
  EXPECT_TRUE(d.dirs.IsUnder(d.inputs + "/ok.csv"));
  EXPECT_TRUE(Opened(d.dirs, d.inputs + "/ok.csv").ok());
  for (const std::string& p : {d.tmp.path() + "/secret.csv", std::string("/proc/self/environ"),
                               std::string("/etc/shadow"), d.inputs, d.inputs + "x/ok.csv"}) {
    EXPECT_FALSE(d.dirs.IsUnder(p)) << p;
    EXPECT_EQ(Opened(d.dirs, p).code(), StatusCode::kFailedPrecondition) << p;
  }
  EXPECT_FALSE(CsvInputDirs().IsUnder(d.inputs + "/ok.csv"));  // none configured: none allowed
}

TEST(CsvInputDirsTest, CsvInputRefusesDotDotEscape) {
  Dirs d;
  const std::string escape = d.inputs + "/../secret.csv";
  EXPECT_FALSE(d.dirs.IsUnder(escape));
  EXPECT_FALSE(d.dirs.IsUnder(d.inputs + "/../../../../proc/self/environ"));
  EXPECT_EQ(Opened(d.dirs, escape).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(d.dirs.IsUnder(d.inputs + "/sub/../ok.csv"));  // stays inside: fine
}

TEST(CsvInputDirsTest, CsvInputRefusesSymlinkEscape) {
  Dirs d;
  fs::create_symlink(d.tmp.path() + "/secret.csv", d.inputs + "/link.csv");
  fs::create_directory_symlink(d.tmp.path(), d.inputs + "/up");
  fs::create_symlink("/proc/self/environ", d.inputs + "/env");
  // Lexically inside, so accepted at submit; refused when opened.
  ASSERT_TRUE(d.dirs.IsUnder(d.inputs + "/up/secret.csv"));
  for (const char* name : {"/link.csv", "/up/secret.csv", "/env"}) {
    Status s = Opened(d.dirs, d.inputs + name);
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << name;
    EXPECT_EQ(s.message().find("hunter2"), std::string::npos);
  }
}

TEST(CsvInputDirsTest, CsvJobOutsideInputDirsIsRefusedAtSubmitAndFailsPermanentlyAtRun) {
  Dirs d;
  CsvRun run = RunCsv("csv.correct", CsvPayload(d.inputs + "/ok.csv"), d.tmp);  // tmp is allowed
  EXPECT_TRUE(run.result.ok()) << run.result.status().ToString();
  HandlerRegistry registry;
  RegisterCsvHandlers(registry, {}, {.dirs = d.dirs});
  Handler* h = registry.Find("csv.correct");
  for (const std::string& uri :
       {std::string("/proc/self/environ"), std::string("file:///etc/shadow"),
        "file://" + d.tmp.path() + "/secret.csv"}) {
    const std::string payload = R"({"input_uri": ")" + uri + R"(", "delimiter": "|"})";
    Status s = h->ValidatePayload(MustParseJson(payload));
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << uri;
    EXPECT_NE(s.message().find("input directories"), std::string::npos) << s.message();
    TestContext ctx(payload);
    ctx.artifact_root = d.tmp.path() + "/artifacts";
    Result<std::string> r = h->Run(ctx);  // as if the check at submit had been skipped
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << uri;
  }
}

TEST(ArtifactFileTest, ArtifactServedOnlyFromJobDirectory) {
  CsvTempDir tmp;
  const std::string root = tmp.path() + "/artifacts";
  fs::create_directories(root + "/job1");
  tmp.Write("artifacts/job1/report.json", "{}");
  tmp.Write("secret.txt", "hunter2");
  fs::create_symlink(tmp.path() + "/secret.txt", root + "/job1/link.json");
  fs::create_directory_symlink(tmp.path(), root + "/job2");
  Result<int> ok = OpenArtifactFile(root, "job1", "report.json");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  close(*ok);
  const std::pair<const char*, const char*> refused[] = {
      {"job1", "link.json"}, {"job2", "secret.txt"}, {"job1", "../../secret.txt"},
      {"..", "secret.txt"},  {"job1", ".."},         {"job1", "missing.json"}};
  for (const auto& [job, name] : refused) {
    Result<int> fd = OpenArtifactFile(root, job, name);
    EXPECT_EQ(fd.status().code(), StatusCode::kNotFound) << job << "/" << name;
    if (fd.ok()) close(*fd);
  }
}

}  // namespace
}  // namespace conveyor
