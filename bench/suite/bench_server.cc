#include "bench/suite/bench_server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>
#include <vector>

#include "bench/suite/bench_auth.h"
#include "bench/suite/bench_context.h"
#include "bench/suite/proc_stat.h"
#include "bench/suite/sse_listeners.h"

namespace conveyor::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::vector<std::string> ServeArgs(const BenchServerSpec& s, const std::filesystem::path& port) {
  std::vector<std::string> args = {
      s.exe, "serve", "--listen", "127.0.0.1:0", "--port-file", port.string(), "--store",
      s.store_url.empty() ? "sqlite:" + s.db_path.string() : s.store_url, "--workers",
      std::to_string(s.workers), "--node-name", "bench-" + s.name};
  args.insert(args.end(), s.extra.begin(), s.extra.end());
  if (!s.api_key.empty()) args.insert(args.end(), {"--auth", "on"});
  return args;
}

// In the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void ExecChild(const std::vector<char*>& argv, int log_fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  dup2(log_fd, STDERR_FILENO);
  dup2(log_fd, STDOUT_FILENO);
  execv(argv[0], argv.data());
  _exit(127);
}

// Returns the exit status, or -1 while still running.
int TryReap(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, WNOHANG) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int ReadPort(const std::filesystem::path& path) {
  std::ifstream in(path);
  int port = 0;
  return (in >> port) ? port : 0;
}

}  // namespace

BenchServer::BenchServer(const BenchServerSpec& spec)
    : spec_(spec),
      log_path_(spec.db_path.parent_path() / ("server-" + spec.name + ".log")),
      port_path_(spec.db_path.parent_path() / ("port-" + spec.name)),
      authorization_(spec.api_key.empty() ? "" : "Bearer " + spec.api_key) {
  std::filesystem::remove(port_path_);
  std::vector<std::string> args = ServeArgs(spec_, port_path_);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw BenchFailure("cannot create " + log_path_.string());
  pid_ = fork();
  if (pid_ == 0) ExecChild(argv, log_fd);
  close(log_fd);
  if (pid_ < 0) throw BenchFailure("fork failed for the " + spec_.name + " server");
  WaitUntilListening();
  if (!spec_.api_key.empty()) CheckAuthOrKill();
  if (spec_.sse_subscribers > 0) {
    try {
      sse_ = std::make_unique<SseListeners>(spec_.name, port_, authorization_,
                                            spec_.sse_subscribers);
    } catch (...) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
      throw;
    }
  }
}

// A constructor that throws runs no destructor: the child is killed here.
void BenchServer::CheckAuthOrKill() {
  try {
    MustRefuseAnonymous(*this);
  } catch (...) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    throw;
  }
}

BenchServer::~BenchServer() {
  sse_.reset();
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

void BenchServer::WaitUntilListening() {
  auto deadline = SteadyClock::now() + std::chrono::seconds(60);
  while ((port_ = static_cast<uint16_t>(ReadPort(port_path_))) == 0) {
    if (int code = TryReap(pid_); code >= 0) {
      pid_ = -1;
      throw BenchFailure("the " + spec_.name + " server exited with " + std::to_string(code) +
                         ": " + LogTail());
    }
    if (SteadyClock::now() > deadline) {
      throw BenchFailure("the " + spec_.name + " server did not listen within 60 s");
    }
    ThrowIfInterrupted();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void BenchServer::Stop() {
  sse_.reset();
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  auto deadline = SteadyClock::now() + std::chrono::minutes(2);
  int code = -1;
  while ((code = TryReap(pid_)) < 0) {
    if (SteadyClock::now() > deadline) {
      throw BenchFailure("the " + spec_.name + " server did not stop within 2 minutes");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
  if (code != 0) {
    throw BenchFailure("the " + spec_.name + " server exited with " + std::to_string(code) +
                       " on SIGTERM: " + LogTail());
  }
}

int64_t BenchServer::CpuMicros() const {
  if (pid_ <= 0) return 0;
  const std::vector<std::string> f = ProcStatFields(pid_);
  return TicksToMicros(ProcStatField(f, 14) + ProcStatField(f, 15));  // utime + stime
}

int64_t BenchServer::RssBytes() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return 0;
}

std::string BenchServer::LogTail() const {
  std::ifstream in(log_path_);
  std::string line, last = "(no output; see " + log_path_.string() + ")";
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last;
}

}  // namespace conveyor::bench
