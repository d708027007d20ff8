// `conveyor wait ID`: wait until a job ends, then print the job. The exit code says how it
// ended, so shell scripts can chain on it: 0 SUCCEEDED, 1 FAILED/CANCELLED/EXPIRED, 3 timed out
// (2: unreachable or bad flags, as everywhere). It follows the job on the server's live events
// (GET /events?job_id=) between status checks; a server without them (404, an older server) or
// refusing a stream (429, 503) is polled instead.
#include <unistd.h>

#include <boost/json.hpp>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "cli/client_session.h"
#include "cli/commands.h"

namespace conveyor::cli {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

constexpr auto kPollInterval = std::chrono::milliseconds(150);
// A stream quiet this long is closed and the status read again: the stream starts "now" a moment
// after it opens, so a transition in that moment is seen by the next status check instead.
constexpr auto kStreamIdle = std::chrono::seconds(5);
constexpr auto kRequestTimeout = std::chrono::seconds(30);  // HttpClient's default
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

// The value of the `name: value` line of one Server-Sent Events block ("" when none).
std::string_view Field(std::string_view block, std::string_view name) {
  for (size_t pos = 0; pos < block.size();) {
    size_t nl = block.find('\n', pos);
    if (nl == std::string_view::npos) nl = block.size();
    const std::string_view line = block.substr(pos, nl - pos);
    if (line.size() > name.size() + 1 && line.substr(0, name.size()) == name &&
        line.substr(name.size(), 2) == ": ") {
      return line.substr(name.size() + 2);
    }
    pos = nl + 1;
  }
  return {};
}

// The state a job event's data moved the job to ("" when unreadable).
std::string TransitionTo(const std::string& data) {
  boost::system::error_code ec;
  json::value v = json::parse(data, ec);
  if (ec || !v.is_object()) return "";
  const json::value* to = v.get_object().if_contains("to");
  return to && to->is_string() ? std::string(to->get_string()) : "";
}

// Reads the Server-Sent Events in `bytes` (kept in `pending` until complete) into `s`; false
// once the job reached a terminal state.
bool OnEventBytes(std::string_view bytes, std::string& pending, JobStatus& s, bool tty) {
  pending.append(bytes);
  for (size_t end; (end = pending.find("\n\n")) != std::string::npos;) {
    const std::string block = pending.substr(0, end);
    pending.erase(0, end + 2);
    const std::string_view event = Field(block, "event");
    const std::string data(Field(block, "data"));
    if (event == "job") {
      s.status = TransitionTo(data);
    } else if (event == "progress") {
      const JobStatus progress = ParseStatus(data);
      s.progress = progress.progress;
      s.message = progress.message;
    }
    if (tty) DrawProgress(s);
    if (IsTerminal(s.status)) return false;
  }
  return true;
}

// Follows the job's events until it ends or the stream is quiet for kStreamIdle; false when the
// server has no stream for it (then the caller polls).
bool FollowEvents(HttpClient& client, const std::string& id, JobStatus& s, bool tty,
                  std::optional<Clock::time_point> deadline) {
  std::string pending;
  auto idle = std::chrono::duration_cast<std::chrono::milliseconds>(kStreamIdle);
  if (deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now());
    idle = std::clamp(left, std::chrono::milliseconds(1), idle);
  }
  client.set_timeout(idle);
  auto status = client.GetStream("/events?job_id=" + id, [&](std::string_view bytes) {
    return OnEventBytes(bytes, pending, s, tty);
  });
  client.set_timeout(kRequestTimeout);
  return status.ok() && *status >= 200 && *status < 300;
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
  bool stream = true;
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
    if (stream) {
      stream = FollowEvents(client, id, s, tty,
                            o.timeout_s > 0 ? std::optional<Clock::time_point>(
                                                  std::chrono::time_point_cast<Clock::duration>(
                                                      deadline))
                                            : std::nullopt);
    } else {
      std::this_thread::sleep_for(kPollInterval);
    }
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
