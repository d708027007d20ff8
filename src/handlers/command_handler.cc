#include "handlers/command_handler.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <utility>

#include "json/json_text.h"

namespace conveyor {
namespace json = boost::json;

namespace {

using Clock = std::chrono::steady_clock;

// How often a running command looks at the cancel flag: the latency of a cancel.
constexpr int kPollMs = 20;
constexpr size_t kNotJsonPreview = 200;
constexpr int kMaxCommandTimeoutS = 7 * 24 * 3600;

// ---- the commands file ----

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 100) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

// Builds "<file>: commands.<name>.<field> <problem>".
struct FieldError {
  const std::string& file;
  std::string prefix;
  Status operator()(std::string_view field, std::string_view problem) const {
    return Status::InvalidArgument(file + ": " + prefix + std::string(field) + " " +
                                   std::string(problem));
  }
};

Status ReadStringList(const json::value& v, std::vector<std::string>& out, const FieldError& err) {
  if (!v.is_array()) return err("args", "must be an array of strings");
  for (const json::value& a : v.get_array()) {
    if (!a.is_string()) return err("args", "must be an array of strings");
    out.emplace_back(a.get_string());
  }
  return Status::Ok();
}

Status ReadEnv(const json::value& v, std::map<std::string, std::string>& out,
               const FieldError& err) {
  if (!v.is_object()) return err("env", "must be an object of string values");
  for (const auto& [key, val] : v.get_object()) {
    const std::string k(key);
    if (k.empty() || k.find('=') != std::string::npos || k.find('\0') != std::string::npos)
      return err("env", "has a bad variable name '" + k + "'");
    if (!val.is_string()) return err("env." + k, "must be a string");
    out[k] = std::string(val.get_string());
  }
  return Status::Ok();
}

Status ReadInt(const json::value& v, std::string_view field, int64_t lo, int64_t hi, int64_t& out,
               const FieldError& err) {
  const std::string range =
      "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
  if (v.is_int64()) {
    out = v.get_int64();
  } else if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(hi)) {
    out = static_cast<int64_t>(v.get_uint64());
  } else {
    return err(field, range);
  }
  if (out < lo || out > hi) return err(field, range);
  return Status::Ok();
}

Status ReadExecutable(const json::object& obj, CommandSpec& spec, const FieldError& err) {
  const json::value* exe = obj.if_contains("executable");
  if (exe == nullptr) return err("executable", "is required: an absolute path");
  if (!exe->is_string() || !exe->get_string().starts_with("/"))
    return err("executable", "must be an absolute path");
  spec.executable = std::string(exe->get_string());
  if (access(spec.executable.c_str(), X_OK) != 0)
    return err("executable", "(" + spec.executable + ") is not an executable file");
  return Status::Ok();
}

Status ReadField(std::string_view key, const json::value& v, CommandSpec& spec,
                 const FieldError& err) {
  int64_t n = 0;
  if (key == "executable") return Status::Ok();  // read first, by ReadExecutable
  if (key == "args") return ReadStringList(v, spec.args, err);
  if (key == "env") return ReadEnv(v, spec.env, err);
  if (key == "working_dir") {
    if (!v.is_string() || !v.get_string().starts_with("/"))
      return err("working_dir", "must be an absolute path");
    spec.working_dir = std::string(v.get_string());
    return Status::Ok();
  }
  if (key == "timeout_s") {
    if (Status s = ReadInt(v, key, 0, kMaxCommandTimeoutS, n, err); !s.ok()) return s;
    spec.timeout_s = static_cast<int>(n);
    return Status::Ok();
  }
  if (key == "max_output_bytes") {
    if (Status s = ReadInt(v, key, 1, int64_t{1} << 30, n, err); !s.ok()) return s;
    spec.max_output_bytes = static_cast<size_t>(n);
    return Status::Ok();
  }
  return err(key,
             "is not a known field (executable, args, env, working_dir, timeout_s, "
             "max_output_bytes)");
}

Result<CommandSpec> ReadCommand(const std::string& file, std::string_view name,
                                const json::value& v) {
  FieldError err{file, "commands." + std::string(name) + "."};
  if (!ValidName(name))
    return Status::InvalidArgument(file + ": command name '" + std::string(name) +
                                   "' must be 1-100 letters, digits, '_', '-' or '.'");
  if (!v.is_object())
    return Status::InvalidArgument(file + ": commands." + std::string(name) + " must be an object");
  CommandSpec spec;
  spec.name = std::string(name);
  if (Status s = ReadExecutable(v.get_object(), spec, err); !s.ok()) return s;
  for (const auto& [key, val] : v.get_object()) {
    if (Status s = ReadField(key, val, spec, err); !s.ok()) return s;
  }
  return spec;
}

Result<json::value> ParseFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument(path + ": cannot read the commands file");
  std::ostringstream text;
  text << in.rdbuf();
  json::error_code ec;
  json::value v = json::parse(text.str(), ec);
  if (ec) return Status::InvalidArgument(path + ": not valid JSON: " + ec.message());
  return v;
}

// ---- running the child ----

// Replaces bytes that are not valid UTF-8 with '?', so errors and results stay valid JSON text.
std::string SanitizeUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 2;
    if (ok && (c >= 0x20 || c == '\n' || c == '\t' || len > 1)) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out.push_back(ok && c < 0x20 ? ' ' : '?');
      i += ok ? len : 1;
    }
  }
  return out;
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  void Reset(int fd) {
    Close();
    fd_ = fd;
  }
  int Release() { return std::exchange(fd_, -1); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);  // nothing useful to do if close fails on a pipe
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read, write;
};

// Both ends ≥ 3 even in a process started with stdio closed, so that the child's dup2() onto
// 0-2 never clobbers another pipe end.
bool MakePipe(Pipe& p) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  p.read.Reset(fds[0]);
  p.write.Reset(fds[1]);
  for (Fd* fd : {&p.read, &p.write}) {
    if (fd->get() >= 3) continue;
    const int moved = fcntl(fd->get(), F_DUPFD_CLOEXEC, 3);
    if (moved < 0) return false;
    fd->Reset(moved);
  }
  return true;
}

// Everything the child needs, prepared before fork(): after it only async-signal-safe calls.
struct ExecArgs {
  std::vector<std::string> strings;
  std::vector<char*> argv, envp;
  const char* cwd = nullptr;
};

ExecArgs MakeExecArgs(const CommandSpec& spec) {
  ExecArgs a;
  a.strings.push_back(spec.executable);
  for (const std::string& s : spec.args) a.strings.push_back(s);
  const size_t nargs = a.strings.size();
  for (const auto& [k, v] : spec.env) a.strings.push_back(k + "=" + v);
  if (!spec.env.contains("PATH")) a.strings.push_back("PATH=/usr/bin:/bin");
  for (size_t i = 0; i < a.strings.size(); ++i)
    (i < nargs ? a.argv : a.envp).push_back(a.strings[i].data());
  a.argv.push_back(nullptr);
  a.envp.push_back(nullptr);
  a.cwd = spec.working_dir.empty() ? nullptr : spec.working_dir.c_str();
  return a;
}

// In the child after fork(): wire the pipes, reset what exec would otherwise inherit, exec.
[[noreturn]] void ExecChild(const ExecArgs& a, int in, int out, int err, int report) {
  setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);  // the server blocks SIGTERM in every thread
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);  // ignored SIGPIPE too
  // Our pipe ends are ≥ 3 (MakePipe), so these never clobber each other.
  dup2(in, 0);
  dup2(out, 1);
  dup2(err, 2);
  if (report != 3) report = dup3(report, 3, O_CLOEXEC);
  close_range(4, ~0U, 0);  // whatever another thread opened without O_CLOEXEC
  int e = 0;
  if (a.cwd != nullptr && chdir(a.cwd) != 0) e = errno;
  if (e == 0) {
    execve(a.argv[0], a.argv.data(), a.envp.data());
    e = errno;
  }
  if (report >= 0) (void)!write(report, &e, sizeof e);  // the parent reports it
  _exit(127);
}

void SetNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Why the run loop stopped the child.
enum class Stop { kNone, kCancelled, kTimedOut, kOutputTooLarge };

class ChildRun {
 public:
  ChildRun(const CommandSpec& spec, JobContext& ctx) : spec_(spec), ctx_(ctx) {}
  ChildRun(const ChildRun&) = delete;
  ChildRun& operator=(const ChildRun&) = delete;
  ~ChildRun();
  Result<std::string> Execute();

 private:
  Status Spawn();
  void Loop();
  bool PumpOnce();
  void WriteStdin();
  bool ReadInto(Fd& fd, std::string& buf, bool is_stdout);
  void Terminate();
  bool TryReap();
  Result<std::string> Outcome();
  std::string Label() const { return "command." + spec_.name; }

  const CommandSpec& spec_;
  JobContext& ctx_;
  pid_t pid_ = -1;
  int wait_status_ = 0;
  bool reaped_ = false;
  Fd stdin_, stdout_, stderr_;
  size_t stdin_written_ = 0;
  std::string out_, err_;
  Stop stop_ = Stop::kNone;
  int timeout_s_ = 0;
  Clock::time_point deadline_ = Clock::time_point::max();
};

Status ChildRun::Spawn() {
  Pipe in, out, err, report;
  if (!MakePipe(in) || !MakePipe(out) || !MakePipe(err) || !MakePipe(report))
    return Status::Unavailable(Label() + ": cannot create pipes: " + strerror(errno));
  const ExecArgs args = MakeExecArgs(spec_);
  pid_ = fork();
  if (pid_ < 0) return Status::Unavailable(Label() + ": cannot fork: " + strerror(errno));
  if (pid_ == 0)
    ExecChild(args, in.read.get(), out.write.get(), err.write.get(), report.write.get());
  setpgid(pid_, pid_);  // also here, so a kill(-pid) right after fork() finds the group
  report.write.Close();
  int e = 0;
  ssize_t n;
  do n = read(report.read.get(), &e, sizeof e);  // EOF (0) when exec succeeded
  while (n < 0 && errno == EINTR);
  if (n == sizeof e) {
    while (waitpid(pid_, &wait_status_, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    return Status::FailedPrecondition(
        Label() + ": cannot run " + spec_.executable +
        (spec_.working_dir.empty() ? "" : " in " + spec_.working_dir) + ": " + strerror(e));
  }
  stdin_.Reset(in.write.Release());
  stdout_.Reset(out.read.Release());
  stderr_.Reset(err.read.Release());
  for (const Fd* fd : {&stdin_, &stdout_, &stderr_}) SetNonBlocking(fd->get());
  return Status::Ok();
}

void ChildRun::WriteStdin() {
  const std::string& payload = ctx_.job().payload;
  // A child that exits without reading its stdin must not SIGPIPE the whole server: block the
  // signal in this thread for the write and swallow it if it came.
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  ssize_t n = 0;
  if (stdin_written_ < payload.size())
    n = write(stdin_.get(), payload.data() + stdin_written_, payload.size() - stdin_written_);
  const int e = errno;
  if (n < 0 && e == EPIPE) {
    timespec zero{};
    sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (n > 0) stdin_written_ += static_cast<size_t>(n);
  // A child that stopped reading early is not an error by itself: its exit status says.
  if ((n < 0 && e != EAGAIN && e != EINTR) || stdin_written_ == payload.size()) stdin_.Close();
}

// Reads what is there without blocking. False once stdout passed max_output_bytes.
bool ChildRun::ReadInto(Fd& fd, std::string& buf, bool is_stdout) {
  char chunk[65536];
  while (fd.open()) {
    const ssize_t n = read(fd.get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) {
      fd.Close();
      break;
    }
    buf.append(chunk, static_cast<size_t>(n));
    if (is_stdout && buf.size() > spec_.max_output_bytes) return false;
    if (!is_stdout && buf.size() > 2 * kCommandStderrTailBytes)
      buf.erase(0, buf.size() - kCommandStderrTailBytes);
  }
  return true;
}

bool ChildRun::PumpOnce() {
  pollfd fds[3];
  nfds_t n = 0;
  for (const Fd* fd : {&stdin_, &stdout_, &stderr_}) {
    if (!fd->open()) continue;
    fds[n++] = pollfd{.fd = fd->get(),
                      .events = static_cast<short>(fd == &stdin_ ? POLLOUT : POLLIN),
                      .revents = 0};
  }
  if (poll(fds, n, kPollMs) <= 0) return true;  // timeout or EINTR: the caller looks again
  for (nfds_t i = 0; i < n; ++i) {
    if (fds[i].revents == 0) continue;
    if (fds[i].fd == stdin_.get())
      WriteStdin();
    else if (fds[i].fd == stdout_.get() && !ReadInto(stdout_, out_, true))
      return false;
    else if (fds[i].fd == stderr_.get())
      ReadInto(stderr_, err_, false);
  }
  return true;
}

bool ChildRun::TryReap() {
  if (!reaped_ && waitpid(pid_, &wait_status_, WNOHANG) == pid_) reaped_ = true;
  return reaped_;
}

void ChildRun::Loop() {
  if (ctx_.job().payload.empty()) stdin_.Close();
  while (!TryReap()) {
    const bool late = Clock::now() >= deadline_;
    if (late || ctx_.Cancelled()) {
      stop_ = late ? Stop::kTimedOut : Stop::kCancelled;
      return;
    }
    if (!PumpOnce()) {
      stop_ = Stop::kOutputTooLarge;
      return;
    }
  }
  // Exited: take what is still in the pipes, but never wait for a grandchild holding them open.
  if (!ReadInto(stdout_, out_, true)) stop_ = Stop::kOutputTooLarge;
  ReadInto(stderr_, err_, false);
}

// SIGTERM to the whole group, the grace period, then SIGKILL; always reaped.
void ChildRun::Terminate() {
  kill(-pid_, SIGTERM);
  const auto until = Clock::now() + spec_.kill_grace;
  while (!TryReap() && Clock::now() < until) {
    ReadInto(stderr_, err_, false);  // keep a chatty child from blocking on a full pipe
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Also reaches grandchildren left in the group; the group id stays unused while any live.
  kill(-pid_, SIGKILL);
  while (!reaped_ && waitpid(pid_, &wait_status_, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
}

std::string WithTail(std::string msg, const std::string& err) {
  std::string tail =
      err.size() > kCommandStderrTailBytes ? err.substr(err.size() - kCommandStderrTailBytes) : err;
  tail = Trimmed(SanitizeUtf8(tail));
  return tail.empty() ? msg : msg + ": " + tail;
}

Result<std::string> ChildRun::Outcome() {
  switch (stop_) {
    case Stop::kCancelled:
      return Status::Cancelled(Label() + " cancelled");
    case Stop::kTimedOut:
      return Status::DeadlineExceeded(Label() + " timed out after " + std::to_string(timeout_s_) +
                                      " s");
    case Stop::kOutputTooLarge:
      return Status::FailedPrecondition(Label() + " output over " +
                                        std::to_string(spec_.max_output_bytes) + " bytes");
    case Stop::kNone:
      break;
  }
  if (WIFSIGNALED(wait_status_))
    return Status::Unavailable(
        WithTail(Label() + " killed by signal " + std::to_string(WTERMSIG(wait_status_)), err_));
  if (WEXITSTATUS(wait_status_) != 0)
    return Status::Unavailable(WithTail(
        Label() + " exited with status " + std::to_string(WEXITSTATUS(wait_status_)), err_));
  if (out_.find_first_not_of(" \t\r\n") == std::string::npos) return std::string("null");
  json::error_code ec;
  json::value v = json::parse(out_, ec);
  if (ec)
    return Status::FailedPrecondition(Label() + " printed something that is not JSON: " +
                                      SanitizeUtf8(out_.substr(0, kNotJsonPreview)));
  return ToJsonText(v);
}

Result<std::string> ChildRun::Execute() {
  const int job_timeout = ctx_.job().timeout_s;
  timeout_s_ = spec_.timeout_s > 0 && (job_timeout <= 0 || spec_.timeout_s < job_timeout)
                   ? spec_.timeout_s
                   : job_timeout;
  if (timeout_s_ > 0) deadline_ = Clock::now() + std::chrono::seconds(timeout_s_);
  if (ctx_.Cancelled()) return Status::Cancelled(Label() + " cancelled before it started");
  if (Status s = Spawn(); !s.ok()) return s;
  Loop();
  if (stop_ != Stop::kNone) Terminate();
  return Outcome();
}

ChildRun::~ChildRun() {
  if (pid_ > 0 && !reaped_) {  // only on an unexpected path: never leave a zombie
    kill(-pid_, SIGKILL);
    while (waitpid(pid_, &wait_status_, 0) < 0 && errno == EINTR) {
    }
  }
}

}  // namespace

Result<std::vector<CommandSpec>> LoadCommandsFile(const std::string& path) {
  Result<json::value> doc = ParseFile(path);
  if (!doc.ok()) return doc.status();
  const json::value* cmds = doc->is_object() ? doc->get_object().if_contains("commands") : nullptr;
  if (cmds == nullptr || !cmds->is_object())
    return Status::InvalidArgument(
        path +
        ": must be a JSON object with a \"commands\" object, "
        "e.g. {\"commands\": {\"echo\": {\"executable\": \"/bin/cat\"}}}");
  std::vector<CommandSpec> out;
  for (const auto& [name, v] : cmds->get_object()) {
    Result<CommandSpec> spec = ReadCommand(path, name, v);
    if (!spec.ok()) return spec.status();
    out.push_back(std::move(spec).value());
  }
  return out;
}

CommandHandler::CommandHandler(CommandSpec spec)
    : spec_(std::move(spec)), type_("command." + spec_.name) {}

Status CommandHandler::ValidatePayload(const json::value&) const { return Status::Ok(); }

// A commands file declares no payload fields: whatever JSON the command reads on stdin.
std::string_view CommandHandler::PayloadSchema() const {
  return R"({"description":"any JSON value; written to the command's stdin"})";
}

Result<std::string> CommandHandler::Run(JobContext& ctx) { return ChildRun(spec_, ctx).Execute(); }

}  // namespace conveyor
