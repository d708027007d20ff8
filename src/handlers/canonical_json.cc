#include "handlers/canonical_json.h"

#include <openssl/evp.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cstdlib>
#include <vector>

#include "core/json_escape.h"

namespace conveyor {
namespace {

namespace json = boost::json;

// Python's repr(float) from the shortest round-trip digits (see the header).
void AppendDouble(double d, std::string& out) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(end - buf));  // e.g. "-1.25e+03"
  const size_t e = sci.find('e');
  std::string_view mantissa = sci.substr(0, e);
  const int exponent = std::atoi(std::string(sci.substr(e + 1)).c_str());
  if (mantissa.front() == '-') {
    out += '-';
    mantissa.remove_prefix(1);
  }
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits += c;
  }
  const int n = static_cast<int>(digits.size());
  const int point = exponent + 1;  // digits d1d2... stand for 0.d1d2... × 10^point
  if (point <= -4 || point > 16) {
    out += digits[0];
    if (n > 1) out.append(".").append(digits, 1);
    const int a = std::abs(exponent);
    out.append(exponent < 0 ? "e-" : "e+").append(a < 10 ? "0" : "").append(std::to_string(a));
  } else if (point <= 0) {
    out.append("0.").append(static_cast<size_t>(-point), '0').append(digits);
  } else if (point >= n) {
    out.append(digits).append(static_cast<size_t>(point - n), '0').append(".0");
  } else {
    out.append(digits, 0, point).append(".").append(digits, point);
  }
}

void Append(const json::value& v, std::string& out);

void AppendObject(const json::object& o, std::string& out) {
  std::vector<const json::key_value_pair*> members;
  members.reserve(o.size());
  for (const auto& kv : o) members.push_back(&kv);
  // string_view's compare is memcmp-like: unsigned bytes, so UTF-8 sorts by code point.
  std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) {
    return std::string_view(a->key()) < std::string_view(b->key());
  });
  out += '{';
  for (size_t i = 0; i < members.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(out, members[i]->key(), JsonShortEscapes::kAll);
    out += ':';
    Append(members[i]->value(), out);
  }
  out += '}';
}

void Append(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::object:
      return AppendObject(v.get_object(), out);
    case json::kind::array: {
      out += '[';
      const json::array& a = v.get_array();
      for (size_t i = 0; i < a.size(); ++i) {
        if (i > 0) out += ',';
        Append(a[i], out);
      }
      out += ']';
      return;
    }
    case json::kind::string:
      return AppendJsonString(out, v.get_string(), JsonShortEscapes::kAll);
    case json::kind::int64:
      out += std::to_string(v.get_int64());
      return;
    case json::kind::uint64:
      out += std::to_string(v.get_uint64());
      return;
    case json::kind::double_:
      return AppendDouble(v.get_double(), out);
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      return;
    case json::kind::null:
      out += "null";
      return;
  }
}

}  // namespace

std::string CanonicalJsonText(const json::value& value) {
  std::string out;
  Append(value, out);
  return out;
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

}  // namespace conveyor
