// LogCapture: a test fixture that takes every log line (through log::TEST_SetLineSink) and
// hands them back parsed. Lines reach the sink on the log's writer thread; Lines() flushes first.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <mutex>
#include <string>
#include <vector>

#include "observability/log.h"

namespace conveyor {

// The string at `key` in `line`; "<absent>" or "<not a string>" otherwise.
inline std::string Text(const boost::json::object& line, std::string_view key) {
  const boost::json::value* v = line.if_contains(key);
  if (v == nullptr) return "<absent>";
  if (!v->is_string()) return "<not a string>";
  return std::string(v->get_string());
}

class LogCapture : public ::testing::Test {
 public:
  // What the sink has so far, without waiting for queued lines.
  std::vector<std::string> Captured() {
    std::lock_guard<std::mutex> lock(mu_);
    return raw_;
  }

 protected:
  void SetUp() override {
    log::Flush();  // lines of an earlier test are not ours
    log::SetLevel(log::Level::kInfo);
    log::TEST_SetLineSink([this](std::string_view line) {
      std::lock_guard<std::mutex> lock(mu_);
      raw_.emplace_back(line);
    });
  }
  void TearDown() override {
    log::Flush();
    log::TEST_SetLineSink({});
    log::SetLevel(log::Level::kInfo);
  }

  // Every line written since SetUp, as written.
  std::vector<std::string> RawLines() {
    log::Flush();
    return Captured();
  }

  // Every line written since SetUp, each parsed as one JSON object (a test failure if not).
  std::vector<boost::json::object> Lines() {
    std::vector<boost::json::object> out;
    for (const std::string& line : RawLines()) {
      boost::system::error_code ec;
      boost::json::value v = boost::json::parse(line, ec);
      EXPECT_FALSE(ec) << "not JSON: " << line;
      EXPECT_TRUE(v.is_object()) << "not a JSON object: " << line;
      if (!ec && v.is_object()) out.push_back(std::move(v.as_object()));
    }
    return out;
  }

  // The one line whose event is `event` (a test failure unless exactly one).
  boost::json::object Only(std::string_view event) {
    std::vector<boost::json::object> found;
    for (auto& line : Lines()) {
      if (Text(line, "event") == event) found.push_back(line);
    }
    EXPECT_EQ(found.size(), 1u) << "lines with event " << event;
    return found.empty() ? boost::json::object{} : found.front();
  }

 private:
  std::mutex mu_;
  std::vector<std::string> raw_;  // guarded by mu_
};

}  // namespace conveyor
