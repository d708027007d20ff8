// CsvInputDirs: the directories a CSV job may read local inputs from (serve/worker --input-dir,
// CONVEYOR_INPUT_DIRS, and <data-dir>/inputs), so a job cannot read /proc/self/environ, the
// database or /etc/shadow (issue 8 finding 2).
//
// Two checks, both needed:
//   - at submit, IsUnder(): the path, made lexically normal (no "." or ".."), lies under one of
//     the directories as configured or as resolved — a literal escape is refused with 422;
//   - at run time, OpenInput(): open() with O_NOFOLLOW (no symlink as the last component) and
//     O_NONBLOCK (a FIFO cannot hang the worker), fstat() a regular file, then read back the
//     path the kernel actually opened (/proc/self/fd/N) and require it under a directory as
//     resolved now (realpath, so a directory created after start counts). Checking the opened
//     descriptor, not the name, leaves no window between check and use: a symlink swapped in
//     anywhere along the path is seen. Without /proc the check fails closed.
// Thread-safety: immutable after construction; the methods may be called from many threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace conveyor {

class CsvInputDirs {
 public:
  CsvInputDirs() = default;  // no directory: every local input is refused
  // `dirs` may be relative (to the working directory) and need not exist yet.
  explicit CsvInputDirs(const std::vector<std::string>& dirs);

  bool empty() const { return configured_.empty(); }

  // A relative path (seed 003's clients send "test.csv") taken under the first directory,
  // <data-dir>/inputs; an absolute one as it is. IsUnder() still judges the result, so
  // "../x" is refused.
  std::string Resolve(std::string_view path) const;

  // True when the lexically normal absolute `path` is under one of the directories.
  bool IsUnder(std::string_view path) const;

  // A read-only descriptor of the regular file at `path` (the caller closes it), or
  // FailedPrecondition (permanent: retrying cannot move the file) saying why.
  Result<int> OpenInput(const std::string& path) const;

  // What a client is told; names no server path but the documented default.
  static constexpr std::string_view kOutsideMessage =
      "must be under the server's input directories: <data-dir>/inputs or one given with "
      "--input-dir (see docs/operations.md)";

 private:
  std::vector<std::string> Resolved() const;  // realpath of each directory that exists

  std::vector<std::string> configured_;  // absolute, lexically normal
};

}  // namespace conveyor
