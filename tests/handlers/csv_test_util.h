// Helpers for the csv.* tests: a temp directory per test, files in it, a rule set with one
// column of every kind, and running a CSV job handler on a TestContext whose artifacts land in
// the temp directory. Test-only.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "handlers/csv/csv_handlers.h"
#include "handlers/test_context.h"

namespace conveyor {

// {"columns": [...]} with sku (required, unique, regex), qty (int, min 0), price (decimal,
// 0..1000), released (date), status (enum), title (length 2..10).
inline constexpr const char* kProductRules = R"({"columns": [
  {"name": "sku", "required": true, "unique": true, "type": "regex", "pattern": "[A-Z]{3}-[0-9]+"},
  {"name": "qty", "type": "int", "min": 0},
  {"name": "price", "type": "decimal", "min": 0, "max": 1000},
  {"name": "released", "type": "date"},
  {"name": "status", "type": "enum", "values": ["active", "paused"]},
  {"name": "title", "min_length": 2, "max_length": 10}]})";

class CsvTempDir {
 public:
  CsvTempDir() {
    char tmpl[] = "/tmp/conveyor-csv-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~CsvTempDir() {
    std::error_code ec;  // best effort: a leftover temp dir fails nothing
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& content) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

 private:
  std::string path_;
};

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline boost::json::value MustParseJson(const std::string& text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  EXPECT_FALSE(ec) << text.substr(0, 200);
  return v;
}

// A payload for csv.validate/csv.correct with the product rules inline.
inline std::string CsvPayload(const std::string& input_uri, const std::string& extra = "",
                              const std::string& rules = kProductRules) {
  return R"({"input_uri": ")" + input_uri + R"(", "ruleset": )" + rules + extra + "}";
}

// Runs `type` ("csv.validate" | "csv.correct") with `payload`; artifacts go under `dir`.
struct CsvRun {
  Result<std::string> result = Status::Internal("not run");
  std::string artifact_dir;  // <dir>/<job id>
  std::string result_ref;
  std::vector<double> progress;

  boost::json::object ResultJson() const { return MustParseJson(*result).as_object(); }
  boost::json::object Report() const {
    return MustParseJson(ReadWholeFile(artifact_dir + "/report.json")).as_object();
  }
};

inline CsvRun RunCsv(const std::string& type, const std::string& payload, const CsvTempDir& dir,
                     const CsvRuleSets& named = {}) {
  HandlerRegistry registry;
  RegisterCsvHandlers(registry, named, {.dirs = CsvInputDirs({dir.path()})});  // the input dir
  Handler* h = registry.Find(type);
  EXPECT_NE(h, nullptr);
  TestContext ctx(payload);
  ctx.artifact_root = dir.path() + "/artifacts";
  EXPECT_TRUE(h->ValidatePayload(MustParseJson(payload)).ok());
  CsvRun run;
  run.result = h->Run(ctx);
  run.artifact_dir = ctx.artifact_root + "/" + ctx.job().id;
  run.result_ref = ctx.result_ref;
  run.progress = ctx.progress;
  return run;
}

}  // namespace conveyor
