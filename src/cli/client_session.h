// What the client subcommands share: the --url flag, connecting, and turning a server answer
// into output and an exit code (2xx → JSON on stdout, exit 0; HTTP error → the problem+json on
// stdout, exit 1; unreachable → one line on stderr, exit 2). Single-threaded.
#pragma once

#include <functional>
#include <string>

#include "client/http_client.h"
#include "core/percent_encoding.h"

namespace CLI {
class App;
}

namespace conveyor::cli {

using client::HttpClient;
using client::HttpResponse;

// --url, env CONVEYOR_URL, default http://127.0.0.1:8000.
void AddUrlOption(CLI::App& cmd, std::string& url);

// Connects a client to `url` and runs `body` with it; a bad URL → stderr, kExitUsage. The
// client sends CONVEYOR_API_KEY, when set, as its Bearer key.
int WithClient(const std::string& command, const std::string& url,
               const std::function<int(HttpClient&)>& body);

// Prints the response (pretty JSON) and maps it to an exit code, as described above.
int PrintResponse(const std::string& command, const Result<HttpResponse>& response);

// One line on stderr: "conveyor <command>: <message>".
void PrintError(const std::string& command, const std::string& message);

}  // namespace conveyor::cli
