// A fast 64-bit hash that is the same on every machine, build and run
// (absl::Hash is seeded per process): for fingerprints that travel between
// replicas, such as the query fingerprint in page tokens. Not cryptographic.
#ifndef NEWSMETA_SERVER_UTIL_STABLE_HASH_H_
#define NEWSMETA_SERVER_UTIL_STABLE_HASH_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace newsmeta {

// Hashes `data` 8 bytes at a time (little-endian words, a multiply-rotate
// round each, MurmurHash3's finalizer last).
uint64_t StableHash64(absl::string_view data);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_UTIL_STABLE_HASH_H_
