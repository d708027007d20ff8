// CsvReader: RFC 4180 quoting, line endings, chunk boundaries anywhere, strictness (errors at
// the same byte whatever the chunking) and the memory limits.
#include "handlers/csv/csv_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace conveyor {
namespace {

using Records = std::vector<std::vector<std::string>>;

// Feeds `text` in chunks of `chunk` bytes; returns the records, or the error in *error.
Records Read(const std::string& text, size_t chunk = 1 << 20, Status* error = nullptr,
             char delimiter = ',') {
  Records out;
  CsvReader reader(
      [&](uint64_t n, const std::vector<std::string_view>& fields) {
        EXPECT_EQ(n, out.size() + 1);
        std::vector<std::string> row;
        for (std::string_view f : fields) {
          EXPECT_EQ(f.data()[f.size()], '\0') << "fields must be NUL-terminated";
          row.emplace_back(f);
        }
        out.push_back(row);
        return true;
      },
      delimiter);
  Status s = Status::Ok();
  for (size_t i = 0; i < text.size() && s.ok(); i += chunk)
    s = reader.Feed(std::string_view(text).substr(i, chunk));
  if (s.ok()) s = reader.Finish();
  if (error != nullptr) *error = s;
  else EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

TEST(CsvReaderTest, PlainRecordsWithAndWithoutFinalLineBreak) {
  EXPECT_EQ(Read("a,b\n1,2\n"), (Records{{"a", "b"}, {"1", "2"}}));
  EXPECT_EQ(Read("a,b\n1,2"), (Records{{"a", "b"}, {"1", "2"}}));
}

TEST(CsvReaderTest, QuotedDelimiterQuoteAndLineBreak) {
  EXPECT_EQ(Read("x,y\n\"a,b\",\"say \"\"hi\"\"\"\n\"line1\nline2\",z\n"),
            (Records{{"x", "y"}, {"a,b", "say \"hi\""}, {"line1\nline2", "z"}}));
}

TEST(CsvReaderTest, CrlfEmptyFieldsAndBlankLines) {
  EXPECT_EQ(Read("a,b,c\r\n,,\r\n\r\n1,,3\r\n"),
            (Records{{"a", "b", "c"}, {"", "", ""}, {"1", "", "3"}}));
}

TEST(CsvReaderTest, KeepsSpacesForTheFixerToDecide) {
  EXPECT_EQ(Read("a,b\n  1 ,\t2\n"), (Records{{"a", "b"}, {"  1 ", "\t2"}}));
}

TEST(CsvReaderTest, DropsUtf8ByteOrderMark) {
  EXPECT_EQ(Read("\xEF\xBB\xBFsku\nA\n"), (Records{{"sku"}, {"A"}}));
}

TEST(CsvReaderTest, OtherDelimiter) {
  EXPECT_EQ(Read("a;b\n\"1;5\";2\n", 1 << 20, nullptr, ';'), (Records{{"a", "b"}, {"1;5", "2"}}));
}

TEST(CsvReaderTest, SameRecordsWhateverTheChunkSize) {
  const std::string text = "id,note\r\n1,\"a \"\"quoted\"\", multi\r\nline\"\r\n2,plain\r\n3,\"\"\n";
  const Records whole = Read(text);
  ASSERT_EQ(whole.size(), 4u);
  for (size_t chunk = 1; chunk <= 7; ++chunk) EXPECT_EQ(Read(text, chunk), whole) << chunk;
}

TEST(CsvReaderTest, LoneCarriageReturnEndsARecord) {
  EXPECT_EQ(Read("a,b\r1,2\r\r3,4"), (Records{{"a", "b"}, {"1", "2"}, {"3", "4"}}));
}

TEST(CsvReaderTest, EmptyLastFieldAndQuotedLastFieldWithoutLineBreak) {
  EXPECT_EQ(Read("a,b\n1,"), (Records{{"a", "b"}, {"1", ""}}));
  EXPECT_EQ(Read("a,b\n1,\"x,\"\"y\"\"\""), (Records{{"a", "b"}, {"1", "x,\"y\""}}));
  EXPECT_EQ(Read("a\n\"\"\"\"\n\"\""), (Records{{"a"}, {"\""}, {""}}));
}

TEST(CsvReaderTest, FeaturesAcrossEveryChunkBoundary) {
  const std::string text =
      "\xEF\xBB\xBFh1,h2,h3\r\n\r\n\"q,1\",\"\",plain\rx,\"a\r\nb\"\"\"\"c\",\n,,\n"
      "\"last\",  spaced ,z";
  const Records whole = Read(text);
  ASSERT_EQ(whole, (Records{{"h1", "h2", "h3"}, {"q,1", "", "plain"},
                            {"x", "a\r\nb\"\"c", ""}, {"", "", ""}, {"last", "  spaced ", "z"}}));
  for (size_t chunk = 3; chunk <= 17; ++chunk) EXPECT_EQ(Read(text, chunk), whole) << chunk;
}

TEST(CsvReaderTest, QuoteInsideAnUnquotedFieldIsAnErrorAtTheSameByteWhateverTheChunks) {
  for (size_t chunk : {1, 2, 3, 5, 1 << 20}) {
    Status s;
    Records r = Read("a\nb\"c\n", chunk, &s);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("malformed CSV at byte 3 (record 2)"), std::string::npos)
        << chunk << ": " << s.message();
    EXPECT_EQ(r.size(), 1u);
    Read("a,b\n\"x\"y,2\n", chunk, &s);
    EXPECT_NE(s.message().find("malformed CSV at byte 7 (record 2)"), std::string::npos)
        << chunk << ": " << s.message();
  }
}

TEST(CsvReaderTest, RefusesAnUnquotedFieldLongerThanTheLimit) {
  Status s;
  Read("a\n" + std::string(kMaxCsvFieldBytes + (2 << 20), 'x'), 1 << 20, &s);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("longer than"), std::string::npos) << s.message();
}

TEST(CsvReaderTest, UnterminatedQuoteAtTheEndIsAnError) {
  Status s;
  Read("a,b\n1,\"never closed\n", 1 << 20, &s);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("quoted field"), std::string::npos) << s.message();
}

TEST(CsvReaderTest, TextAfterAClosingQuoteIsAnErrorWithItsOffset) {
  Status s;
  Records r = Read("a,b\n\"x\"y,2\n", 1 << 20, &s);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("malformed CSV at byte 7 (record 2)"), std::string::npos)
      << s.message();
  EXPECT_EQ(r.size(), 1u);
}

TEST(CsvReaderTest, RefusesAFieldLongerThanTheLimit) {
  Status s;
  std::string text = "a\n\"" + std::string(kMaxCsvFieldBytes + (2 << 20), 'x');
  Read(text, 1 << 20, &s);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("longer than"), std::string::npos) << s.message();
}

TEST(CsvReaderTest, RefusesTooManyFields) {
  Status s;
  Read(std::string(kMaxCsvFields + 10, ',') + "\n", 1 << 20, &s);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("fields"), std::string::npos) << s.message();
}

TEST(CsvReaderTest, CallbackCanStopTheReader) {
  int seen = 0;
  CsvReader reader([&](uint64_t, const auto&) { return ++seen < 2; });
  Status s = reader.Feed("a\nb\nc\nd\n");
  EXPECT_EQ(s.code(), StatusCode::kCancelled);
  EXPECT_EQ(seen, 2);
}

}  // namespace
}  // namespace conveyor
