#include "core/json_escape.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace conveyor {
namespace {

std::string Quoted(std::string_view text, JsonShortEscapes short_escapes) {
  std::string out;
  AppendJsonString(out, text, short_escapes);
  return out;
}

constexpr JsonShortEscapes kAllForms[] = {
    JsonShortEscapes::kNone, JsonShortEscapes::kNewlineReturnTab, JsonShortEscapes::kAll};

TEST(JsonEscapeTest, AppendsAfterWhatIsThere) {
  std::string out = "[";
  AppendJsonString(out, "a", JsonShortEscapes::kAll);
  EXPECT_EQ(out, R"(["a")");
  EXPECT_EQ(Quoted("", JsonShortEscapes::kNone), R"("")");
}

TEST(JsonEscapeTest, QuotesAndBackslashesInEveryForm) {
  for (JsonShortEscapes form : kAllForms) {
    EXPECT_EQ(Quoted(R"(say "hi" \o/)", form), R"("say \"hi\" \\o/")");
    EXPECT_EQ(Quoted(R"("\)", form), R"("\"\\")");
  }
}

TEST(JsonEscapeTest, ControlCharactersPerForm) {
  const std::string controls("\x00\b\t\n\f\r\x01\x1f", 8);
  EXPECT_EQ(Quoted(controls, JsonShortEscapes::kNone),
            R"("\u0000\u0008\u0009\u000a\u000c\u000d\u0001\u001f")");
  EXPECT_EQ(Quoted(controls, JsonShortEscapes::kNewlineReturnTab),
            R"("\u0000\u0008\t\n\u000c\r\u0001\u001f")");
  EXPECT_EQ(Quoted(controls, JsonShortEscapes::kAll), R"("\u0000\b\t\n\f\r\u0001\u001f")");
}

TEST(JsonEscapeTest, DelAndSlashAreNotEscaped) {
  for (JsonShortEscapes form : kAllForms) EXPECT_EQ(Quoted("a\x7f/b", form), "\"a\x7f/b\"");
}

TEST(JsonEscapeTest, Utf8IsCopiedAsIs) {
  // é, €, U+2028 (line separator) and 😀: two, three, three and four bytes, none escaped.
  const std::string text = "\xc3\xa9 \xe2\x82\xac \xe2\x80\xa8 \xf0\x9f\x98\x80";
  for (JsonShortEscapes form : kAllForms) EXPECT_EQ(Quoted(text, form), '"' + text + '"');
}

TEST(JsonEscapeTest, InvalidUtf8IsCopiedAsIs) {
  // A lone continuation byte, a truncated sequence, an overlong '/', 0xFF: not validated.
  const std::string text = "\x80 \xe2\x82 \xc0\xaf \xff";
  for (JsonShortEscapes form : kAllForms) EXPECT_EQ(Quoted(text, form), '"' + text + '"');
}

// The escaper checks eight bytes at a time: every byte value at every offset of a string longer
// than two such blocks must come out as a plain byte-by-byte escaper writes it.
std::string ByteByByte(std::string_view text, JsonShortEscapes form) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool short_nrt = form != JsonShortEscapes::kNone;
    const bool short_bf = form == JsonShortEscapes::kAll;
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (short_nrt && c == '\n') {
      out += "\\n";
    } else if (short_nrt && c == '\r') {
      out += "\\r";
    } else if (short_nrt && c == '\t') {
      out += "\\t";
    } else if (short_bf && c == '\b') {
      out += "\\b";
    } else if (short_bf && c == '\f') {
      out += "\\f";
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += ch;
    }
  }
  return out + '"';
}

TEST(JsonEscapeTest, EveryByteAtEveryOffsetMatchesAByteByByteEscaper) {
  for (JsonShortEscapes form : kAllForms) {
    for (int byte = 0; byte < 256; ++byte) {
      for (size_t offset = 0; offset < 19; ++offset) {
        std::string text(19, 'x');
        text[offset] = static_cast<char>(byte);
        ASSERT_EQ(Quoted(text, form), ByteByByte(text, form))
            << "byte " << byte << " at " << offset << " form " << static_cast<int>(form);
      }
    }
  }
}

TEST(JsonEscapeTest, RandomMixesMatchAByteByByteEscaper) {
  std::mt19937 random(2026);
  std::uniform_int_distribution<int> length(0, 40), byte(0, 255), plain(0, 3);
  for (int i = 0; i < 5000; ++i) {
    std::string text(static_cast<size_t>(length(random)), 'x');
    for (char& c : text) c = plain(random) != 0 ? 'a' : static_cast<char>(byte(random));
    for (JsonShortEscapes form : kAllForms) ASSERT_EQ(Quoted(text, form), ByteByByte(text, form));
  }
}

TEST(JsonEscapeTest, LongRunsBetweenEscapes) {
  const std::string run(100, 'a');
  const std::string text = run + '"' + run + "\n\n" + run + "\xc3\xa9\x01" + run;
  EXPECT_EQ(Quoted(text, JsonShortEscapes::kNewlineReturnTab),
            ByteByByte(text, JsonShortEscapes::kNewlineReturnTab));
  EXPECT_EQ(Quoted(text, JsonShortEscapes::kNewlineReturnTab),
            '"' + run + "\\\"" + run + "\\n\\n" + run + "\xc3\xa9\\u0001" + run + '"');
}

}  // namespace
}  // namespace conveyor
