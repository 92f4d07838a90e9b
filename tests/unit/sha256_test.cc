#include "util/sha256.h"

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "util/stable_hash.h"

namespace newsmeta {
namespace {

TEST(Sha256Test, KnownDigest) {
  // printf %s abc | sha256sum
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, DigestBytesAreTheHexDigits) {
  for (const char* data : {"", "abc", "a longer text to hash"}) {
    const Sha256Digest digest = Sha256Of(data);
    EXPECT_EQ(absl::BytesToHexString(absl::string_view(
                  reinterpret_cast<const char*>(digest.data()), digest.size())),
              Sha256Hex(data));
  }
}

TEST(Sha256Test, HasherOverPartsEqualsDigestOfTheWhole) {
  Sha256Hasher hasher;
  hasher.Update("a");
  hasher.Update("");
  hasher.Update("bc");
  EXPECT_EQ(hasher.HexDigest(), Sha256Hex("abc"));

  Sha256Hasher empty;
  EXPECT_EQ(empty.HexDigest(), Sha256Hex(""));
}

TEST(Sha256Test, DigestSoFarLeavesTheHasherGoingOn) {
  Sha256Hasher hasher;
  hasher.Update("ab");
  EXPECT_EQ(hasher.HexDigestSoFar(), Sha256Hex("ab"));
  hasher.Update("c");
  EXPECT_EQ(hasher.HexDigestSoFar(), Sha256Hex("abc"));
  EXPECT_EQ(hasher.HexDigest(), Sha256Hex("abc"));
}

TEST(StableHashTest, IsTheSameOnEveryBuild) {
  // Page tokens carry it between replicas: these values must never change
  // (they would invalidate every token in flight).
  EXPECT_EQ(StableHash64(""), 0x9ca066f1a4ab2eeaULL);
  EXPECT_EQ(StableHash64("abc"), 0x5a18ea2712619b4fULL);
}

TEST(StableHashTest, EveryByteCounts) {
  const std::string base = "0123456789abcdefghij";
  for (size_t i = 0; i < base.size(); ++i) {
    std::string changed = base;
    changed[i] ^= 1;
    EXPECT_NE(StableHash64(changed), StableHash64(base)) << i;
  }
  EXPECT_NE(StableHash64(std::string("a\0", 2)), StableHash64("a"));
}

}  // namespace
}  // namespace newsmeta
