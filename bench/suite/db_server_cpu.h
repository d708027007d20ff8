// DbServerCpu: the CPU time of the PostgreSQL server a --store URL names, when it runs on this
// machine: its postmaster (with the children it has reaped) and every live child (backends,
// WAL writer, checkpointer, autovacuum), summed from /proc. The bench prints it per job next to
// the Conveyor server's own, since on PostgreSQL most of a job's cost is the database's.
//
// Found from the backend of one connection: its parent is the postmaster. A server on another
// machine (or in a container whose processes this one cannot see) is not found, and the figure
// is left out with a note. Used from the bench's main thread only.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace conveyor::bench {

class DbServerCpu {
 public:
  // nullopt (with the reason in `why`) when the server is not a local process tree.
  static std::optional<DbServerCpu> Find(const std::string& url, std::string& why);
  // utime + stime of the server's processes so far (reaped children included), in µs. Read it
  // before and after a phase: the difference is the server's CPU in between.
  int64_t Micros() const;

 private:
  explicit DbServerCpu(pid_t postmaster) : postmaster_(postmaster) {}
  pid_t postmaster_;
};

}  // namespace conveyor::bench
