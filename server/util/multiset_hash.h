// A digest of a set of byte strings that does not depend on their order and
// is updated in O(change): adding or removing one string costs one SHA-256
// of it, whatever the set's size. The catalog version is made from it, so a
// catalog changed by a few articles gets the version a build from scratch
// would give without hashing every article again.
#ifndef NEWSMETA_SERVER_UTIL_MULTISET_HASH_H_
#define NEWSMETA_SERVER_UTIL_MULTISET_HASH_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace newsmeta {

// An additive multiset hash (Bellare and Micciancio's AdHash): the state is
// the number of strings and the sum, in four 64-bit lanes each modulo 2^64,
// of each string's SHA-256 read as four little-endian words. Adding is
// commutative and Remove undoes Add, so the state names the multiset alone.
// Not made to resist a forger who chooses many strings to collide (that
// takes about 2^32 work against 256-bit sums); the versions cut from it are
// 64 bits anyway, identifiers rather than proofs.
class MultisetHash {
 public:
  // Bytes() size: the count, then the four lanes, little-endian.
  static constexpr size_t kBytes = 8 + 4 * 8;

  void Add(absl::string_view bytes);
  void Remove(absl::string_view bytes);
  void Add(const MultisetHash& other);
  void Remove(const MultisetHash& other);

  uint64_t count() const { return count_; }
  // The state as kBytes bytes, and back.
  std::string Bytes() const;
  static std::optional<MultisetHash> FromBytes(absl::string_view bytes);
  // 64 lowercase hex digits: SHA-256 of a domain tag and Bytes(), so that
  // nothing of the sums shows through.
  std::string HexDigest() const;

  friend bool operator==(const MultisetHash& a, const MultisetHash& b) {
    return a.count_ == b.count_ && a.lanes_[0] == b.lanes_[0] &&
           a.lanes_[1] == b.lanes_[1] && a.lanes_[2] == b.lanes_[2] &&
           a.lanes_[3] == b.lanes_[3];
  }
  friend bool operator!=(const MultisetHash& a, const MultisetHash& b) {
    return !(a == b);
  }

 private:
  uint64_t count_ = 0;
  uint64_t lanes_[4] = {0, 0, 0, 0};
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_UTIL_MULTISET_HASH_H_
