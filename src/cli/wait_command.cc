// `conveyor wait ID`: poll a job's status until it ends, then print the job. The exit code says
// how it ended, so shell scripts can chain on it: 0 SUCCEEDED, 1 FAILED/CANCELLED/EXPIRED,
// 3 timed out (2: unreachable or bad flags, as everywhere).
#include <unistd.h>

#include <boost/json.hpp>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "cli/client_session.h"
#include "cli/commands.h"

namespace conveyor::cli {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

constexpr auto kPollInterval = std::chrono::milliseconds(150);
constexpr int kMaxUnreachablePolls = 60;  // ~10 s of connection failures in a row

struct WaitOptions {
  std::string url;
  std::string id;
  double timeout_s = 0;  // 0: wait for ever
};

struct JobStatus {
  std::string status;
  double progress = 0;  // fractions allowed (65.5)
  std::string message;
};

bool IsTerminal(const std::string& s) {
  return s == "SUCCEEDED" || s == "FAILED" || s == "CANCELLED" || s == "EXPIRED";
}

JobStatus ParseStatus(const std::string& body) {
  JobStatus out;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return out;
  const auto& o = v.get_object();
  if (auto* s = o.if_contains("status"); s && s->is_string()) out.status = s->get_string();
  if (auto* p = o.if_contains("progress"); p && p->is_number()) {
    out.progress = p->to_number<double>();
  }
  if (auto* m = o.if_contains("message"); m && m->is_string()) out.message = m->get_string();
  return out;
}

// "[########------------]  40% RUNNING  step 2 of 5", redrawn in place on a terminal.
void DrawProgress(const JobStatus& s) {
  constexpr int kWidth = 30;
  const double percent = std::isfinite(s.progress) ? std::clamp(s.progress, 0.0, 100.0) : 0.0;
  const int filled = static_cast<int>(percent * kWidth / 100);
  std::string bar(filled, '#');
  bar.append(kWidth - filled, '-');
  char shown[16];  // "40", "65.5"
  std::snprintf(shown, sizeof shown, "%.4g", percent);
  std::string line = "[" + bar + "] " + shown + "% " + s.status;
  if (!s.message.empty()) line += "  " + s.message.substr(0, 40);
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
}

void ClearProgress(bool tty) {
  if (tty) std::fputs("\r\033[K", stderr);
}

int PrintFinalJob(HttpClient& client, const std::string& id, const std::string& status) {
  int code = PrintResponse("wait", client.Get("/jobs/" + id));
  if (code != kExitOk) return code;
  return status == "SUCCEEDED" ? kExitOk : kExitFailure;
}

// A server restarting under a long wait is not the job's fault: once it has answered, ride out
// ~10 s of it being unreachable. A server that never answered is a wrong --url: fail at once.
Result<HttpResponse> GetStatus(HttpClient& client, const std::string& id, bool& answered) {
  for (int failures = 1;; ++failures) {
    auto res = client.Get("/jobs/" + id + "/status");
    if (res.ok()) answered = true;
    if (res.ok() || !answered || failures >= kMaxUnreachablePolls) return res;
    std::this_thread::sleep_for(kPollInterval);
  }
}

int ReportTimeout(const WaitOptions& o, const JobStatus& s) {
  char waited[32];
  std::snprintf(waited, sizeof waited, "%g", o.timeout_s);
  PrintError("wait", std::string("timed out after ") + waited + " s; job " + o.id +
                         " is still " + s.status);
  return kExitTimeout;
}

int WaitLoop(HttpClient& client, const WaitOptions& o) {
  const bool tty = isatty(STDERR_FILENO) == 1;
  const std::string id = PercentEncode(o.id);
  const auto deadline = Clock::now() + std::chrono::duration<double>(o.timeout_s);
  bool answered = false;
  for (;;) {
    auto res = GetStatus(client, id, answered);
    JobStatus s = res.ok() && res->ok() ? ParseStatus(res->body) : JobStatus{};
    bool timed_out = o.timeout_s > 0 && Clock::now() >= deadline;
    if (!res.ok() || !res->ok() || IsTerminal(s.status) || timed_out) {
      ClearProgress(tty);
      if (!res.ok() || !res->ok()) return PrintResponse("wait", res);
      return IsTerminal(s.status) ? PrintFinalJob(client, id, s.status) : ReportTimeout(o, s);
    }
    if (tty) DrawProgress(s);
    std::this_thread::sleep_for(kPollInterval);
  }
}

}  // namespace

void AddWaitCommand(CLI::App& app, CommandRunner& run) {
  auto o = std::make_shared<WaitOptions>();
  auto* cmd = app.add_subcommand(
      "wait", "Wait for a job to end and print it (exit 0 SUCCEEDED, 1 failed, 3 timeout)");
  AddUrlOption(*cmd, o->url);
  cmd->add_option("id", o->id, "Job id")->required();
  cmd->add_option("--timeout-s", o->timeout_s, "Give up after this many seconds (0: never)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->callback([&run, o] {
    run = [o] {
      return WithClient("wait", o->url, [&](HttpClient& c) { return WaitLoop(c, *o); });
    };
  });
}

}  // namespace conveyor::cli
