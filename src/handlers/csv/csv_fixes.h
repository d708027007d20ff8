// Automatic fixes for CSV values (csv.correct, and csv.validate with auto_fix): what a person
// would do by hand to a marketplace spreadsheet before it passes the rules.
//
//   trim_whitespace     leading/trailing spaces and tabs, any column
//   decimal_separator   int/decimal columns: "1,5" → "1.5", "1.234,56" → "1234.56",
//                       "1,234.56" → "1234.56", "1 234" → "1234" (thousands separators go;
//                       a lone comma is a decimal comma unless the column is int and it is
//                       followed by exactly three digits)
//   date_format         date columns: 2024/01/31, 31/01/2024, 31.01.2024, 31-01-2024 (or
//                       month first with date_order "mdy"), 20240131, "31 Jan 2024",
//                       "Jan 31, 2024", "2024-01-31T10:00:00Z" → 2024-01-31
//   enum_case           enum columns: "ACTIVE" → "active" when only the case differs
// A value is rewritten only when the fix makes it valid for its type; otherwise it is left as
// it is for the validator to report.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "handlers/csv/csv_rules.h"

namespace conveyor {

enum class CsvFixKind { kTrim, kDecimal, kDate, kEnumCase };
inline constexpr int kCsvFixKinds = 4;
const char* CsvFixName(CsvFixKind k);  // "trim_whitespace", ...

// `v` without leading/trailing spaces and tabs.
std::string_view TrimCsvValue(std::string_view v);

// The canonical form of a number written with other separators, if it is one.
std::optional<std::string> FixCsvNumber(std::string_view v, bool integer);
// YYYY-MM-DD for a date written in one of the common forms above.
std::optional<std::string> FixCsvDate(std::string_view v, bool month_first);

// Applies the type's fix (not trimming) to `v`. Returns the fixed value and its kind, or
// nullopt when no fix applies or the value is already valid.
struct CsvFix {
  CsvFixKind kind;
  std::string value;
};
std::optional<CsvFix> FixCsvValue(const CsvColumnRule& rule, std::string_view v);

}  // namespace conveyor
