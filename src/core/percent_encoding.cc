#include "core/percent_encoding.h"

#include <cctype>
#include <charconv>

namespace conveyor {

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

bool PercentDecodeQuery(std::string_view in, std::string* out) {
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out->push_back(' ');
    } else if (in[i] != '%') {
      out->push_back(in[i]);
    } else {
      unsigned byte = 0;
      if (i + 2 >= in.size()) return false;
      auto [end, ec] = std::from_chars(in.data() + i + 1, in.data() + i + 3, byte, 16);
      if (ec != std::errc() || end != in.data() + i + 3) return false;
      out->push_back(static_cast<char>(byte));
      i += 2;
    }
  }
  return true;
}

}  // namespace conveyor
