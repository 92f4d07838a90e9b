#include "util/multiset_hash.h"

#include <optional>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace newsmeta {
namespace {

TEST(MultisetHashTest, KnownDigests) {
  // Computed apart from this code (Python's hashlib): per string SHA-256 as
  // four little-endian words, summed lane by lane modulo 2^64; the count and
  // the lanes little-endian; SHA-256 of "newsmeta multiset hash 1\n" and
  // those bytes. The catalog version is cut from it, so a change here
  // changes every replica's version: it must be deliberate.
  MultisetHash hash;
  hash.Add("abc");
  hash.Add("de");
  EXPECT_EQ(absl::BytesToHexString(hash.Bytes()),
            "0200000000000000"
            "4f135c93de709e43775f10e3c5c37821001600c59fff917a74a9bf6e905e3a25");
  EXPECT_EQ(hash.HexDigest(),
            "6424e9dd73b0be23e6f1ac8928cf5406a94bde0835854c30af431ffdea1eb5f6");
  EXPECT_EQ(MultisetHash().HexDigest(),
            "890420a5048de57dc58211a8cbd1244d552ca1c2136e5790f0d39fd656a8894a");
}

TEST(MultisetHashTest, OrderDoesNotMatter) {
  MultisetHash forward, backward;
  for (int i = 0; i < 100; ++i) forward.Add(absl::StrCat("article ", i));
  for (int i = 99; i >= 0; --i) backward.Add(absl::StrCat("article ", i));
  EXPECT_EQ(forward, backward);
  EXPECT_EQ(forward.HexDigest(), backward.HexDigest());
  EXPECT_EQ(forward.count(), 100u);
}

TEST(MultisetHashTest, RemoveUndoesAdd) {
  MultisetHash hash;
  hash.Add("kept");
  const MultisetHash before = hash;
  hash.Add("added then removed");
  EXPECT_NE(hash, before);
  hash.Remove("added then removed");
  EXPECT_EQ(hash, before);
  EXPECT_EQ(hash.HexDigest(), before.HexDigest());
}

TEST(MultisetHashTest, SetsAddAndRemoveWhole) {
  MultisetHash base, delta, both;
  base.Add("a");
  base.Add("b");
  delta.Add("c");
  both.Add("c");
  both.Add("a");
  both.Add("b");
  MultisetHash merged = base;
  merged.Add(delta);
  EXPECT_EQ(merged, both);
  merged.Remove(delta);
  EXPECT_EQ(merged, base);
}

TEST(MultisetHashTest, DifferentContentDiffers) {
  MultisetHash one, other, twice;
  one.Add("a");
  other.Add("b");
  twice.Add("a");
  twice.Add("a");
  EXPECT_NE(one.HexDigest(), other.HexDigest());
  EXPECT_NE(one.HexDigest(), twice.HexDigest());
  EXPECT_NE(one.HexDigest(), MultisetHash().HexDigest());
}

TEST(MultisetHashTest, BytesRoundTripAndWrongSizesAreRefused) {
  MultisetHash hash;
  hash.Add("x");
  hash.Add("y");
  const std::optional<MultisetHash> back =
      MultisetHash::FromBytes(hash.Bytes());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, hash);
  EXPECT_EQ(hash.Bytes().size(), MultisetHash::kBytes);
  EXPECT_FALSE(MultisetHash::FromBytes(hash.Bytes().substr(1)).has_value());
  EXPECT_FALSE(
      MultisetHash::FromBytes(absl::StrCat(hash.Bytes(), "!")).has_value());
}

}  // namespace
}  // namespace newsmeta
