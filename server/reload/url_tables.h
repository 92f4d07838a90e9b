// The URL tables of the state that applies deltas, each kept in a few bytes
// per URL (a million articles have about 4 million URLs: their own and
// their links').
//
// LinkIndex: which articles link to each URL: a multimap from a URL's key to
// the ids of the articles whose related links point at it (once per link), kept
// in about 16 bytes per URL. Most URLs are linked once, so the first linker of
// each sits in one flat table and the rest, rare, in another; a table of
// small vectors took 24 bytes a slot (about 8 more per linked URL, 25 more
// per article of the generated corpus).
#ifndef NEWSMETA_SERVER_RELOAD_URL_TABLES_H_
#define NEWSMETA_SERVER_RELOAD_URL_TABLES_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"

namespace newsmeta {

class LinkIndex {
 public:
  void Add(uint64_t url, uint64_t article);
  // Removes one link from `article` to `url` (none when there is none).
  void Remove(uint64_t url, uint64_t article);
  // Calls `visit(article)` for each link to `url`.
  template <typename Visit>
  void ForEachLinker(uint64_t url, const Visit& visit) const {
    const auto first = first_.find(url);
    if (first == first_.end()) return;
    visit(first->second);
    const auto more = more_.find(url);
    if (more == more_.end()) return;
    for (const uint64_t article : more->second) visit(article);
  }
  void Clear();
  // Heap bytes held (util/memory_usage.h).
  size_t MemoryBytes() const;

 private:
  absl::flat_hash_map<uint64_t, uint64_t> first_;
  absl::flat_hash_map<uint64_t, std::vector<uint64_t>> more_;
};

// How many articles own each URL: most are owned once, so those sit in a set
// (8 bytes a slot) and the counts above one in a map.
class UrlCounts {
 public:
  void Add(uint64_t url);
  // Removes one (none when the count is 0).
  void Remove(uint64_t url);
  uint32_t Count(uint64_t url) const;
  void Clear();
  size_t MemoryBytes() const;

 private:
  absl::flat_hash_set<uint64_t> once_;
  absl::flat_hash_map<uint64_t, uint32_t> more_;  // the count less one
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_RELOAD_URL_TABLES_H_
