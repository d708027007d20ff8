#include "api/json_writer.h"

#include <boost/json/basic_parser_impl.hpp>
#include <charconv>
#include <cmath>

#include "core/time_format.h"
#include "json/json_text.h"

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

}  // namespace

void AppendRfc3339(std::string* out, TimeMs t) {
  // A job carries up to six times: formatting them without snprintf or a temporary string is a
  // measurable part of GET /jobs/{id}. Days to civil date: H. Hinnant's days_from_civil inverse.
  if (t < 0) {
    out->append(FormatRfc3339(t));  // before 1970: rare enough for the general path
    return;
  }
  const int64_t days = t / 86400000, ms_of_day = t % 86400000;
  const int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2);
  char buf[] = "0000-00-00T00:00:00.000Z";
  const auto put = [&buf](int pos, int width, int64_t v) {
    for (int i = pos + width - 1; i >= pos; --i, v /= 10) buf[i] = static_cast<char>('0' + v % 10);
  };
  put(0, 4, year);
  put(5, 2, month);
  put(8, 2, day);
  put(11, 2, ms_of_day / 3600000);
  put(14, 2, ms_of_day / 60000 % 60);
  put(17, 2, ms_of_day / 1000 % 60);
  put(20, 3, ms_of_day % 1000);
  out->append(buf, 24);
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

JsonWriter& JsonWriter::Number(double v) {
  // 2^53: every whole double below it converts to int64 exactly.
  constexpr double kExactInts = 9007199254740992.0;
  if (std::trunc(v) == v && std::fabs(v) < kExactInts) return Int(static_cast<int64_t>(v));
  return Float(v);
}

JsonWriter& JsonWriter::Float(double v) {
  if (!std::isfinite(v)) return Null();
  Separate();
  AppendJsonText(*out_, boost::json::value(v));  // the shortest form, "14.0" for whole values
  return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
  Separate();
  out_->append(json);
  return *this;
}

JsonWriter& JsonWriter::Time(TimeMs t) {
  Separate();
  out_->push_back('"');
  AppendRfc3339(out_, t);
  out_->push_back('"');
  return *this;
}

JsonWriter& JsonWriter::JsonText(std::string_view json) {
  return IsValidJson(json) ? Raw(json) : String(json);
}

}  // namespace conveyor::api
