#include "observability/log.h"

#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
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
#include <memory>
#include <mutex>

#include "core/json_escape.h"
#include "core/secret_redaction.h"

namespace conveyor::log {
namespace {

constexpr auto kEscapes = JsonShortEscapes::kNewlineReturnTab;
// Lines the writer's queue holds; past it callers wait (no line is dropped). spdlog keeps a
// slot of ~300 bytes per line ready, so this is ~2.5 MB.
constexpr size_t kQueueLines = 8192;
// Info lines are written in batches of up to this many bytes while more lines wait.
constexpr size_t kBatchBytes = 64 << 10;
constexpr auto kFlushWait = std::chrono::seconds(5);

// Where formatted lines go: stderr (fd 2) in batches, or a test's capture. Only the writer
// thread calls sink_it_ and flush_ (and, after Shutdown, callers under base_sink's mutex).
class LineSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit LineSink(std::function<size_t()> backlog) : backlog_(std::move(backlog)) {}

  void SetCapture(std::function<void(std::string_view)> capture) {
    std::lock_guard<std::mutex> lock(mutex_);
    capture_ = std::move(capture);
  }

  // Waits until `ticket` flushes have been written (see Flush()).
  void WaitFlushed(uint64_t ticket) {
    std::unique_lock<std::mutex> lock(flushed_mu_);
    flushed_cv_.wait_for(lock, kFlushWait, [&] { return flushed_ >= ticket; });
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const size_t before = buffer_.size();
    formatter_->format(msg, buffer_);
    if (capture_) {
      std::string_view line(buffer_.data() + before, buffer_.size() - before);
      if (line.ends_with('\n')) line.remove_suffix(1);
      capture_(line);
      buffer_.resize(before);
      return;
    }
    // A warning is read by someone now; info lines wait for the batch while more are queued.
    if (msg.level >= spdlog::level::warn || buffer_.size() >= kBatchBytes || backlog_() == 0) {
      WriteOut();
    }
  }

  void flush_() override {
    WriteOut();
    std::lock_guard<std::mutex> lock(flushed_mu_);
    ++flushed_;
    flushed_cv_.notify_all();
  }

 private:
  void WriteOut() {
    const char* p = buffer_.data();
    size_t left = buffer_.size();
    while (left > 0) {
      const ssize_t n = ::write(STDERR_FILENO, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // stderr closed or broken: nowhere to say so
      p += n;
      left -= static_cast<size_t>(n);
    }
    buffer_.clear();
  }

  const std::function<size_t()> backlog_;
  spdlog::memory_buf_t buffer_;
  std::function<void(std::string_view)> capture_;  // guarded by base_sink's mutex_
  std::mutex flushed_mu_;
  std::condition_variable flushed_cv_;
  uint64_t flushed_ = 0;  // guarded by flushed_mu_
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

// The writer thread, its queue, and the logger callers use: the asynchronous one until
// Shutdown(), then a synchronous one on the same sink. Never destroyed: threads may still log
// while the process exits.
struct Backend {
  Backend() {
    // The writer takes no signal: serve waits for SIGTERM with sigwait on its main thread, and
    // a writer started before that thread blocked them must not receive one instead.
    pool = std::make_shared<spdlog::details::thread_pool>(kQueueLines, 1, [] {
      sigset_t all;
      sigfillset(&all);
      pthread_sigmask(SIG_BLOCK, &all, nullptr);
    });
    sink = std::make_shared<LineSink>([p = pool.get()] { return p->queue_size(); });
    SetPattern("");
    async = std::make_shared<spdlog::async_logger>("conveyor", sink, pool,
                                                   spdlog::async_overflow_policy::block);
    sync = std::make_shared<spdlog::logger>("conveyor-sync", sink);
    for (spdlog::logger* l : {static_cast<spdlog::logger*>(async.get()), sync.get()}) {
      l->set_level(spdlog::level::debug);  // the level is ours (g_level), checked before building
    }
    current.store(async.get());
  }

  void SetPattern(std::string_view node) {
    sink->set_formatter(
        std::make_unique<spdlog::pattern_formatter>(Pattern(node), spdlog::pattern_time_type::utc));
  }

  std::shared_ptr<spdlog::details::thread_pool> pool;
  std::shared_ptr<LineSink> sink;
  std::shared_ptr<spdlog::async_logger> async;
  std::shared_ptr<spdlog::logger> sync;
  std::atomic<spdlog::logger*> current{nullptr};
  std::atomic<uint64_t> flush_tickets{0};
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
// '=' comes back unchanged, so ids, types and queues skip its allocation.
void AppendRedacted(std::string& out, std::string_view text) {
  if (text.find_first_of(":=") == std::string_view::npos) {
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
  TheBackend().current.load(std::memory_order_acquire)->log(SpdLevel(level), line.text());
}

void Debug(std::string_view e, std::initializer_list<Field> f) { Log(Level::kDebug, e, f); }
void Info(std::string_view e, std::initializer_list<Field> f) { Log(Level::kInfo, e, f); }
void Warn(std::string_view e, std::initializer_list<Field> f) { Log(Level::kWarn, e, f); }
void Error(std::string_view e, std::initializer_list<Field> f) { Log(Level::kError, e, f); }

void Flush() {
  Backend& b = TheBackend();
  // The writer runs flushes in queue order: once as many flushes are written as were asked for
  // when this one was, one asked after our lines is among them, so our lines are written.
  const uint64_t ticket = b.flush_tickets.fetch_add(1) + 1;
  b.current.load(std::memory_order_acquire)->flush();
  b.sink->WaitFlushed(ticket);
}

void Shutdown() {
  Flush();
  // A line queued by a thread that loaded the asynchronous logger just before this store is
  // still written: the writer thread lives on.
  TheBackend().current.store(TheBackend().sync.get(), std::memory_order_release);
}

void TEST_SetLineSink(std::function<void(std::string_view line)> sink) {
  TheBackend().sink->SetCapture(std::move(sink));
}

}  // namespace conveyor::log
