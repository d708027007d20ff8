#include "json/json_text.h"

#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>
#include <system_error>

namespace conveyor {
namespace {

void AppendDouble(std::string& out, double d) {
  if (!std::isfinite(d)) {  // not JSON: keep what Boost.JSON writes for it
    out += boost::json::serialize(boost::json::value(d));
    return;
  }
  char buf[64];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, d);
  std::string_view text(buf, static_cast<size_t>(r.ptr - buf));
  out += text;
  // Shortest form of an integral double has neither '.' nor an exponent ("14"): keep it a float.
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

bool HasDouble(const boost::json::value& value);

bool HasDouble(const boost::json::object& object) {
  for (const boost::json::key_value_pair& member : object) {
    if (HasDouble(member.value())) return true;
  }
  return false;
}

bool HasDouble(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::double_:
      return true;
    case boost::json::kind::array:
      for (const boost::json::value& item : value.get_array()) {
        if (HasDouble(item)) return true;
      }
      return false;
    case boost::json::kind::object:
      return HasDouble(value.get_object());
    default:
      return false;
  }
}

void AppendObject(std::string& out, const boost::json::object& object) {
  out += '{';
  bool first = true;
  for (const boost::json::key_value_pair& member : object) {
    if (!first) out += ',';
    first = false;
    out += boost::json::serialize(boost::json::string_view(member.key()));
    out += ':';
    AppendJsonText(out, member.value());
  }
  out += '}';
}

}  // namespace

void AppendJsonText(std::string& out, const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::double_:
      AppendDouble(out, value.get_double());
      return;
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const boost::json::value& item : value.get_array()) {
        if (!first) out += ',';
        first = false;
        AppendJsonText(out, item);
      }
      out += ']';
      return;
    }
    case boost::json::kind::object:
      AppendObject(out, value.get_object());
      return;
    default:  // string, integers, bool, null: Boost.JSON's text
      out += boost::json::serialize(value);
      return;
  }
}

// Most payloads and results hold no double: Boost.JSON's serializer writes them in one pass.
std::string ToJsonText(const boost::json::value& value) {
  if (!HasDouble(value)) return boost::json::serialize(value);
  std::string out;
  AppendJsonText(out, value);
  return out;
}

std::string ToJsonText(const boost::json::object& object) {
  if (!HasDouble(object)) return boost::json::serialize(object);
  std::string out;
  AppendObject(out, object);
  return out;
}

}  // namespace conveyor
