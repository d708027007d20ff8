#include "cli/client_session.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "cli/json_print.h"

namespace conveyor::cli {

void AddUrlOption(CLI::App& cmd, std::string& url) {
  url = "http://127.0.0.1:8000";
  cmd.add_option("--url", url, "Base URL of the Conveyor server")
      ->envname("CONVEYOR_URL")
      ->capture_default_str();
}

void PrintError(const std::string& command, const std::string& message) {
  std::cerr << "conveyor " << command << ": " << message << "\n";
}

int WithClient(const std::string& command, const std::string& url,
               const std::function<int(HttpClient&)>& body) {
  auto client = HttpClient::Create(url);
  if (!client.ok()) {
    PrintError(command, client.status().message());
    return kExitUsage;
  }
  // From the environment only: a key in a flag would show in `ps` and shell history.
  if (const char* key = std::getenv("CONVEYOR_API_KEY"); key != nullptr) (*client)->set_api_key(key);
  return body(**client);
}

int PrintResponse(const std::string& command, const Result<HttpResponse>& response) {
  if (!response.ok()) {
    PrintError(command, response.status().message());
    return kExitUsage;
  }
  std::cout << PrettyJsonText(response->body) << std::endl;
  return response->ok() ? kExitOk : kExitFailure;
}

}  // namespace conveyor::cli
