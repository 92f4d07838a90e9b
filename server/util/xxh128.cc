#include "util/xxh128.h"

// Debian's libxxhash-dev, used header-only: nothing to link or ship.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "absl/strings/escaping.h"

namespace newsmeta {
namespace {

std::string ToHex(XXH128_hash_t hash) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, hash);
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(canonical.digest), sizeof(canonical)));
}

}  // namespace

std::string Xxh128Hex(absl::string_view data) {
  return ToHex(XXH3_128bits(data.data(), data.size()));
}

struct Xxh128Hasher::State {
  XXH3_state_t state;
};

Xxh128Hasher::Xxh128Hasher() : state_(std::make_unique<State>()) {
  XXH3_128bits_reset(&state_->state);
}

Xxh128Hasher::~Xxh128Hasher() = default;

void Xxh128Hasher::Update(absl::string_view data) {
  XXH3_128bits_update(&state_->state, data.data(), data.size());
}

std::string Xxh128Hasher::HexDigest() const {
  return ToHex(XXH3_128bits_digest(&state_->state));
}

}  // namespace newsmeta
