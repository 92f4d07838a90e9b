#include "reload/url_tables.h"

#include <algorithm>

#include "util/memory_usage.h"

namespace newsmeta {

void LinkIndex::Add(uint64_t url, uint64_t article) {
  const auto [first, inserted] = first_.try_emplace(url, article);
  if (!inserted) more_[url].push_back(article);
}

void LinkIndex::Remove(uint64_t url, uint64_t article) {
  const auto first = first_.find(url);
  if (first == first_.end()) return;
  const auto more = more_.find(url);
  if (first->second == article) {
    if (more == more_.end()) {
      first_.erase(first);
      return;
    }
    first->second = more->second.back();
    more->second.pop_back();
  } else {
    if (more == more_.end()) return;
    std::vector<uint64_t>& rest = more->second;
    const auto one = std::find(rest.begin(), rest.end(), article);
    if (one == rest.end()) return;
    *one = rest.back();
    rest.pop_back();
  }
  if (more->second.empty()) more_.erase(more);
}

void LinkIndex::Clear() {
  first_.clear();
  more_.clear();
}

size_t LinkIndex::MemoryBytes() const {
  size_t bytes = HashTableBytes(first_) + HashTableBytes(more_);
  for (const auto& [url, rest] : more_) bytes += VectorHeapBytes(rest);
  return bytes;
}

void UrlCounts::Add(uint64_t url) {
  if (!once_.insert(url).second) ++more_[url];
}

void UrlCounts::Remove(uint64_t url) {
  if (const auto more = more_.find(url); more != more_.end()) {
    if (--more->second == 0) more_.erase(more);
    return;
  }
  once_.erase(url);
}

uint32_t UrlCounts::Count(uint64_t url) const {
  if (!once_.contains(url)) return 0;
  const auto more = more_.find(url);
  return 1 + (more == more_.end() ? 0 : more->second);
}

void UrlCounts::Clear() {
  once_.clear();
  more_.clear();
}

size_t UrlCounts::MemoryBytes() const {
  return HashTableBytes(once_) + HashTableBytes(more_);
}

}  // namespace newsmeta
