// SpawnPortPrinter: starts a test server as a child process and reads back the port it prints
// as the first line of its standard output (servers bind port 0, so only they know it). Shared by
// TestHttpServer and TestSmtpServer; the caller kills and reaps the returned pid. Test-only.
#pragma once

#include <spawn.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace conveyor {

// `argv[0]` is looked up on PATH unless it is an absolute path. Throws std::runtime_error
// (`no_port` as the message when the child prints no port).
inline pid_t SpawnPortPrinter(const std::vector<std::string>& argv, const std::string& no_port,
                              int* port) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    throw std::runtime_error("could not start " + argv[0]);
  }
  FILE* f = fdopen(out[0], "r");
  const bool got = f != nullptr && fscanf(f, "%d", port) == 1;
  if (f != nullptr) fclose(f);  // the server never writes again; a closed pipe is fine
  if (!got) throw std::runtime_error(no_port);
  return pid;
}

}  // namespace conveyor
