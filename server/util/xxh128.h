// XXH3-128 (xxHash) checksums as lowercase hex, in xxh128sum's canonical
// form: for detecting corruption in files (snapshots) fast, about ten times
// the speed of SHA-256. Not a cryptographic hash: names nothing that must
// resist a forger.
#ifndef NEWSMETA_SERVER_UTIL_XXH128_H_
#define NEWSMETA_SERVER_UTIL_XXH128_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace newsmeta {

// Returns the 32 lowercase hex digits of XXH3-128(`data`), as
// `xxh128sum` prints them.
std::string Xxh128Hex(absl::string_view data);

// The same of data given in parts: Xxh128Hasher h; h.Update(a);
// h.Update(b); h.HexDigest() == Xxh128Hex(a + b).
class Xxh128Hasher {
 public:
  Xxh128Hasher();
  ~Xxh128Hasher();
  Xxh128Hasher(const Xxh128Hasher&) = delete;
  Xxh128Hasher& operator=(const Xxh128Hasher&) = delete;

  void Update(absl::string_view data);
  // The digest of everything given so far.
  std::string HexDigest() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_UTIL_XXH128_H_
