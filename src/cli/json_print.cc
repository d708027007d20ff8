#include "cli/json_print.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace conveyor::cli {
namespace {

namespace json = boost::json;

void Print(const json::value& v, std::string& out, int indent);

void NewLine(std::string& out, int indent) {
  out += '\n';
  out.append(static_cast<std::size_t>(indent) * 2, ' ');
}

void PrintObject(const json::object& o, std::string& out, int indent) {
  if (o.empty()) {
    out += "{}";
    return;
  }
  out += '{';
  bool first = true;
  for (const auto& [key, value] : o) {
    if (!first) out += ',';
    first = false;
    NewLine(out, indent + 1);
    out += json::serialize(json::string(key));
    out += ": ";
    Print(value, out, indent + 1);
  }
  NewLine(out, indent);
  out += '}';
}

void PrintArray(const json::array& a, std::string& out, int indent) {
  if (a.empty()) {
    out += "[]";
    return;
  }
  out += '[';
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (i > 0) out += ',';
    NewLine(out, indent + 1);
    Print(a[i], out, indent + 1);
  }
  NewLine(out, indent);
  out += ']';
}

void Print(const json::value& v, std::string& out, int indent) {
  if (v.is_object()) return PrintObject(v.get_object(), out, indent);
  if (v.is_array()) return PrintArray(v.get_array(), out, indent);
  out += json::serialize(v);
}

}  // namespace

std::string PrettyJson(const json::value& v) {
  std::string out;
  Print(v, out, 0);
  return out;
}

std::string PrettyJsonText(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? std::string(text) : PrettyJson(v);
}

}  // namespace conveyor::cli
