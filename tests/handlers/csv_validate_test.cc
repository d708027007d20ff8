// csv.validate end to end through the handler: good and broken files, every rule type in the
// report, auto_fix, malformed CSV, payload errors, max_errors, named rule sets.
#include <gtest/gtest.h>

#include <string>

#include "handlers/csv_test_util.h"

namespace conveyor {
namespace {

namespace json = boost::json;

constexpr const char* kGood =
    "sku,qty,price,released,status,title\n"
    "ABC-1,10,12.50,2024-01-31,active,Mug\n"
    "ABC-2,0,0,2024-02-29,paused,\"Tea, green\"\n"
    "ABC-3,,999.99,,active,Pot\n";

// One row per rule broken, in column order; row 8 has a missing field.
constexpr const char* kBroken =
    "sku,qty,price,released,status,title\n"
    "abc-1,1,1,2024-01-01,active,Mug\n"          // 1 regex
    "ABC-2,x,1,2024-01-01,active,Mug\n"          // 2 int
    "ABC-3,-1,1,2024-01-01,active,Mug\n"         // 3 min
    "ABC-4,1,\"1,5\",2024-01-01,active,Mug\n"    // 4 decimal
    "ABC-5,1,1,31/01/2024,active,Mug\n"          // 5 date
    "ABC-6,1,1,2024-01-01,ACTIVE,Mug\n"          // 6 enum
    "ABC-7,1,1,2024-01-01,active,M\n"            // 7 min_length
    "ABC-8,1,1,2024-01-01,active\n"              // 8 columns
    "ABC-2,1,1,2024-01-01,active,Mug\n"          // 9 unique (ABC-2 again)
    ",1,1,2024-01-01,active,Mug\n"               // 10 required
    "ABC-11,1,1001,2024-01-01,active,Mug\n"      // 11 max
    "ABC-12,1,1,2024-01-01,active,Much too long\n";  // 12 max_length

TEST(CsvValidateTest, GoodFileIsValid) {
  CsvTempDir dir;
  const std::string in = dir.Write("good.csv", kGood);
  CsvRun run = RunCsv("csv.validate", CsvPayload(in), dir);
  ASSERT_TRUE(run.result.ok()) << run.result.status().ToString();
  json::object r = run.ResultJson();
  EXPECT_EQ(r["rows"], 3);
  EXPECT_EQ(r["valid_rows"], 3);
  EXPECT_EQ(r["invalid_rows"], 0);
  EXPECT_EQ(r["valid"], true);
  EXPECT_EQ(r["artifact"], "report.json");
  EXPECT_EQ(run.result_ref, "report.json");
  json::object report = run.Report();
  EXPECT_EQ(report["error_count"], 0);
  EXPECT_EQ(report["header"].as_array().size(), 6u);
  EXPECT_EQ(report["bytes"], std::string(kGood).size());
  ASSERT_FALSE(run.progress.empty());
  EXPECT_EQ(run.progress.back(), 100);
}

TEST(CsvValidateTest, BrokenFileReportsEveryRuleByRowAndColumn) {
  CsvTempDir dir;
  CsvRun run = RunCsv("csv.validate", CsvPayload(dir.Write("broken.csv", kBroken)), dir);
  ASSERT_TRUE(run.result.ok()) << run.result.status().ToString();
  json::object report = run.Report();
  EXPECT_EQ(report["rows"], 12);
  EXPECT_EQ(report["invalid_rows"], 12);
  EXPECT_EQ(report["valid_rows"], 0);
  EXPECT_EQ(report["valid"], false);
  const std::pair<const char*, const char*> expected[] = {
      {"regex", "sku"},    {"int", "qty"},          {"min", "qty"},     {"decimal", "price"},
      {"date", "released"}, {"enum", "status"},     {"min_length", "title"}, {"columns", ""},
      {"unique", "sku"},   {"required", "sku"},     {"max", "price"},   {"max_length", "title"}};
  const json::array& errors = report["errors"].as_array();
  ASSERT_EQ(errors.size(), 12u) << json::serialize(errors);
  for (uint64_t row = 1; row <= 12; ++row) {
    const json::object& e = errors[row - 1].as_object();
    EXPECT_EQ(e.at("row"), row);
    EXPECT_EQ(e.at("rule"), expected[row - 1].first) << json::serialize(e);
    EXPECT_EQ(e.at("column"), expected[row - 1].second) << json::serialize(e);
  }
  EXPECT_EQ(report["errors_by_rule"].as_object().at("regex"), 1);
  EXPECT_EQ(report["errors_by_column"].as_object().at("sku"), 3);
  EXPECT_EQ(report["error_count"], 12);
}

TEST(CsvValidateTest, MaxErrorsCapsTheListNotTheCount) {
  CsvTempDir dir;
  CsvRun run =
      RunCsv("csv.validate", CsvPayload(dir.Write("b.csv", kBroken), R"(, "max_errors": 3)"), dir);
  ASSERT_TRUE(run.result.ok());
  json::object report = run.Report();
  EXPECT_EQ(report["errors"].as_array().size(), 3u);
  EXPECT_EQ(report["error_count"], 12);
  EXPECT_EQ(report["errors_truncated"], true);
}

TEST(CsvValidateTest, AutoFixChecksFixedValuesAndWritesTheCorrectedFile) {
  CsvTempDir dir;
  const std::string in = dir.Write("fixable.csv",
                                   "sku,qty,price,released,status,title\n"
                                   " ABC-1 ,\"1.234\",\"1,5\",31/01/2024,ACTIVE,Mug\n");
  CsvRun run = RunCsv("csv.validate", CsvPayload(in, R"(, "auto_fix": true)"), dir);
  ASSERT_TRUE(run.result.ok()) << run.result.status().ToString();
  json::object r = run.ResultJson();
  EXPECT_EQ(r["valid"], true) << ReadWholeFile(run.artifact_dir + "/report.json");
  EXPECT_EQ(r["fixed_cells"], 5);
  EXPECT_EQ(r["artifacts"].as_array().size(), 2u);
  EXPECT_EQ(ReadWholeFile(run.artifact_dir + "/corrected.csv"),
            "sku,qty,price,released,status,title\nABC-1,1234,1.5,2024-01-31,active,Mug\n");
}

TEST(CsvValidateTest, MissingRequiredColumnIsAFileError) {
  CsvTempDir dir;
  CsvRun run = RunCsv("csv.validate", CsvPayload(dir.Write("m.csv", "qty,title\n1,Mug\n")), dir);
  ASSERT_TRUE(run.result.ok());
  json::object report = run.Report();
  EXPECT_EQ(report["valid"], false);
  EXPECT_EQ(report["file_errors"].as_array().at(0), "missing required column \"sku\"");
  EXPECT_EQ(report["valid_rows"], 1);  // the rows themselves pass what can be checked
}

TEST(CsvValidateTest, MalformedCsvIsReportedNotAFailedJob) {
  CsvTempDir dir;
  CsvRun run = RunCsv("csv.validate",
                      CsvPayload(dir.Write("q.csv", "sku,title\nABC-1,\"x\"y\nABC-2,z\n")), dir);
  ASSERT_TRUE(run.result.ok()) << run.result.status().ToString();
  json::object report = run.Report();
  EXPECT_EQ(report["valid"], false);
  const std::string msg(report["file_errors"].as_array().at(0).as_string());
  EXPECT_NE(msg.find("malformed CSV at byte"), std::string::npos) << msg;
}

TEST(CsvValidateTest, EmptyFileHasNoHeader) {
  CsvTempDir dir;
  CsvRun run = RunCsv("csv.validate", CsvPayload(dir.Write("e.csv", "")), dir);
  ASSERT_TRUE(run.result.ok());
  EXPECT_EQ(run.Report()["valid"], false);
}

TEST(CsvValidateTest, MissingInputFailsPermanently) {
  CsvTempDir dir;
  CsvRun run = RunCsv("csv.validate", CsvPayload(dir.path() + "/nope.csv"), dir);
  ASSERT_FALSE(run.result.ok());
  EXPECT_EQ(run.result.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(run.result.status().message().find("nope.csv"), std::string::npos);
}

TEST(CsvValidateTest, NoArtifactDirectoryFailsClearly) {
  HandlerRegistry registry;
  RegisterCsvHandlers(registry, {}, {.dirs = CsvInputDirs({"/tmp"})});
  TestContext ctx(CsvPayload("/tmp/x.csv"));  // no artifact_root
  Result<std::string> r = registry.Find("csv.validate")->Run(ctx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
}

TEST(CsvValidateTest, SeedClientsRelativePathAndNoRuleSetMeanTheInputDirAndDefault) {
  // Seed 003's own example: {"input_uri": "test.csv", "marketplace": ...}, no rule set.
  HandlerRegistry registry;
  RegisterCsvHandlers(registry, {}, {.dirs = CsvInputDirs({"/srv/inputs", "/tmp"})});
  Handler* h = registry.Find("csv.validate");
  EXPECT_TRUE(h->ValidatePayload(json::parse(R"({"input_uri": "test.csv"})")).ok());
  EXPECT_TRUE(h->ValidatePayload(json::parse(R"({"input_uri": "sub/test.csv"})")).ok());
  EXPECT_FALSE(h->ValidatePayload(json::parse(R"({"input_uri": "../etc/passwd"})")).ok());
  EXPECT_EQ(CsvInputDirs({"/srv/inputs", "/tmp"}).Resolve("test.csv"), "/srv/inputs/test.csv");
  EXPECT_EQ(CsvInputDirs({"/srv/inputs"}).Resolve("/tmp/a.csv"), "/tmp/a.csv");
}

TEST(CsvValidateTest, PayloadErrorsNameTheField) {
  HandlerRegistry registry;
  CsvRuleSets named;
  named["products"] = ParseCsvRuleSet(json::parse(kProductRules), "x").value();
  // "/" as the input directory: these cases are about the other fields
  RegisterCsvHandlers(registry, named, {.dirs = CsvInputDirs({"/"})});
  Handler* h = registry.Find("csv.validate");
  const std::pair<std::string, std::string> cases[] = {
      {R"({})", "payload.input_uri is required"},
      {R"({"input_uri": "ftp://x/y.csv", "ruleset": "products"})", "payload.input_uri must be"},
      {R"({"input_uri": "/a.csv", "ruleset": "nope"})", "unknown; known: products"},
      {R"({"input_uri": "/a.csv", "ruleset": {"columns": []}})", "payload.ruleset.columns"},
      {R"({"input_uri": "/a.csv", "ruleset": "products", "auto_fix": 1})", "payload.auto_fix"},
      {R"({"input_uri": "/a.csv", "ruleset": "products", "max_errors": -1})", "max_errors"},
      {R"({"input_uri": "/a.csv", "ruleset": "products", "delimiter": ",,"})", "delimiter"},
  };
  for (const auto& [payload, expected] : cases) {
    Status s = h->ValidatePayload(json::parse(payload));
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << payload;
    EXPECT_NE(s.message().find(expected), std::string::npos) << payload << " → " << s.message();
  }
  EXPECT_TRUE(h->ValidatePayload(json::parse(R"({"input_uri": "/a.csv", "ruleset": "products"})"))
                  .ok());
  EXPECT_TRUE(
      h->ValidatePayload(json::parse(R"({"input_uri": "https://example.com/a.csv", "ruleset": "products"})"))
          .ok());
}

TEST(CsvValidateTest, NamedRuleSetAndOtherDelimiter) {
  CsvTempDir dir;
  CsvRuleSets named;
  named["products"] = ParseCsvRuleSet(json::parse(kProductRules), "x").value();
  named["products"].name = "products";
  const std::string in = dir.Write("semi.csv", "sku;price\nABC-1;\"1,5\"\n");
  CsvRun run = RunCsv("csv.validate",
                      R"({"input_uri": ")" + in + R"(", "ruleset": "products", "delimiter": ";"})",
                      dir, named);
  ASSERT_TRUE(run.result.ok());
  json::object report = run.Report();
  EXPECT_EQ(report["ruleset"], "products");
  EXPECT_EQ(report["errors_by_rule"].as_object().at("decimal"), 1);
}

}  // namespace
}  // namespace conveyor
