#include "api/json_writer.h"

#include <boost/json/basic_parser_impl.hpp>
#include <charconv>

#include "core/time_format.h"

namespace conveyor::api {
namespace {

// A boost::json SAX handler that accepts everything: basic_parser does the validation.
struct NullHandler {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);
  using ec_t = boost::json::error_code;
  bool on_document_begin(ec_t&) { return true; }
  bool on_document_end(ec_t&) { return true; }
  bool on_object_begin(ec_t&) { return true; }
  bool on_object_end(std::size_t, ec_t&) { return true; }
  bool on_array_begin(ec_t&) { return true; }
  bool on_array_end(std::size_t, ec_t&) { return true; }
  bool on_key_part(boost::json::string_view, std::size_t, ec_t&) { return true; }
  bool on_key(boost::json::string_view, std::size_t, ec_t&) { return true; }
  bool on_string_part(boost::json::string_view, std::size_t, ec_t&) { return true; }
  bool on_string(boost::json::string_view, std::size_t, ec_t&) { return true; }
  bool on_number_part(boost::json::string_view, ec_t&) { return true; }
  bool on_int64(int64_t, boost::json::string_view, ec_t&) { return true; }
  bool on_uint64(uint64_t, boost::json::string_view, ec_t&) { return true; }
  bool on_double(double, boost::json::string_view, ec_t&) { return true; }
  bool on_bool(bool, ec_t&) { return true; }
  bool on_null(ec_t&) { return true; }
  bool on_comment_part(boost::json::string_view, ec_t&) { return true; }
  bool on_comment(boost::json::string_view, ec_t&) { return true; }
};

constexpr char kHex[] = "0123456789abcdef";

}  // namespace

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  size_t run = 0;  // start of the pending stretch that needs no escaping
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 0xF]);
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

bool IsValidJson(std::string_view text) {
  boost::json::basic_parser<NullHandler> parser(boost::json::parse_options{});
  boost::json::error_code ec;
  const size_t n = parser.write_some(false, text.data(), text.size(), ec);
  return !ec && n == text.size() && parser.done();
}

void JsonWriter::Separate() {
  if (need_comma_) out_->push_back(',');
  need_comma_ = true;
}

JsonWriter& JsonWriter::BeginObject() {
  Separate();
  out_->push_back('{');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  out_->push_back('}');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  Separate();
  out_->push_back('[');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  out_->push_back(']');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  Separate();
  AppendJsonString(out_, key);
  out_->push_back(':');
  need_comma_ = false;  // the value follows without a comma
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view s) {
  Separate();
  AppendJsonString(out_, s);
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t v) {
  Separate();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;  // 24 characters always hold an int64
  out_->append(buf, end);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool v) {
  Separate();
  out_->append(v ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::Null() {
  Separate();
  out_->append("null");
  return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
  Separate();
  out_->append(json);
  return *this;
}

JsonWriter& JsonWriter::Time(TimeMs t) { return String(FormatRfc3339(t)); }

JsonWriter& JsonWriter::JsonText(std::string_view json) {
  return IsValidJson(json) ? Raw(json) : String(json);
}

}  // namespace conveyor::api
