#include "observability/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>

#include "core/json_escape.h"
#include "core/secret_redaction.h"

namespace conveyor::log {
namespace {

std::atomic<bool> g_debug{false};

std::shared_ptr<spdlog::logger> Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = std::make_shared<spdlog::logger>(
        "conveyor", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    // The timestamp and level come from spdlog; the rest of the object is ours.
    l->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})", spdlog::pattern_time_type::utc);
    l->set_level(spdlog::level::debug);
    l->flush_on(spdlog::level::warn);
    return l;
  }();
  return logger;
}

void Write(spdlog::level::level_enum level, std::string_view event,
           std::initializer_list<Field> fields) {
  constexpr auto kEscapes = JsonShortEscapes::kNewlineReturnTab;
  std::string line = "\"event\":";
  AppendJsonString(line, event, kEscapes);
  for (const auto& [k, v] : fields) {
    line += ',';
    AppendJsonString(line, k, kEscapes);
    line += ':';
    // A net under the callers' own redaction: no URL password or password=… reaches a log.
    AppendJsonString(line, RedactSecrets(v), kEscapes);
  }
  Logger()->log(level, line);
}

}  // namespace

void Init(bool debug) {
  g_debug = debug;
  Logger();
}
bool DebugEnabled() { return g_debug.load(std::memory_order_relaxed); }
void Debug(std::string_view e, std::initializer_list<Field> f) {
  if (DebugEnabled()) Write(spdlog::level::debug, e, f);
}
void Info(std::string_view e, std::initializer_list<Field> f) { Write(spdlog::level::info, e, f); }
void Warn(std::string_view e, std::initializer_list<Field> f) { Write(spdlog::level::warn, e, f); }
void Error(std::string_view e, std::initializer_list<Field> f) { Write(spdlog::level::err, e, f); }

}  // namespace conveyor::log
