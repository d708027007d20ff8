// `conveyor schedules`: cron schedules over the API (docs/scheduling.md). Without a
// subcommand it lists them; add, get, rm, pause and resume are one request each. Like the other
// client commands these only shape requests and print answers; every rule is the server's.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>

#include "cli/client_session.h"
#include "cli/commands.h"

namespace conveyor::cli {
namespace {

namespace json = boost::json;

struct ScheduleOptions {
  std::string url;
  std::string name;
  std::string cron;
  std::string type;
  std::string payload = "{}";
  std::string timezone;
  std::string queue;
  std::optional<int> priority;
  bool paused = false;
  std::string catch_up;
  std::optional<int> limit;
  std::string cursor;
};

std::string Target(const std::string& name) { return "/schedules/" + PercentEncode(name); }

int Run(const std::string& command, const std::string& url,
        const std::function<Result<HttpResponse>(HttpClient&)>& request) {
  return WithClient(command, url,
                    [&](HttpClient& c) { return PrintResponse(command, request(c)); });
}

int RunAdd(const ScheduleOptions& o) {
  boost::system::error_code ec;
  json::value payload = json::parse(o.payload, ec);
  if (ec) {
    PrintError("schedules add", "the payload is not valid JSON: " + ec.message());
    return kExitUsage;
  }
  json::object job{{"type", o.type}, {"payload", std::move(payload)}};
  if (!o.queue.empty()) job["queue"] = o.queue;
  if (o.priority) job["priority"] = *o.priority;
  json::object body{{"name", o.name}, {"cron", o.cron}, {"job", std::move(job)}};
  if (!o.timezone.empty()) body["timezone"] = o.timezone;
  if (o.paused) body["paused"] = true;
  if (!o.catch_up.empty()) body["catch_up"] = o.catch_up;
  return Run("schedules add", o.url,
             [&](HttpClient& c) { return c.Post("/schedules", json::serialize(body)); });
}

std::string ListTarget(const ScheduleOptions& o) {
  std::string query;
  if (o.limit) query += "?limit=" + std::to_string(*o.limit);
  if (!o.cursor.empty())
    query += (query.empty() ? "?" : "&") + ("cursor=" + PercentEncode(o.cursor));
  return "/schedules" + query;
}

void AddAdd(CLI::App& parent, CommandRunner& run) {
  auto o = std::make_shared<ScheduleOptions>();
  auto* cmd = parent.add_subcommand("add", "Create a schedule: each tick submits one job");
  AddUrlOption(*cmd, o->url);
  cmd->add_option("name", o->name, "Unique name (letters, digits, . _ -)")->required();
  cmd->add_option("cron", o->cron, "e.g. \"*/5 * * * *\", \"0 0 3 * * *\" (seconds), @hourly")
      ->required();
  cmd->add_option("type", o->type, "Job type each tick submits")->required();
  cmd->add_option("--payload", o->payload, "Payload as JSON text")->capture_default_str();
  cmd->add_option("--timezone", o->timezone, "IANA zone, e.g. Europe/Berlin (default UTC)");
  cmd->add_option("--queue", o->queue, "Queue of the jobs");
  cmd->add_option("--priority", o->priority, "1 (highest) .. 10 (lowest)");
  cmd->add_flag("--paused", o->paused, "Create it paused");
  cmd->add_option("--catch-up", o->catch_up,
                  "After downtime: latest (the most recent missed tick, default) or none");
  cmd->callback([&run, o] { run = [o] { return RunAdd(*o); }; });
}

// get / rm / pause / resume: one name, one request.
void AddNamed(CLI::App& parent, CommandRunner& run, const std::string& name,
              const std::string& help,
              std::function<Result<HttpResponse>(HttpClient&, const std::string&)> request) {
  auto o = std::make_shared<ScheduleOptions>();
  auto* cmd = parent.add_subcommand(name, help);
  AddUrlOption(*cmd, o->url);
  cmd->add_option("name", o->name, "Schedule name")->required();
  cmd->callback([&run, o, name, request] {
    run = [o, name, request] {
      return Run("schedules " + name, o->url, [&](HttpClient& c) { return request(c, o->name); });
    };
  });
}

}  // namespace

void AddScheduleCommands(CLI::App& app, CommandRunner& run) {
  auto o = std::make_shared<ScheduleOptions>();
  auto* cmd = app.add_subcommand("schedules", "List cron schedules (or add|get|rm|pause|resume)");
  cmd->require_subcommand(0, 1);
  AddUrlOption(*cmd, o->url);
  cmd->add_option("--limit", o->limit, "At most this many (1..1000; default 100)");
  cmd->add_option("--cursor", o->cursor, "Continue after this name (next_cursor)");
  AddAdd(*cmd, run);
  AddNamed(*cmd, run, "get", "Print a schedule and its next runs",
           [](HttpClient& c, const std::string& n) { return c.Get(Target(n)); });
  AddNamed(*cmd, run, "rm", "Delete a schedule (its jobs stay)",
           [](HttpClient& c, const std::string& n) { return c.Delete(Target(n)); });
  AddNamed(
      *cmd, run, "pause", "Pause a schedule: no ticks fire",
      [](HttpClient& c, const std::string& n) { return c.Patch(Target(n), R"({"paused":true})"); });
  AddNamed(*cmd, run, "resume", "Resume a schedule from now (missed ticks do not fire)",
           [](HttpClient& c, const std::string& n) {
             return c.Patch(Target(n), R"({"paused":false})");
           });
  // The list, only when no subcommand was given (a subcommand's callback set `run` already).
  cmd->callback([&run, o, cmd] {
    if (!cmd->get_subcommands().empty()) return;
    run = [o] {
      return Run("schedules", o->url, [&](HttpClient& c) { return c.Get(ListTarget(*o)); });
    };
  });
}

}  // namespace conveyor::cli
