#include "util/xxh128.h"

#include <algorithm>
#include <string>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace newsmeta {
namespace {

TEST(Xxh128Test, KnownDigests) {
  // printf '' | xxh128sum; printf abc | xxh128sum
  EXPECT_EQ(Xxh128Hex(""), "99aa06d3014798d86001c324468d497f");
  EXPECT_EQ(Xxh128Hex("abc"), "06b05ab6733a618578af5f94892f3950");
}

TEST(Xxh128Test, HasherOverPartsEqualsDigestOfTheWhole) {
  // A megabyte in uneven parts: XXH3 works in 1 KiB stripes and blocks.
  std::string whole(1 << 20, '\0');
  for (size_t i = 0; i < whole.size(); ++i) {
    whole[i] = static_cast<char>(i * 31 + i / 977);
  }
  Xxh128Hasher hasher;
  size_t at = 0;
  for (size_t part = 1; at < whole.size(); part = part * 3 + 1) {
    const size_t take = std::min(part, whole.size() - at);
    hasher.Update(absl::string_view(whole).substr(at, take));
    at += take;
  }
  EXPECT_EQ(hasher.HexDigest(), Xxh128Hex(whole));
  EXPECT_NE(Xxh128Hex(whole), Xxh128Hex(whole.substr(1)));

  Xxh128Hasher empty;
  EXPECT_EQ(empty.HexDigest(), Xxh128Hex(""));
}

}  // namespace
}  // namespace newsmeta
