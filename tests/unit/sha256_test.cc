#include "util/sha256.h"

#include "gtest/gtest.h"

namespace newsmeta {
namespace {

TEST(Sha256Test, KnownDigest) {
  // printf %s abc | sha256sum
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
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

}  // namespace
}  // namespace newsmeta
