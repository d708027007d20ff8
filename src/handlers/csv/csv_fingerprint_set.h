// CsvFingerprintSet: the values seen so far in a `unique` column, kept as 64-bit fingerprints
// in one open-addressing table (linear probing, grown at 70% load), so uniqueness costs about
// 11-23 bytes per distinct value whatever the values' length — 10 million distinct SKUs take
// 128 MiB (192 MiB for the moment of a resize), one million 16 MiB — instead of a copy of
// every value.
//
// The price: two different values with the same fingerprint look like a duplicate. The
// fingerprint is a 64-bit hash, so with n distinct values the chance of any such false
// duplicate is about n² / 2^65 (one in 370,000 for n = 10 million). Reports say
// "duplicate value" without claiming certainty beyond that.
//
// Thread-safety: none; one set per column per job.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace conveyor {

class CsvFingerprintSet {
 public:
  // True when the value was not in the set (and now is).
  bool Insert(std::string_view value);
  size_t size() const { return size_; }
  size_t memory_bytes() const { return slots_.capacity() * sizeof(uint64_t); }

  static uint64_t Fingerprint(std::string_view value);

 private:
  bool InsertFingerprint(uint64_t fp);
  void Grow();

  std::vector<uint64_t> slots_;  // 0 = empty; a fingerprint of 0 is stored as 1
  size_t size_ = 0;
};

}  // namespace conveyor
