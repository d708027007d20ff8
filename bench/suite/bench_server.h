// BenchServer: a `conveyor serve` child process started by the bench (fork + exec of this very
// binary), so the bench can read the server's CPU time and RSS from /proc without measuring its
// own load generator. The child listens on 127.0.0.1:0 and reports its port through a file.
//
// The destructor kills a child that is still running (SIGKILL), so an error anywhere in the
// bench leaves no server behind; the child also gets SIGKILL if the bench dies
// (PR_SET_PDEATHSIG). With an API key in the spec (`conveyor bench --auth`) the child runs with
// --auth on. Used from the bench's main thread only.
#pragma once

#include <memory>

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace conveyor::bench {

class SseListeners;

struct BenchServerSpec {
  std::string exe;                 // path of the conveyor binary
  std::filesystem::path db_path;   // sqlite file; its directory also gets the log and port file
  int workers = 0;
  std::string name;                // for file names and messages, e.g. "submit"
  std::string store_url;           // --store; empty: sqlite:<db_path>
  std::vector<std::string> extra;  // more `serve` flags, e.g. --no-listen
  // Non-empty: the server runs with --auth on, and must refuse a request without this key
  // (checked once it listens; BenchFailure otherwise). Empty: the default (off on loopback).
  std::string api_key;
  // `conveyor bench --sse N`: N clients follow GET /events for the server's whole life.
  int sse_subscribers = 0;
};

class BenchServer {
 public:
  // Starts the child and waits until it listens; throws BenchFailure (with the log's last
  // line) if it exits or takes more than 60 s.
  explicit BenchServer(const BenchServerSpec& spec);
  ~BenchServer();
  BenchServer(const BenchServer&) = delete;
  BenchServer& operator=(const BenchServer&) = delete;

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& name() const { return spec_.name; }
  const std::string& api_key() const { return spec_.api_key; }
  // "Bearer <key>" with an api_key, else empty: the Authorization header's value, built once.
  const std::string& authorization() const { return authorization_; }
  // SIGTERM and wait for a clean exit (graceful shutdown); throws if it exits non-zero or
  // takes more than two minutes (then it is killed).
  void Stop();

  // utime + stime of the child so far, in microseconds (10 ms resolution on most kernels).
  int64_t CpuMicros() const;
  // Resident set size now, in bytes (VmRSS).
  int64_t RssBytes() const;

 private:
  void WaitUntilListening();
  void CheckAuthOrKill();
  std::string LogTail() const;

  BenchServerSpec spec_;
  std::filesystem::path log_path_;
  std::filesystem::path port_path_;
  std::string authorization_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::unique_ptr<SseListeners> sse_;  // before the child is stopped, these are let go
};

}  // namespace conveyor::bench
