#include "util/stable_hash.h"

#include <cstring>

#include "util/little_endian.h"

namespace newsmeta {
namespace {

constexpr uint64_t kMul1 = 0x87c37b91114253d5ULL;
constexpr uint64_t kMul2 = 0x4cf5ad432745937fULL;

uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

uint64_t Mix(uint64_t h, uint64_t word) {
  h ^= Rotl(word * kMul1, 31) * kMul2;
  return Rotl(h, 27) * 5 + 0x52dce729;
}

uint64_t Finalize(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

}  // namespace

uint64_t StableHash64(absl::string_view data) {
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ data.size();
  const char* p = data.data();
  size_t left = data.size();
  for (; left >= 8; p += 8, left -= 8) h = Mix(h, LoadLittleEndian(p, 8));
  if (left > 0) h = Mix(h, LoadLittleEndian(p, left));
  return Finalize(h);
}

}  // namespace newsmeta
