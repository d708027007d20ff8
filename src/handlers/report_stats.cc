#include "handlers/report_stats.h"

#include <algorithm>
#include <boost/json.hpp>

#include "core/time_format.h"
#include "handlers/csv/csv_writer.h"
#include "handlers/utf8_text.h"
#include "json/json_text.h"

namespace conveyor {
namespace json = boost::json;

namespace {

constexpr size_t kMaxReasonBytes = 200;

json::object CountsJson(const std::map<std::string, uint64_t>& m) {
  json::object out;
  for (const auto& [k, n] : m) out[ValidUtf8(k)] = n;
  return out;
}

json::object PercentilesJson(const JobReportStats::Percentiles& p) {
  return json::object{{"count", p.count}, {"p50", p.p50}, {"p90", p.p90}, {"p99", p.p99},
                      {"max", p.max}};
}

void AddRows(std::string* csv, const char* section, const std::map<std::string, uint64_t>& m) {
  for (const auto& [k, n] : m) AppendCsvRecord(csv, {section, k, std::to_string(n)});
}

void AddPercentileRows(std::string* csv, const char* section, const JobReportStats::Percentiles& p) {
  const std::pair<const char*, int64_t> rows[] = {{"count", static_cast<int64_t>(p.count)},
                                                  {"p50", p.p50}, {"p90", p.p90},
                                                  {"p99", p.p99}, {"max", p.max}};
  for (const auto& [k, v] : rows) AppendCsvRecord(csv, {section, k, std::to_string(v)});
}

}  // namespace

void JobReportStats::Add(const Job& job) {
  ++jobs_;
  ++by_state_[std::string(ToString(job.state))];
  ++by_type_[job.type];
  ++by_queue_[job.queue];
  if (job.started_at && job.finished_at) durations_.push_back(*job.finished_at - *job.started_at);
  if (job.started_at) waits_.push_back(*job.started_at - job.created_at);
  if (job.state != JobState::kFailed || !job.error) return;
  std::string_view e = *job.error;
  if (e.size() > kMaxReasonBytes) {
    // Cut before a character, not inside one.
    size_t n = kMaxReasonBytes;
    while (n > 0 && (static_cast<unsigned char>(e[n]) & 0xC0) == 0x80) --n;
    e = e.substr(0, n);
  }
  std::string reason = ValidUtf8(e);
  auto it = failures_.find(reason);
  if (it != failures_.end()) {
    ++it->second;
  } else if (failures_.size() < kMaxFailureReasons) {
    failures_.emplace(std::move(reason), 1);
  } else {
    ++other_failures_;
  }
}

JobReportStats::Percentiles JobReportStats::Compute(std::vector<int64_t>& values) {
  Percentiles p;
  p.count = values.size();
  if (values.empty()) return p;
  std::sort(values.begin(), values.end());
  const auto rank = [&](int pct) {
    const size_t r = (values.size() * pct + 99) / 100;  // ceil(n * pct / 100), 1-based
    return values[std::max<size_t>(r, 1) - 1];
  };
  p.p50 = rank(50);
  p.p90 = rank(90);
  p.p99 = rank(99);
  p.max = values.back();
  return p;
}

std::vector<std::pair<std::string, uint64_t>> JobReportStats::TopFailures() const {
  std::vector<std::pair<std::string, uint64_t>> top(failures_.begin(), failures_.end());
  if (other_failures_ > 0) top.emplace_back("(other reasons)", other_failures_);
  std::stable_sort(top.begin(), top.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (top.size() > kTopFailures) top.resize(kTopFailures);
  return top;
}

std::string JobReportStats::ToJson() const {
  json::array failures;
  for (const auto& [reason, n] : TopFailures())
    failures.emplace_back(json::object{{"error", reason}, {"count", n}});
  json::object o{{"since", FormatRfc3339(since_)},
                 {"until", FormatRfc3339(until_)},
                 {"generated_at", FormatRfc3339(now_)},
                 {"jobs", jobs_},
                 {"by_state", CountsJson(by_state_)},
                 {"by_type", CountsJson(by_type_)},
                 {"by_queue", CountsJson(by_queue_)},
                 {"duration_ms", PercentilesJson(Compute(durations_))},
                 {"wait_ms", PercentilesJson(Compute(waits_))},
                 {"top_failures", std::move(failures)}};
  return ToJsonText(o);
}

std::string JobReportStats::ToCsv() const {
  std::string csv;
  AppendCsvRecord(&csv, {"section", "key", "value"});
  AppendCsvRecord(&csv, {"period", "since", FormatRfc3339(since_)});
  AppendCsvRecord(&csv, {"period", "until", FormatRfc3339(until_)});
  AppendCsvRecord(&csv, {"summary", "jobs", std::to_string(jobs_)});
  AddRows(&csv, "state", by_state_);
  AddRows(&csv, "type", by_type_);
  AddRows(&csv, "queue", by_queue_);
  AddPercentileRows(&csv, "duration_ms", Compute(durations_));
  AddPercentileRows(&csv, "wait_ms", Compute(waits_));
  for (const auto& [reason, n] : TopFailures())
    AppendCsvRecord(&csv, {"failure", reason, std::to_string(n)});
  return csv;
}

std::string JobReportStats::SummaryJson(const std::vector<std::string>& artifacts) const {
  json::array names;
  for (const std::string& a : artifacts) names.emplace_back(a);
  json::object o{{"jobs", jobs_},
                 {"since", FormatRfc3339(since_)},
                 {"until", FormatRfc3339(until_)},
                 {"by_state", CountsJson(by_state_)},
                 {"duration_ms", PercentilesJson(Compute(durations_))},
                 {"wait_ms", PercentilesJson(Compute(waits_))},
                 {"artifact", artifacts.front()},
                 {"artifacts", std::move(names)}};
  return ToJsonText(o);
}

}  // namespace conveyor
