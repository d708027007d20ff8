#include "core/secret_redaction.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/percent_encoding.h"

namespace conveyor {
namespace {

constexpr std::string_view kMask = "***";
constexpr std::array<std::string_view, 9> kSecretKeys = {
    "password", "passwd", "pass", "pwd", "sslpassword", "secret", "token", "api_key", "apikey"};

bool IsKeyChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool IsSecretKey(std::string_view key) {
  const std::string k = Lower(key);
  return std::find(kSecretKeys.begin(), kSecretKeys.end(), k) != kSecretKeys.end();
}

// Where the userinfo password of the URL whose "://" is at `sep` starts and ends, if it has one.
bool FindUserinfoPassword(std::string_view text, size_t sep, size_t* begin, size_t* end) {
  const size_t start = sep + 3;
  const size_t stop = std::min(text.find_first_of("/?# \t\r\n\"'", start), text.size());
  const size_t at = text.rfind('@', stop == 0 ? 0 : stop - 1);
  if (at == std::string_view::npos || at < start || at >= stop) return false;
  const size_t colon = text.find(':', start);
  if (colon == std::string_view::npos || colon > at) return false;
  *begin = colon + 1;
  *end = at;
  return *end > *begin;
}

std::string MaskUserinfo(std::string_view text) {
  std::string out;
  size_t copied = 0;
  for (size_t sep = text.find("://"); sep != std::string_view::npos;
       sep = text.find("://", sep + 3)) {
    size_t b = 0, e = 0;
    if (!FindUserinfoPassword(text, sep, &b, &e) || b < copied) continue;
    out.append(text.substr(copied, b - copied)).append(kMask);
    copied = e;
  }
  return out.append(text.substr(copied));
}

// End of a key=value value: a quoted conninfo value ends at its closing quote, others at
// whitespace, '&', ';', ',' or a quote.
size_t ValueEnd(std::string_view text, size_t v) {
  if (v < text.size() && text[v] == '\'') {
    for (size_t i = v + 1; i < text.size(); ++i) {
      if (text[i] == '\\')
        ++i;
      else if (text[i] == '\'')
        return i + 1;
    }
    return text.size();
  }
  return std::min(text.find_first_of(" \t\r\n&;,\"'", v), text.size());
}

std::string MaskKeyValues(std::string_view text) {
  std::string out;
  size_t copied = 0;
  for (size_t eq = text.find('='); eq != std::string_view::npos; eq = text.find('=', eq + 1)) {
    size_t key_end = eq;
    while (key_end > 0 && text[key_end - 1] == ' ') --key_end;  // conninfo: "password = x"
    size_t k = key_end;
    while (k > 0 && IsKeyChar(text[k - 1])) --k;
    size_t v = eq + 1;
    while (v < text.size() && text[v] == ' ') ++v;
    if (k < copied || !IsSecretKey(text.substr(k, key_end - k))) continue;
    const size_t e = ValueEnd(text, v);
    if (e == v) continue;
    out.append(text.substr(copied, v - copied)).append(kMask);
    copied = e;
    eq = e == 0 ? 0 : e - 1;
  }
  return out.append(text.substr(copied));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    int hi = i + 2 < s.size() ? HexValue(s[i + 1]) : -1;
    int lo = i + 2 < s.size() ? HexValue(s[i + 2]) : -1;
    if (s[i] == '%' && hi >= 0 && lo >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

void ReplaceAll(std::string& text, std::string_view what) {
  // Very short "secrets" would mask ordinary words; four characters is libpq's own floor of sense.
  if (what.size() < 4) return;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at)) {
    text.replace(at, what.size(), kMask);
    at += kMask.size();
  }
}

}  // namespace

std::string RedactSecrets(std::string_view text,
                          std::initializer_list<std::string_view> known_secrets) {
  std::string out = MaskKeyValues(MaskUserinfo(text));
  for (std::string_view secret : known_secrets) {
    ReplaceAll(out, secret);
    ReplaceAll(out, PercentDecode(secret));
    ReplaceAll(out, PercentEncode(secret));
  }
  return out;
}

std::string PasswordIn(std::string_view text) {
  if (size_t sep = text.find("://"); sep != std::string_view::npos) {
    size_t b = 0, e = 0;
    if (FindUserinfoPassword(text, sep, &b, &e)) return PercentDecode(text.substr(b, e - b));
  }
  const std::string lower = Lower(text);
  for (size_t at = lower.find("password"); at != std::string::npos;
       at = lower.find("password", at + 1)) {
    if (at > 0 && IsKeyChar(lower[at - 1])) continue;  // sslpassword is not the login password
    size_t v = at + 8;
    while (v < text.size() && text[v] == ' ') ++v;
    if (v >= text.size() || text[v] != '=') continue;
    ++v;
    while (v < text.size() && text[v] == ' ') ++v;
    std::string_view value = text.substr(v, ValueEnd(text, v) - v);
    if (value.size() >= 2 && value.front() == '\'') value = value.substr(1, value.size() - 2);
    return PercentDecode(value);
  }
  return "";
}

}  // namespace conveyor
