#include "bench/suite/db_server_cpu.h"

#include <filesystem>
#include <fstream>
#include <vector>

#include "bench/suite/proc_stat.h"
#include "store/postgres/pg_database_admin.h"

namespace conveyor::bench {
namespace {

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
  const std::vector<std::string> f = ProcStatFields(*backend);
  if (f.empty()) {
    why = "its backend (pid " + std::to_string(*backend) + ") is not a process of this machine";
    return std::nullopt;
  }
  const auto postmaster = static_cast<pid_t>(ProcStatField(f, 4));  // ppid
  if (Comm(postmaster).rfind("postgres", 0) != 0) {
    why = "the parent of its backend is not a postgres process";
    return std::nullopt;
  }
  return DbServerCpu(postmaster);
}

int64_t DbServerCpu::Micros() const {
  const std::vector<std::string> pm = ProcStatFields(postmaster_);
  // utime, stime, and cutime + cstime: the children it has waited for (backends that ended).
  int64_t ticks = ProcStatField(pm, 14) + ProcStatField(pm, 15) + ProcStatField(pm, 16) +
                  ProcStatField(pm, 17);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::vector<std::string> f = ProcStatFields(static_cast<pid_t>(std::stol(name)));
    if (!f.empty() && ProcStatField(f, 4) == postmaster_) {
      ticks += ProcStatField(f, 14) + ProcStatField(f, 15);
    }
  }
  return TicksToMicros(ticks);
}

}  // namespace conveyor::bench
