// SHA-256 digests as lowercase hex, for identifiers that must be the same on
// every replica and across restarts (article ids, query fingerprints, catalog
// versions).
#ifndef NEWSMETA_SERVER_UTIL_SHA256_H_
#define NEWSMETA_SERVER_UTIL_SHA256_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace newsmeta {

// Returns the 64 lowercase hex digits of SHA-256(`data`).
std::string Sha256Hex(absl::string_view data);

// SHA-256(`data`) as its 32 bytes, for keeping many digests compactly (no
// allocation each).
using Sha256Digest = std::array<uint8_t, 32>;
Sha256Digest Sha256Of(absl::string_view data);

// SHA-256 of data given in parts: Sha256Hasher h; h.Update(a); h.Update(b);
// h.HexDigest() == Sha256Hex(a + b).
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  void Update(absl::string_view data);
  // The digest of everything given so far; call once, last.
  std::string HexDigest();
  // The same, leaving the hasher as it is, to go on with more data.
  std::string HexDigestSoFar() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_UTIL_SHA256_H_
