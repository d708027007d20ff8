#include "core/json_escape.h"

#include <cstdint>
#include <cstring>

namespace conveyor {
namespace {

// For each byte, what follows the backslash: 0 copies the byte as is, 'u' means \u00xx.
struct EscapeTable {
  char after_backslash[256];
};

constexpr EscapeTable MakeEscapeTable(JsonShortEscapes short_escapes) {
  EscapeTable t{};
  for (int c = 0; c < 0x20; ++c) t.after_backslash[c] = 'u';
  t.after_backslash[static_cast<int>('"')] = '"';
  t.after_backslash[static_cast<int>('\\')] = '\\';
  if (short_escapes != JsonShortEscapes::kNone) {
    t.after_backslash[static_cast<int>('\n')] = 'n';
    t.after_backslash[static_cast<int>('\r')] = 'r';
    t.after_backslash[static_cast<int>('\t')] = 't';
  }
  if (short_escapes == JsonShortEscapes::kAll) {
    t.after_backslash[static_cast<int>('\b')] = 'b';
    t.after_backslash[static_cast<int>('\f')] = 'f';
  }
  return t;
}

// Indexed by JsonShortEscapes.
constexpr EscapeTable kEscapeTables[] = {MakeEscapeTable(JsonShortEscapes::kNone),
                                         MakeEscapeTable(JsonShortEscapes::kNewlineReturnTab),
                                         MakeEscapeTable(JsonShortEscapes::kAll)};

// True when none of the eight bytes at `p` is below 0x20, '"' or '\'. The bit tricks ("has a byte
// less than n", "has a zero byte") never miss an offending byte; a false alarm only sends the
// caller to the exact per-byte check.
bool EightNeedNoEscape(const char* p) {
  uint64_t x;
  std::memcpy(&x, p, sizeof x);
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHighBits = 0x8080808080808080ULL;
  const uint64_t below_space = (x - kOnes * 0x20) & ~x;
  const uint64_t quote = x ^ (kOnes * '"'), backslash = x ^ (kOnes * '\\');
  const uint64_t is_quote = (quote - kOnes) & ~quote;
  const uint64_t is_backslash = (backslash - kOnes) & ~backslash;
  return ((below_space | is_quote | is_backslash) & kHighBits) == 0;
}

void AppendEscape(std::string& out, unsigned char c, char after_backslash) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (after_backslash == 'u') {
    const char escape[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
    out.append(escape, sizeof escape);
  } else {
    const char escape[2] = {'\\', after_backslash};
    out.append(escape, sizeof escape);
  }
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view text, JsonShortEscapes short_escapes) {
  const char* escapes = kEscapeTables[static_cast<int>(short_escapes)].after_backslash;
  const char* p = text.data();
  const char* const end = p + text.size();
  const char* run = p;  // start of the pending stretch that needs no escaping
  out.push_back('"');
  while (p != end) {
    if (end - p >= 8 && EightNeedNoEscape(p)) {
      p += 8;
      continue;
    }
    const auto c = static_cast<unsigned char>(*p);
    if (const char e = escapes[c]; e != 0) {
      out.append(run, static_cast<size_t>(p - run));
      AppendEscape(out, c, e);
      run = p + 1;
    }
    ++p;
  }
  out.append(run, static_cast<size_t>(end - run));
  out.push_back('"');
}

}  // namespace conveyor
