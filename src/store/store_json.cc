#include "store/store_json.h"

#include <cstdint>

namespace conveyor {
namespace {

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// A cursor over the text; every Parse* returns false on malformed input.
class Parser {
 public:
  explicit Parser(std::string_view t) : t_(t) {}

  void SkipSpace() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\n' || t_[i_] == '\t' || t_[i_] == '\r')) {
      ++i_;
    }
  }
  bool Eat(char c) {
    SkipSpace();
    if (i_ < t_.size() && t_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool AtEnd() {
    SkipSpace();
    return i_ == t_.size();
  }

  bool ParseString(std::string& out) {
    if (!Eat('"')) return false;
    while (i_ < t_.size()) {
      const char c = t_[i_++];
      if (c == '"') return true;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (!ParseEscape(out)) return false;
    }
    return false;
  }

 private:
  bool ParseEscape(std::string& out) {
    if (i_ >= t_.size()) return false;
    const char e = t_[i_++];
    switch (e) {
      case '"': out.push_back('"'); return true;
      case '\\': out.push_back('\\'); return true;
      case '/': out.push_back('/'); return true;
      case 'b': out.push_back('\b'); return true;
      case 'f': out.push_back('\f'); return true;
      case 'n': out.push_back('\n'); return true;
      case 'r': out.push_back('\r'); return true;
      case 't': out.push_back('\t'); return true;
      case 'u': return ParseUnicode(out);
      default: return false;
    }
  }

  bool ParseHex4(uint32_t& v) {
    if (i_ + 4 > t_.size()) return false;
    v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = t_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
      else return false;
    }
    return true;
  }

  bool ParseUnicode(std::string& out) {
    uint32_t cp = 0;
    if (!ParseHex4(cp)) return false;
    if (cp >= 0xD800 && cp < 0xDC00) {  // high surrogate: a low one must follow
      uint32_t lo = 0;
      if (i_ + 2 > t_.size() || t_[i_] != '\\' || t_[i_ + 1] != 'u') return false;
      i_ += 2;
      if (!ParseHex4(lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    AppendUtf8(out, cp);
    return true;
  }

  std::string_view t_;
  size_t i_ = 0;
};

}  // namespace

std::string EncodeJsonStringArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(out, items[i]);
  }
  out.push_back(']');
  return out;
}

std::optional<std::vector<std::string>> DecodeJsonStringArray(std::string_view text) {
  Parser p(text);
  std::vector<std::string> items;
  if (!p.Eat('[')) return std::nullopt;
  if (p.Eat(']')) return p.AtEnd() ? std::optional(items) : std::nullopt;
  do {
    std::string item;
    if (!p.ParseString(item)) return std::nullopt;
    items.push_back(std::move(item));
  } while (p.Eat(','));
  if (!p.Eat(']') || !p.AtEnd()) return std::nullopt;
  return items;
}

}  // namespace conveyor
