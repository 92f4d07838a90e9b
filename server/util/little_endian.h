// Integers as little-endian bytes, whatever the machine's byte order: the
// on-disk forms (snapshots, saved text indexes) and stable hashes use them.
#ifndef NEWSMETA_SERVER_UTIL_LITTLE_ENDIAN_H_
#define NEWSMETA_SERVER_UTIL_LITTLE_ENDIAN_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace newsmeta {

// Appends the low `bytes` bytes of `value` (1 to 8), lowest first.
inline void AppendLittleEndian(uint64_t value, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) {
    out->push_back(static_cast<char>(value >> (8 * i)));
  }
}

// The `bytes` bytes (0 to 8) at `p` as a little-endian integer.
inline uint64_t LoadLittleEndian(const char* p, size_t bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < bytes; ++i) {
    value |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  }
  return value;
}

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_UTIL_LITTLE_ENDIAN_H_
