#include "handlers/csv/csv_fingerprint_set.h"

#include <functional>

namespace conveyor {
namespace {

constexpr size_t kInitialSlots = 1024;  // a power of two

// Spreads the bits of the hash (libstdc++'s string hash is MurmurHash2 64-bit) so that the low
// bits used as the slot index depend on all of them (splitmix64 finaliser).
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

uint64_t CsvFingerprintSet::Fingerprint(std::string_view value) {
  const uint64_t fp = Mix(std::hash<std::string_view>{}(value));
  return fp == 0 ? 1 : fp;
}

bool CsvFingerprintSet::Insert(std::string_view value) {
  return InsertFingerprint(Fingerprint(value));
}

bool CsvFingerprintSet::InsertFingerprint(uint64_t fp) {
  if (slots_.empty() || (size_ + 1) * 10 > slots_.size() * 7) Grow();
  const size_t mask = slots_.size() - 1;
  for (size_t i = fp & mask;; i = (i + 1) & mask) {
    if (slots_[i] == fp) return false;
    if (slots_[i] == 0) {
      slots_[i] = fp;
      ++size_;
      return true;
    }
  }
}

void CsvFingerprintSet::Grow() {
  std::vector<uint64_t> old;
  old.swap(slots_);
  slots_.assign(old.empty() ? kInitialSlots : old.size() * 2, 0);
  size_ = 0;
  for (uint64_t fp : old) {
    if (fp != 0) InsertFingerprint(fp);
  }
}

}  // namespace conveyor
