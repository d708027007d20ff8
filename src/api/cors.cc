#include "api/cors.h"

#include <algorithm>
#include <cctype>

namespace conveyor::api {
namespace {

namespace http = boost::beast::http;

std::string_view View(boost::beast::string_view s) { return {s.data(), s.size()}; }

std::string Trimmed(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(" \t") - b + 1));
}

bool IsHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '[' ||
         c == ']' || c == ':';
}

// "https://host[:port]": a scheme, a host of name/IP characters, an optional numeric port.
bool IsOrigin(std::string_view o) {
  std::string_view rest;
  if (o.starts_with("https://")) {
    rest = o.substr(8);
  } else if (o.starts_with("http://")) {
    rest = o.substr(7);
  } else {
    return false;
  }
  if (rest.empty() || rest.front() == ':' || rest.back() == ':') return false;
  return std::all_of(rest.begin(), rest.end(), IsHostChar);
}

// The listed origin equal to the request's Origin header, or empty.
std::string_view ListedOrigin(const std::vector<std::string>& origins, const HttpRequest& request) {
  const std::string_view origin = View(request[http::field::origin]);
  if (origin.empty()) return {};
  for (const std::string& listed : origins) {
    if (listed == origin) return listed;
  }
  return {};
}

}  // namespace

std::vector<std::string> SplitCorsOrigins(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const std::string& value : values) {
    for (size_t start = 0; start <= value.size();) {
      const size_t end = std::min(value.find(',', start), value.size());
      std::string origin = Trimmed(std::string_view(value).substr(start, end - start));
      // Scheme and host are case-insensitive; browsers send them in lower case.
      for (char& c : origin) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (!origin.empty()) out.push_back(std::move(origin));
      start = end + 1;
    }
  }
  return out;
}

Status CheckCorsOrigins(const std::vector<std::string>& origins) {
  for (const std::string& origin : origins) {
    if (origin == "*") {
      return Status::InvalidArgument(
          "--cors-origin \"*\" is refused: the API takes credentials (API keys), so list the exact "
          "origins of the pages that may call it, e.g. https://app.example.com");
    }
    if (!IsOrigin(origin)) {
      return Status::InvalidArgument("--cors-origin \"" + origin +
                                     "\" is not an origin: write scheme://host[:port] with no "
                                     "path or trailing slash, e.g. https://app.example.com");
    }
  }
  return Status::Ok();
}

bool AnswerCorsPreflight(const std::vector<std::string>& origins, const HttpRequest& request,
                         const Router::Match& match, Response* response) {
  if (origins.empty() || request.method() != http::verb::options) return false;
  if (request.find(http::field::access_control_request_method) == request.end()) return false;
  if (match.kind != Router::MatchKind::kMethodNotAllowed) return false;  // no such route
  if (ListedOrigin(origins, request).empty()) return false;  // the browser gets the usual 405
  response->status = 204;
  response->allow = match.allow;
  response->cors_preflight = true;
  return true;
}

void SetCorsHeaders(const std::vector<std::string>& origins, const HttpRequest& request,
                    Response* response) {
  if (origins.empty()) return;
  response->cors_vary = request.find(http::field::origin) != request.end();
  response->cors_origin = ListedOrigin(origins, request);
}

}  // namespace conveyor::api
