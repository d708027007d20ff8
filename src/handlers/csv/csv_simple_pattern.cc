#include "handlers/csv/csv_simple_pattern.h"

#include <algorithm>
#include <bit>
#include <clocale>
#include <cstdint>
#include <cstring>

namespace conveyor {
namespace {

constexpr std::string_view kSpecial = ".[]()|*+?{}\\^$";

bool IsCLocale(int category) {
  const char* name = std::setlocale(category, nullptr);
  return name != nullptr && (std::strcmp(name, "C") == 0 || std::strcmp(name, "POSIX") == 0);
}

// [...] at `s` (just after '['): literal bytes and ranges; '[' or '\\' inside, which POSIX
// gives special meanings, are left to regcomp. Returns the length consumed after '[', or 0.
size_t ParseBracket(std::string_view s, std::bitset<256>* set) {
  size_t i = 0;
  const bool negate = i < s.size() && s[i] == '^';
  if (negate) ++i;
  const size_t first = i;
  for (;;) {
    if (i >= s.size()) return 0;
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == ']' && i > first) break;
    if (c == '[' || c == '\\') return 0;
    // '-' is a literal only first or last; anything subtler is left to regcomp
    if (c == '-' && i > first && i + 1 < s.size() && s[i + 1] != ']') return 0;
    if (i + 2 < s.size() && s[i + 1] == '-' && s[i + 2] != ']') {
      const unsigned char hi = static_cast<unsigned char>(s[i + 2]);
      if (hi < c || hi == '[' || hi == '\\' || hi == '-' || c == '-') return 0;
      for (unsigned x = c; x <= hi; ++x) set->set(x);
      i += 3;
    } else {
      set->set(c);
      ++i;
    }
  }
  if (negate) set->flip();
  set->reset(0);  // a value never holds NUL here; regexec could not see past one anyway
  return i + 1;
}

// {n}, {n,} or {n,m} at `s` (just after '{'). Returns the length consumed after '{', or 0.
size_t ParseBounds(std::string_view s, size_t* min, size_t* max, size_t unbounded) {
  const auto number = [&](size_t& i, size_t* out) {
    const size_t start = i;
    *out = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 4) *out = *out * 10 + (s[i++] - '0');
    return i > start && (i >= s.size() || s[i] < '0' || s[i] > '9');
  };
  size_t i = 0;
  if (!number(i, min)) return 0;
  *max = *min;
  if (i < s.size() && s[i] == ',') {
    ++i;
    *max = unbounded;
    if (i < s.size() && s[i] != '}' && !number(i, max)) return 0;
  }
  if (i >= s.size() || s[i] != '}' || *max < *min) return 0;
  return i + 1;
}

}  // namespace

std::optional<CsvSimplePattern> CsvSimplePattern::Parse(std::string_view p) {
  if (p.empty() || !IsCLocale(LC_CTYPE) || !IsCLocale(LC_COLLATE)) return std::nullopt;
  CsvSimplePattern out;
  size_t i = 0;
  while (i < p.size()) {
    Item item;
    const unsigned char c = static_cast<unsigned char>(p[i]);
    if (c == '.') {
      item.set.set();
      item.set.reset(0);
      ++i;
    } else if (c == '[') {
      const size_t n = ParseBracket(p.substr(i + 1), &item.set);
      if (n == 0) return std::nullopt;
      i += 1 + n;
    } else if (c == '\\') {
      if (i + 1 >= p.size() || kSpecial.find(p[i + 1]) == std::string_view::npos)
        return std::nullopt;  // \1, \w, \< ...: regcomp's business
      item.set.set(static_cast<unsigned char>(p[i + 1]));
      i += 2;
    } else if (kSpecial.find(static_cast<char>(c)) != std::string_view::npos) {
      return std::nullopt;
    } else {
      item.set.set(c);
      ++i;
    }
    if (i < p.size()) {
      const char q = p[i];
      if (q == '*' || q == '+' || q == '?') {
        item.min = q == '+' ? 1 : 0;
        item.max = q == '?' ? 1 : kUnbounded;
        ++i;
      } else if (q == '{') {
        const size_t n = ParseBounds(p.substr(i + 1), &item.min, &item.max, kUnbounded);
        if (n == 0) return std::nullopt;
        i += 1 + n;
      }
      // a second quantifier in a row (a+*, a{2}?) is left to regcomp
      if (i < p.size() && std::string_view("*+?{").find(p[i]) != std::string_view::npos)
        return std::nullopt;
    }
    out.items_.push_back(item);
  }
  return out;
}

bool CsvSimplePattern::MatchesShort(std::string_view v) const {
  // As Matches, with the reachable ends in one machine word (values under 64 bytes).
  uint64_t reach = 1;
  const size_t n = v.size();
  for (const Item& item : items_) {
    uint64_t next = 0;
    for (uint64_t r = reach; r != 0; r &= r - 1) {
      const size_t start = static_cast<size_t>(std::countr_zero(r));
      const size_t limit = item.max == kUnbounded ? n : std::min(n, start + item.max);
      if (item.min == 0) next |= uint64_t{1} << start;
      for (size_t k = start; k < limit && item.set.test(static_cast<unsigned char>(v[k]));) {
        ++k;
        if (k - start >= item.min) next |= uint64_t{1} << k;
      }
    }
    if (next == 0) return false;
    reach = next;
  }
  return (reach >> n) & 1;
}

bool CsvSimplePattern::Matches(std::string_view v) const {
  if (v.size() < 64) return MatchesShort(v);
  // reach[k]: the first items matched so far can end at byte k.
  std::bitset<kMaxValueBytes + 1> reach;
  reach.set(0);
  const size_t n = v.size();
  for (const Item& item : items_) {
    std::bitset<kMaxValueBytes + 1> next;
    // only the reachable starts (libstdc++'s bit scan; past the last one it returns the size)
    for (size_t start = reach._Find_first(); start <= n; start = reach._Find_next(start)) {
      size_t k = start;
      const size_t limit = item.max == kUnbounded ? n : std::min(n, start + item.max);
      if (start + item.min <= n) {
        while (k < limit && item.set.test(static_cast<unsigned char>(v[k]))) {
          ++k;
          if (k - start >= item.min) next.set(k);
        }
      }
      if (item.min == 0) next.set(start);
    }
    if (next.none()) return false;
    reach = next;
  }
  return reach.test(n);
}

}  // namespace conveyor
