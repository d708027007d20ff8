// CommandHandler: job type `command.<name>`, which runs an executable the operator declared in a
// commands file (never one named by a request). The payload JSON goes to the child's stdin; the
// JSON the child prints on stdout is the result; the tail of its stderr goes into the error.
//
// The child gets only the declared environment (plus PATH=/usr/bin:/bin unless declared), the
// declared working directory, its own process group, default signal dispositions and no file
// descriptor of ours but its three pipes. On cancellation or timeout the whole group gets SIGTERM,
// then SIGKILL after a grace period; the child is always reaped.
//
// Outcomes of Run():
//   exit 0, stdout JSON (empty → null)  → that JSON
//   exit 0, stdout not JSON             → FailedPrecondition (permanent)
//   stdout over max_output_bytes        → FailedPrecondition (permanent)
//   exit N ≠ 0 / killed by a signal     → Unavailable (retried) with the stderr tail
//   time limit                          → DeadlineExceeded (retried)
//   ctx.Cancelled()                     → Cancelled
//   the executable cannot be started    → FailedPrecondition
// Thread-safety: stateless after construction; Run() may be called from many threads at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "handlers/handler.h"

namespace conveyor {

inline constexpr size_t kCommandStderrTailBytes = 4096;

struct CommandSpec {
  std::string name;        // the job type is "command." + name
  std::string executable;  // absolute path
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  std::string working_dir;  // empty: the server's working directory
  int timeout_s = 0;        // 0: the job's timeout_s
  size_t max_output_bytes = 1 << 20;
  // Between SIGTERM and SIGKILL on cancel or timeout. Tests shorten it.
  std::chrono::milliseconds kill_grace{5000};
};

// Reads {"commands": {"<name>": {"executable": "/abs/path", "args": [...], "env": {...},
// "working_dir": "...", "timeout_s": 60, "max_output_bytes": 1048576}}}. Errors are
// InvalidArgument naming the file and the field, e.g. "cmds.json: commands.echo.executable must be
// an absolute path".
Result<std::vector<CommandSpec>> LoadCommandsFile(const std::string& path);

class CommandHandler final : public Handler {
 public:
  explicit CommandHandler(CommandSpec spec);
  std::string_view type() const override { return type_; }
  // Any JSON value: what the command accepts is its own business.
  Status ValidatePayload(const boost::json::value& payload) const override;
  std::string_view PayloadSchema() const override;
  Result<std::string> Run(JobContext& ctx) override;

 private:
  CommandSpec spec_;
  std::string type_;
};

}  // namespace conveyor
