// What containers hold on the heap, for memory reports (Catalog::
// memory_usage, SeedCache::memory_usage): each allocation counted as glibc's
// malloc lays it out, so the parts add up to what malloc has in use.
#ifndef NEWSMETA_SERVER_UTIL_MEMORY_USAGE_H_
#define NEWSMETA_SERVER_UTIL_MEMORY_USAGE_H_

#include <cstddef>
#include <string>
#include <vector>

namespace newsmeta {

// The bytes an allocation of `requested` bytes takes from malloc: glibc
// adds an 8-byte header, rounds up to 16 and takes at least 32 bytes. 0
// for 0 (nothing was allocated).
inline size_t HeapBytes(size_t requested) {
  if (requested == 0) return 0;
  const size_t chunk = (requested + 8 + 15) & ~size_t{15};
  return chunk < 32 ? 32 : chunk;
}

// The heap bytes of a string's characters (none while they fit in the
// string itself).
inline size_t StringHeapBytes(const std::string& s) {
  const std::string empty;
  return s.capacity() > empty.capacity() ? HeapBytes(s.capacity() + 1) : 0;
}

template <typename T>
size_t VectorHeapBytes(const std::vector<T>& v) {
  return HeapBytes(v.capacity() * sizeof(T));
}

// The heap bytes of an absl::flat_hash_map / flat_hash_set's table (not of
// what its elements point to): a control byte per slot plus 16 cloned ones,
// then the slots.
template <typename Table>
size_t HashTableBytes(const Table& table) {
  const size_t capacity = table.capacity();
  if (capacity == 0) return 0;
  constexpr size_t kAlign = alignof(typename Table::slot_type);
  const size_t control = (capacity + 1 + 15 + kAlign - 1) & ~(kAlign - 1);
  return HeapBytes(control + capacity * sizeof(typename Table::slot_type));
}

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_UTIL_MEMORY_USAGE_H_
