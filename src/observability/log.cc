#include "observability/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/logger.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

#include "core/json_escape.h"
#include "core/secret_redaction.h"

namespace conveyor::log {
namespace {

constexpr auto kEscapes = JsonShortEscapes::kNewlineReturnTab;
// Info lines wait this long at most before the writer thread writes them, all in one write().
// Waking the writer for every line cost a futex wake, a context switch and a write() per line:
// 15 us of CPU per job on a 2-core burn-down, a quarter of the job's whole cost.
constexpr auto kWriteInterval = std::chrono::milliseconds(50);
// Past this much pending text the writer is woken at once.
constexpr size_t kBatchBytes = 64 << 10;
// Past this much (a stderr nobody reads), callers wait for the writer: no line is dropped.
constexpr size_t kMaxPendingBytes = 4 << 20;
constexpr auto kFlushWait = std::chrono::seconds(5);

// Formats each line on the caller's thread (spdlog's pattern formatter, under base_sink's mutex)
// into one pending buffer, which a writer thread writes to stderr every kWriteInterval, at once
// for a warning or error (read by someone now), or when kBatchBytes are pending. After
// Shutdown() callers write their own lines. Never destroyed: threads may log while the process
// exits.
class LineSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  LineSink() {
    std::thread([this] {
      // The writer takes no signal: serve waits for SIGTERM with sigwait on its main thread,
      // and a writer started before that thread blocked them must not receive one instead.
      sigset_t all;
      sigfillset(&all);
      pthread_sigmask(SIG_BLOCK, &all, nullptr);
      WriterLoop();
    }).detach();
  }

  void SetCapture(std::function<void(std::string_view)> capture) {
    std::lock_guard<std::mutex> lock(mutex_);
    capture_ = std::move(capture);
  }

  // Returns once every line formatted before the call is written (or after kFlushWait).
  void FlushPending() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (synchronous_) return;
    const uint64_t ticket = ++flushes_asked_;
    wake_.notify_all();
    written_.wait_for(lock, kFlushWait, [&] { return flushes_done_ >= ticket; });
  }

  // From now on each caller writes its own line at once.
  void BecomeSynchronous() {
    FlushPending();
    std::lock_guard<std::mutex> lock(mutex_);
    synchronous_ = true;
    WriteOut(pending_);
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (capture_) {
      spdlog::memory_buf_t line;
      formatter_->format(msg, line);
      std::string_view text(line.data(), line.size());
      if (text.ends_with('\n')) text.remove_suffix(1);
      capture_(text);
      return;
    }
    // base_sink::log holds mutex_: condition_variable_any waits on it as it is.
    written_.wait(mutex_, [&] { return synchronous_ || pending_.size() < kMaxPendingBytes; });
    formatter_->format(msg, pending_);
    if (synchronous_) {
      WriteOut(pending_);
    } else if (msg.level >= spdlog::level::warn || pending_.size() >= kBatchBytes) {
      urgent_ = true;
      wake_.notify_all();
    }
  }

  void flush_() override {}  // FlushPending() is the flush: it must wait outside mutex_

 private:
  void WriterLoop() {
    spdlog::memory_buf_t out;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait_for(lock, kWriteInterval, [&] { return urgent_ || flushes_asked_ > flushes_done_; });
      urgent_ = false;
      const uint64_t flushes = flushes_asked_;
      std::swap(out, pending_);
      lock.unlock();
      WriteOut(out);
      lock.lock();
      flushes_done_ = flushes;
      written_.notify_all();
    }
  }

  static void WriteOut(spdlog::memory_buf_t& text) {
    const char* p = text.data();
    size_t left = text.size();
    while (left > 0) {
      const ssize_t n = ::write(STDERR_FILENO, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // stderr closed or broken: nowhere to say so
      p += n;
      left -= static_cast<size_t>(n);
    }
    text.clear();
  }

  // All guarded by base_sink's mutex_.
  spdlog::memory_buf_t pending_;
  std::function<void(std::string_view)> capture_;
  std::condition_variable_any wake_;     // the writer: urgent_ or a flush asked
  std::condition_variable_any written_;  // callers: a batch was written
  bool urgent_ = false;
  bool synchronous_ = false;
  uint64_t flushes_asked_ = 0;
  uint64_t flushes_done_ = 0;
};

std::string Pattern(std::string_view node) {
  std::string pattern = R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",)";
  if (!node.empty()) {
    std::string quoted;
    AppendJsonString(quoted, node, kEscapes);
    pattern += "\"node\":";
    for (char c : quoted) pattern.append(c == '%' ? "%%" : std::string_view(&c, 1));
    pattern += ',';
  }
  return pattern + "%v}";
}

// The sink and the one (synchronous) spdlog logger that feeds it. Never destroyed.
struct Backend {
  Backend() : sink(std::make_shared<LineSink>()), logger("conveyor", sink) {
    SetPattern("");
    logger.set_level(spdlog::level::debug);  // the level is ours (g_level), checked before building
  }

  void SetPattern(std::string_view node) {
    sink->set_formatter(
        std::make_unique<spdlog::pattern_formatter>(Pattern(node), spdlog::pattern_time_type::utc));
  }

  std::shared_ptr<LineSink> sink;
  spdlog::logger logger;
};

Backend& TheBackend() {
  static Backend* backend = [] {
    auto* b = new Backend();
    std::atexit([] { Shutdown(); });
    return b;
  }();
  return *backend;
}

std::atomic<Level> g_level{Level::kInfo};

spdlog::level::level_enum SpdLevel(Level level) {
  switch (level) {
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
  }
  return spdlog::level::err;
}

// RedactSecrets masks only URL userinfo ("://") and key=value pairs: text with neither ':' nor
// '=' comes back unchanged, so ids, types and queues skip its allocation. (Two memchr scans:
// find_first_of(":=") costs a call per byte, a third of a job transition's line.)
void AppendRedacted(std::string& out, std::string_view text) {
  if (std::memchr(text.data(), ':', text.size()) == nullptr &&
      std::memchr(text.data(), '=', text.size()) == nullptr) {
    AppendJsonString(out, text, kEscapes);
  } else {
    AppendJsonString(out, RedactSecrets(text), kEscapes);
  }
}

void Log(Level level, std::string_view event, std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  Line line(event);
  for (const Field& f : fields) line.Add(f);
  Write(level, line);
}

}  // namespace

std::optional<Level> ParseLevel(std::string_view name) {
  if (name == "debug") return Level::kDebug;
  if (name == "info") return Level::kInfo;
  if (name == "warn" || name == "warning") return Level::kWarn;
  if (name == "error") return Level::kError;
  return std::nullopt;
}

Line::Line(std::string_view event, size_t reserve) {
  text_.reserve(reserve);
  text_ += "\"event\":";
  AppendJsonString(text_, event, kEscapes);
}

Line& Line::Str(std::string_view key, std::string_view value) {
  text_ += ',';
  AppendJsonString(text_, key, kEscapes);
  text_ += ':';
  // A net under the callers' own redaction: no URL password or password=… reaches a log.
  AppendRedacted(text_, value);
  return *this;
}

Line& Line::Int(std::string_view key, int64_t value) {
  text_ += ',';
  AppendJsonString(text_, key, kEscapes);
  text_ += ':';
  std::array<char, 24> digits;
  const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
  text_.append(digits.data(), end);
  return *this;
}

Line& Line::Number(std::string_view key, double value) {
  text_ += ',';
  AppendJsonString(text_, key, kEscapes);
  text_ += ':';
  if (!std::isfinite(value)) {
    text_ += "null";
    return *this;
  }
  std::array<char, 32> digits;  // the shortest text that reads back as the same double
  const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
  text_.append(digits.data(), end);
  return *this;
}

Line& Line::Seconds(std::string_view key, double seconds) {
  const double micros = seconds * 1e6;
  if (!std::isfinite(micros) || std::fabs(micros) >= 9e18) return Number(key, seconds);
  text_ += ',';
  AppendJsonString(text_, key, kEscapes);
  text_ += ':';
  int64_t us = std::llround(micros);
  if (us < 0) {
    text_ += '-';
    us = -us;
  }
  std::array<char, 24> digits;
  const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), us / 1'000'000).ptr;
  text_.append(digits.data(), end);
  char fraction[7] = {'.', '0', '0', '0', '0', '0', '0'};
  for (int64_t rest = us % 1'000'000, i = 6; i > 0; --i, rest /= 10) {
    fraction[i] = static_cast<char>('0' + rest % 10);
  }
  text_.append(fraction, sizeof fraction);
  return *this;
}

Line& Line::Add(const Field& f) {
  switch (f.kind_) {
    case Field::Kind::kText: return Str(f.key_, f.text_);
    case Field::Kind::kInt: return Int(f.key_, f.int_);
    case Field::Kind::kDouble: return Number(f.key_, f.double_);
  }
  return *this;
}

void Init(Level level) {
  SetLevel(level);
  TheBackend();
}

void SetLevel(Level level) { g_level.store(level, std::memory_order_relaxed); }

bool Enabled(Level level) { return level >= g_level.load(std::memory_order_relaxed); }

void SetNode(std::string_view node) { TheBackend().SetPattern(node); }

void Write(Level level, const Line& line) {
  TheBackend().logger.log(SpdLevel(level), line.text());
}

void Debug(std::string_view e, std::initializer_list<Field> f) { Log(Level::kDebug, e, f); }
void Info(std::string_view e, std::initializer_list<Field> f) { Log(Level::kInfo, e, f); }
void Warn(std::string_view e, std::initializer_list<Field> f) { Log(Level::kWarn, e, f); }
void Error(std::string_view e, std::initializer_list<Field> f) { Log(Level::kError, e, f); }

void Flush() { TheBackend().sink->FlushPending(); }

void Shutdown() { TheBackend().sink->BecomeSynchronous(); }

void TEST_SetLineSink(std::function<void(std::string_view line)> sink) {
  TheBackend().sink->SetCapture(std::move(sink));
}

}  // namespace conveyor::log
