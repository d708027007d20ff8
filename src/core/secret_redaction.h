// RedactSecrets: the one function that takes secrets out of text before it is logged, printed
// or stored in a job (store URLs, SMTP URLs, libpq conninfo, error messages that echo them).
//
// What it masks, each replaced by "***":
//   - the password of every URL's userinfo ("scheme://user:PASS@host" → "scheme://user:***@host"),
//   - the value of password-like keys in key=value text, whether libpq conninfo
//     ("password=PASS", "password='a b'") or URL query parameters ("?sslpassword=PASS&…"):
//     password, passwd, pass, pwd, sslpassword, secret, token, api_key, apikey (any case),
//   - every occurrence of the extra secrets given (a known password, a webhook secret), also in
//     their percent-encoded and percent-decoded forms, so a message that echoes a fragment
//     differently spelled is still caught.
// User names and hosts are kept: they are what an operator needs to fix a connection.
//
// Pure functions; thread-safe.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace conveyor {

std::string RedactSecrets(std::string_view text,
                          std::initializer_list<std::string_view> known_secrets = {});

// The password in a URL's userinfo ("postgres://u:PASS@h/db" → "PASS", percent-decoded), or in
// a "password=" key of its query or of conninfo text; empty if there is none.
std::string PasswordIn(std::string_view url_or_conninfo);

}  // namespace conveyor
