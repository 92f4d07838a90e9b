#include "reload/url_tables.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace newsmeta {
namespace {

std::vector<uint64_t> Linkers(const LinkIndex& index, uint64_t url) {
  std::vector<uint64_t> linkers;
  index.ForEachLinker(url, [&](uint64_t id) { linkers.push_back(id); });
  std::sort(linkers.begin(), linkers.end());
  return linkers;
}

TEST(LinkIndexTest, KeepsEveryLinkUntilItIsRemoved) {
  LinkIndex index;
  index.Add(7, 1);
  index.Add(7, 2);
  index.Add(7, 2);  // two links from one article
  index.Add(8, 3);
  EXPECT_EQ(Linkers(index, 7), (std::vector<uint64_t>{1, 2, 2}));
  EXPECT_EQ(Linkers(index, 8), (std::vector<uint64_t>{3}));
  index.Remove(7, 1);  // the first one goes: another takes its place
  EXPECT_EQ(Linkers(index, 7), (std::vector<uint64_t>{2, 2}));
  index.Remove(7, 2);
  index.Remove(7, 9);  // no such link
  EXPECT_EQ(Linkers(index, 7), (std::vector<uint64_t>{2}));
  index.Remove(7, 2);
  EXPECT_TRUE(Linkers(index, 7).empty());
  EXPECT_EQ(Linkers(index, 8), (std::vector<uint64_t>{3}));
  EXPECT_GT(index.MemoryBytes(), 0u);
  index.Clear();
  EXPECT_TRUE(Linkers(index, 8).empty());
}

TEST(UrlCountsTest, CountsOwnersOfEachUrl) {
  UrlCounts counts;
  EXPECT_EQ(counts.Count(5), 0u);
  counts.Add(5);
  counts.Add(5);
  counts.Add(5);
  counts.Add(6);
  EXPECT_EQ(counts.Count(5), 3u);
  EXPECT_EQ(counts.Count(6), 1u);
  counts.Remove(5);
  EXPECT_EQ(counts.Count(5), 2u);
  counts.Remove(5);
  counts.Remove(5);
  counts.Remove(5);  // below zero stays zero
  EXPECT_EQ(counts.Count(5), 0u);
  counts.Remove(6);
  EXPECT_EQ(counts.Count(6), 0u);
}

}  // namespace
}  // namespace newsmeta
