#include "api/stats_json.h"

#include <array>
#include <string_view>
#include <utility>

#include "api/json_writer.h"

namespace conveyor::api {
namespace {

// A dialect has at most one word per state, in the order its table lists them.
using WordCounts = std::array<std::pair<std::string_view, int64_t>, kJobStateCount>;

size_t CountByWord(const JobStats& stats, Dialect dialect, WordCounts& words) {
  const DialectRules& rules = RulesOf(dialect);
  size_t used = 0;
  for (size_t i = 0; i < rules.status.size(); ++i) {
    const auto it = stats.by_state.find(static_cast<JobState>(i));
    const int64_t n = it == stats.by_state.end() ? 0 : it->second;
    size_t w = 0;
    while (w < used && words[w].first != rules.status[i]) ++w;
    if (w == used) words[used++] = {rules.status[i], 0};
    words[w].second += n;
  }
  return used;
}

void WriteStatusBreakdown(JsonWriter& w, const JobStats& stats, Dialect dialect) {
  WordCounts words;
  const size_t used = CountByWord(stats, dialect, words);
  int64_t total = 0;
  w.Key("status_breakdown").BeginObject();
  for (size_t i = 0; i < used; ++i) {
    w.Key(words[i].first).Int(words[i].second);
    total += words[i].second;
  }
  w.EndObject().Key("total").Int(total);
}

void WriteFailures(JsonWriter& w, const JobStats& stats) {
  w.Key("avg_attempts_for_failed_jobs").Float(stats.avg_failed_attempt);
  w.Key("recent_failures").BeginArray();
  for (const JobFailure& f : stats.recent_failures) {
    w.BeginObject().Key("job_id").String(f.id).Key("type").String(f.type);
    w.Key("error").OptString(f.error).Key("attempts").Int(f.attempt);
    w.Key("failed_at").OptTime(f.finished_at).EndObject();
  }
  w.EndArray();
}

}  // namespace

void AppendStatsJson(const JobStats& stats, const WorkerStats& workers, Dialect dialect,
                     std::string* out) {
  JsonWriter w(out);
  w.BeginObject();
  WriteStatusBreakdown(w, stats, dialect);
  w.Key("type_breakdown").BeginObject();
  for (const auto& [type, n] : stats.by_type) w.Key(type).Int(n);
  w.EndObject();
  WriteFailures(w, stats);
  w.Key("workers").BeginObject();
  w.Key("running").Int(workers.running).Key("completed").Int(workers.completed);
  w.Key("failed_attempts").Int(workers.failed_attempts).EndObject();
  w.EndObject();
}

}  // namespace conveyor::api
