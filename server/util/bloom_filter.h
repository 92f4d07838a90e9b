// A Bloom filter of 64-bit keys: "maybe in the set" or "certainly not".
// Hand-written (a few lines): Debian packages no C++ Bloom filter library.
#ifndef NEWSMETA_SERVER_UTIL_BLOOM_FILTER_H_
#define NEWSMETA_SERVER_UTIL_BLOOM_FILTER_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace newsmeta {

class BloomFilter {
 public:
  // Sized for `expected` keys at about 1% false positives (10 bits and 4
  // probes per key); more keys raise the rate, never give a false negative.
  explicit BloomFilter(size_t expected = 0)
      : bits_((std::max<size_t>(expected, 64) * 10 + 63) / 64, 0) {}

  void Add(uint64_t key) {
    for (int i = 0; i < kProbes; ++i) {
      const uint64_t bit = Probe(key, i);
      bits_[bit >> 6] |= uint64_t{1} << (bit & 63);
    }
  }
  bool MaybeContains(uint64_t key) const {
    for (int i = 0; i < kProbes; ++i) {
      const uint64_t bit = Probe(key, i);
      if (((bits_[bit >> 6] >> (bit & 63)) & 1) == 0) return false;
    }
    return true;
  }
  size_t bytes() const { return bits_.size() * sizeof(uint64_t); }

 private:
  static constexpr int kProbes = 4;
  // Double hashing (Kirsch and Mitzenmacher) over a mixed key.
  uint64_t Probe(uint64_t key, int i) const {
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    const uint64_t h1 = h;
    const uint64_t h2 = (h >> 32) | 1;
    return (h1 + static_cast<uint64_t>(i) * h2) % (bits_.size() * 64);
  }

  std::vector<uint64_t> bits_;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_UTIL_BLOOM_FILTER_H_
