// /proc/PID/stat for the bench's CPU accounting (BenchServer, DbServerCpu). Linux only.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace conveyor::bench {

// Fields 3.. of /proc/PID/stat (proc(5) numbering: [0] is field 3, the state), counted from the
// command name's closing parenthesis since the name may hold spaces. Empty once PID is gone.
std::vector<std::string> ProcStatFields(pid_t pid);

// Field `proc_index` (1-based, as in proc(5)) of ProcStatFields' result; 0 when absent.
int64_t ProcStatField(const std::vector<std::string>& fields, int proc_index);

// Clock ticks (utime, cutime, …) in microseconds.
int64_t TicksToMicros(int64_t ticks);

}  // namespace conveyor::bench
