// Each built-in job type's PayloadSchema against its ValidatePayload, on the shared cases of
// payload_schema_cases.json: this test checks ValidatePayload's verdicts, and
// tests/web/payload_schemas.mjs checks the schema's verdicts (a real JSON Schema validator) on
// the same payloads, so the two agree wherever a case says what should happen.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "handlers/handler_registry.h"
#include "handlers/report_handler.h"
#include "store/store_factory.h"

namespace conveyor {
namespace {

namespace json = boost::json;

json::object MustReadCases() {
  std::ifstream in(std::string(CONVEYOR_SOURCE_DIR) + "/tests/handlers/payload_schema_cases.json");
  std::stringstream text;
  text << in.rdbuf();
  json::value v = json::parse(text.str());
  json::object cases = v.as_object();
  cases.erase("//");
  return cases;
}

class PayloadSchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::filesystem::temp_directory_path() /
          ("payload_schema_" + std::to_string(::getpid()) + ".db");
    auto store = OpenStore("sqlite:" + db_.string());
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(store).value();
    ASSERT_TRUE(RegisterBuiltinHandlers(registry_).ok());
    ASSERT_TRUE(RegisterReportHandler(registry_, *store_, *SystemClock::Default()).ok());
  }
  void TearDown() override {
    store_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db_.string() + suffix);
  }

  std::filesystem::path db_;
  std::unique_ptr<Store> store_;
  HandlerRegistry registry_;
};

TEST_F(PayloadSchemaTest, EveryBuiltinTypeHasCases) {
  const json::object cases = MustReadCases();
  std::vector<std::string> with_cases;
  for (const auto& [type, _] : cases) with_cases.emplace_back(type);
  std::sort(with_cases.begin(), with_cases.end());
  EXPECT_EQ(with_cases, registry_.Types());
}

TEST_F(PayloadSchemaTest, EverySchemaIsAJsonObject) {
  for (const std::string& type : registry_.Types()) {
    json::error_code ec;
    const json::value schema = json::parse(registry_.Find(type)->PayloadSchema(), ec);
    EXPECT_FALSE(ec) << type << ": " << ec.message();
    EXPECT_TRUE(schema.is_object()) << type;
  }
}

TEST_F(PayloadSchemaTest, ValidatePayloadAgreesWithTheCases) {
  for (const auto& [type, c] : MustReadCases()) {
    const Handler* h = registry_.Find(type);
    ASSERT_NE(h, nullptr) << type;
    const json::object& both = c.as_object();
    ASSERT_FALSE(both.at("accept").as_array().empty()) << type;
    ASSERT_FALSE(both.at("reject").as_array().empty()) << type;
    for (const json::value& p : both.at("accept").as_array()) {
      const Status s = h->ValidatePayload(p);
      EXPECT_TRUE(s.ok()) << type << " refused " << json::serialize(p) << ": " << s.message();
    }
    for (const json::value& p : both.at("reject").as_array()) {
      EXPECT_FALSE(h->ValidatePayload(p).ok()) << type << " accepted " << json::serialize(p);
    }
  }
}

}  // namespace
}  // namespace conveyor
