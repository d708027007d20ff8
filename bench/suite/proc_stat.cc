#include "bench/suite/proc_stat.h"

#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>

namespace conveyor::bench {

std::vector<std::string> ProcStatFields(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const auto close = text.rfind(')');
  std::vector<std::string> out;
  if (close == std::string::npos || close + 2 > text.size()) return out;
  std::istringstream rest(text.substr(close + 2));
  for (std::string f; rest >> f;) out.push_back(f);
  return out;
}

int64_t ProcStatField(const std::vector<std::string>& fields, int proc_index) {
  const auto i = static_cast<size_t>(proc_index - 3);
  return i < fields.size() ? std::stoll(fields[i]) : 0;
}

int64_t TicksToMicros(int64_t ticks) {
  static const int64_t kTicks = sysconf(_SC_CLK_TCK);
  return ticks * 1000000 / kTicks;
}

}  // namespace conveyor::bench
