#include "bench/suite/db_server_cpu.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

#include "store/postgres/pg_database_admin.h"

namespace conveyor::bench {
namespace {

// Fields 3.. of /proc/PID/stat (proc(5) numbering; fields[0] is field 3, the state), counted
// from the command name's closing parenthesis since the name may hold spaces. Empty if gone.
std::vector<std::string> StatFields(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const auto close = text.rfind(')');
  std::vector<std::string> out;
  if (close == std::string::npos || close + 2 > text.size()) return out;
  std::istringstream rest(text.substr(close + 2));
  for (std::string f; rest >> f;) out.push_back(f);
  return out;
}

int64_t Field(const std::vector<std::string>& f, int proc_index) {
  const auto i = static_cast<size_t>(proc_index - 3);
  return i < f.size() ? std::stoll(f[i]) : 0;
}

std::string Comm(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

}  // namespace

std::optional<DbServerCpu> DbServerCpu::Find(const std::string& url, std::string& why) {
  Result<int> backend = PostgresBackendPid(url);
  if (!backend.ok()) {
    why = backend.status().message();
    return std::nullopt;
  }
  const std::vector<std::string> f = StatFields(*backend);
  if (f.empty()) {
    why = "its backend (pid " + std::to_string(*backend) + ") is not a process of this machine";
    return std::nullopt;
  }
  const auto postmaster = static_cast<pid_t>(Field(f, 4));  // ppid
  if (Comm(postmaster).rfind("postgres", 0) != 0) {
    why = "the parent of its backend is not a postgres process";
    return std::nullopt;
  }
  return DbServerCpu(postmaster);
}

int64_t DbServerCpu::Micros() const {
  static const int64_t kTicks = sysconf(_SC_CLK_TCK);
  const std::vector<std::string> pm = StatFields(postmaster_);
  // utime, stime, and cutime + cstime: the children it has waited for (backends that ended).
  int64_t ticks = Field(pm, 14) + Field(pm, 15) + Field(pm, 16) + Field(pm, 17);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::vector<std::string> f = StatFields(static_cast<pid_t>(std::stol(name)));
    if (!f.empty() && Field(f, 4) == postmaster_) ticks += Field(f, 14) + Field(f, 15);
  }
  return ticks * 1000000 / kTicks;
}

}  // namespace conveyor::bench
