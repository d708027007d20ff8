// Client subcommands that are one request each: submit, get, list, cancel, retry. They only
// shape requests and print answers; every rule (validation, defaults, states) is the server's.
#include <boost/json.hpp>
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "cli/client_session.h"
#include "cli/commands.h"

namespace conveyor::cli {
namespace {

namespace json = boost::json;

struct SubmitOptions {
  std::string url;
  std::string type;
  std::string payload = "{}";
  std::string payload_file;
  std::string queue;
  std::optional<int> priority;
  std::string idempotency_key;
  std::string run_at;
  std::optional<int> max_attempts;
};

Result<std::string> ReadPayloadText(const SubmitOptions& o) {
  if (o.payload_file.empty()) return o.payload;
  if (o.payload_file == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), {});
  }
  std::ifstream in(o.payload_file);
  if (!in) return Status::InvalidArgument("cannot read --payload-file " + o.payload_file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Result<json::value> ReadPayload(const SubmitOptions& o) {
  auto text = ReadPayloadText(o);
  if (!text.ok()) return text.status();
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec) return Status::InvalidArgument("the payload is not valid JSON: " + ec.message());
  return v;
}

json::object SubmitBody(const SubmitOptions& o, json::value payload) {
  json::object body{{"type", o.type}, {"payload", std::move(payload)}};
  if (!o.queue.empty()) body["queue"] = o.queue;
  if (o.priority) body["priority"] = *o.priority;
  if (!o.idempotency_key.empty()) body["idempotency_key"] = o.idempotency_key;
  if (!o.run_at.empty()) body["run_at"] = o.run_at;
  if (o.max_attempts) body["max_attempts"] = *o.max_attempts;
  return body;
}

int RunSubmit(const SubmitOptions& o) {
  auto payload = ReadPayload(o);
  if (!payload.ok()) {
    PrintError("submit", payload.status().message());
    return kExitUsage;
  }
  std::string body = json::serialize(SubmitBody(o, std::move(payload).value()));
  return WithClient("submit", o.url, [&](HttpClient& c) {
    return PrintResponse("submit", c.Post("/jobs", body));
  });
}

void AddSubmit(CLI::App& app, CommandRunner& run) {
  auto o = std::make_shared<SubmitOptions>();
  auto* cmd = app.add_subcommand("submit", "Submit a job and print it");
  AddUrlOption(*cmd, o->url);
  cmd->add_option("type", o->type, "Job type, e.g. square_sum")->required();
  auto* payload = cmd->add_option("--payload", o->payload, "Payload as JSON text")
                      ->capture_default_str();
  cmd->add_option("--payload-file", o->payload_file, "Read the payload from a file ('-': stdin)")
      ->excludes(payload);
  cmd->add_option("--queue", o->queue, "Queue name (default: the server's)");
  cmd->add_option("--priority", o->priority, "1 (highest) .. 10 (lowest)");
  cmd->add_option("--idempotency-key", o->idempotency_key, "Same key, same request: same job");
  cmd->add_option("--run-at", o->run_at, "Start no earlier than this RFC 3339 time");
  cmd->add_option("--max-attempts", o->max_attempts, "Attempts before the job FAILS");
  cmd->callback([&run, o] { run = [o] { return RunSubmit(*o); }; });
}

// get / cancel / retry: one id, one request.
struct IdOptions {
  std::string url;
  std::string id;
};

using IdRequest = Result<HttpResponse> (*)(HttpClient&, const std::string& id);

void AddIdCommand(CLI::App& app, CommandRunner& run, const std::string& name,
                  const std::string& help, IdRequest request) {
  auto o = std::make_shared<IdOptions>();
  auto* cmd = app.add_subcommand(name, help);
  AddUrlOption(*cmd, o->url);
  cmd->add_option("id", o->id, "Job id")->required();
  cmd->callback([&run, o, name, request] {
    run = [o, name, request] {
      return WithClient(name, o->url, [&](HttpClient& c) {
        return PrintResponse(name, request(c, PercentEncode(o->id)));
      });
    };
  });
}

struct ListOptions {
  std::string url;
  std::string status;
  std::string type;
  std::string queue;
  std::optional<int> limit;
  std::string cursor;
};

std::string ListTarget(const ListOptions& o) {
  std::string query;
  auto add = [&query](const char* key, const std::string& value) {
    if (value.empty()) return;
    query += query.empty() ? '?' : '&';
    query += std::string(key) + "=" + PercentEncode(value);
  };
  add("status", o.status);
  add("type", o.type);
  add("queue", o.queue);
  add("limit", o.limit ? std::to_string(*o.limit) : "");
  add("cursor", o.cursor);
  return "/jobs" + query;
}

void AddList(CLI::App& app, CommandRunner& run) {
  auto o = std::make_shared<ListOptions>();
  auto* cmd = app.add_subcommand("list", "List jobs, newest first");
  AddUrlOption(*cmd, o->url);
  cmd->add_option("--status", o->status, "Only jobs in this state, e.g. PENDING, FAILED");
  cmd->add_option("--type", o->type, "Only jobs of this type");
  cmd->add_option("--queue", o->queue, "Only jobs in this queue");
  cmd->add_option("--limit", o->limit, "At most this many (1..1000; server default 50)");
  cmd->add_option("--cursor", o->cursor, "Continue after this job id (next_cursor)");
  cmd->callback([&run, o] {
    run = [o] {
      return WithClient("list", o->url, [&](HttpClient& c) {
        return PrintResponse("list", c.Get(ListTarget(*o)));
      });
    };
  });
}

}  // namespace

void AddClientCommands(CLI::App& app, CommandRunner& run) {
  AddSubmit(app, run);
  AddIdCommand(app, run, "get", "Print a job",
               [](HttpClient& c, const std::string& id) { return c.Get("/jobs/" + id); });
  AddList(app, run);
  AddIdCommand(app, run, "cancel", "Cancel a job (a running one stops at its next check)",
               [](HttpClient& c, const std::string& id) { return c.Delete("/jobs/" + id); });
  AddIdCommand(app, run, "retry", "Send a FAILED, CANCELLED or EXPIRED job back to PENDING",
               [](HttpClient& c, const std::string& id) {
                 return c.Post("/jobs/" + id + "/retry", "");
               });
  AddWaitCommand(app, run);
}

}  // namespace conveyor::cli
