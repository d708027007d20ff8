// ParsePostgresUrl: takes Conveyor's own query parameters off a PostgreSQL URL (libpq refuses
// parameters it does not know), leaving the rest for libpq.
#include <string_view>

#include "store/postgres/postgres_store.h"

namespace conveyor {
namespace {

Result<bool> ParseSwitch(std::string_view key, std::string_view v) {
  if (v == "on" || v == "true" || v == "1" || v == "yes") return true;
  if (v == "off" || v == "false" || v == "0" || v == "no") return false;
  return Status::InvalidArgument("PostgreSQL URL parameter " + std::string(key) +
                                 " must be on or off (got '" + std::string(v) + "')");
}

Result<int> ParseCount(std::string_view key, std::string_view v) {
  int n = 0;
  for (char ch : v) {
    if (ch < '0' || ch > '9' || n > 10000) {
      n = -1;
      break;
    }
    n = n * 10 + (ch - '0');
  }
  if (v.empty() || n < 1 || n > 10000) {
    return Status::InvalidArgument("PostgreSQL URL parameter " + std::string(key) +
                                   " must be a number from 1 to 10000 (got '" + std::string(v) +
                                   "')");
  }
  return n;
}

// Applies one "key=value" if it is ours; false when it belongs to libpq.
Result<bool> TakeParam(std::string_view kv, PostgresOptions& o) {
  const size_t eq = kv.find('=');
  const std::string_view key = kv.substr(0, eq);
  const std::string_view value = eq == std::string_view::npos ? "" : kv.substr(eq + 1);
  if (key == "listen_notify") {
    auto on = ParseSwitch(key, value);
    if (!on.ok()) return on.status();
    o.listen_notify = *on;
    return true;
  }
  if (key == "pool_size") {
    auto n = ParseCount(key, value);
    if (!n.ok()) return n.status();
    o.pool_size = *n;
    return true;
  }
  return false;
}

}  // namespace

Result<PostgresOptions> ParsePostgresUrl(const std::string& url) {
  PostgresOptions o;
  const size_t q = url.find('?');
  if (q == std::string::npos) {
    o.url = url;
    return o;
  }
  std::string kept;
  std::string_view rest = std::string_view(url).substr(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view kv = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? "" : rest.substr(amp + 1);
    auto ours = TakeParam(kv, o);
    if (!ours.ok()) return ours.status();
    if (*ours || kv.empty()) continue;
    kept += kept.empty() ? "?" : "&";
    kept += kv;
  }
  o.url = url.substr(0, q) + kept;
  return o;
}

}  // namespace conveyor
