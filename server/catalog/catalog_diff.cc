#include "catalog/catalog_diff.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace newsmeta {
namespace {

constexpr auto kFull = newsmeta::v1::ARTICLE_VIEW_FULL;

// For each segment of `after`, the position in `before` of the same Catalog
// object (whose deletions only grew), or -1 when `before` does not hold it;
// nullopt when a shared segment's deletions shrank (then nothing is known
// without comparing everything).
std::optional<std::vector<int64_t>> SharedSegments(
    const SegmentedCatalog& before, const SegmentedCatalog& after) {
  absl::flat_hash_map<const Catalog*, uint32_t> position;
  for (uint32_t s = 0; s < before.segment_count(); ++s) {
    position[&before.segment(s)] = s;
  }
  std::vector<int64_t> shared(after.segment_count(), -1);
  for (uint32_t s = 0; s < after.segment_count(); ++s) {
    const auto it = position.find(&after.segment(s));
    if (it == position.end()) continue;
    const DeletionSet* was = before.deleted(it->second);
    const DeletionSet* is = after.deleted(s);
    if (was != nullptr && (is == nullptr || is->size() < was->size())) {
      return std::nullopt;
    }
    shared[s] = it->second;
  }
  return shared;
}

// Classifies `article` of `after` as added or changed against `before`.
void AddOrChange(const SegmentedCatalog& before, const SegmentedCatalog& after,
                 ArticleRef article, CatalogDiff* diff) {
  const std::optional<ArticleRef> old =
      before.IndexOf(after.fields(article).name);
  if (!old) {
    diff->added.push_back(article);
  } else if (before.ArticleBytes(*old, kFull) !=
             after.ArticleBytes(article, kFull)) {
    diff->changed.push_back(article);
  }
}

void SortInOrder(const SegmentedCatalog& catalog,
                 std::vector<ArticleRef>* articles) {
  std::sort(
      articles->begin(), articles->end(),
      [&catalog](ArticleRef a, ArticleRef b) { return catalog.Before(a, b); });
}

}  // namespace

CatalogDiff DiffCatalogs(const SegmentedCatalog& before,
                         const SegmentedCatalog& after) {
  CatalogDiff diff;
  if (&before == &after || before.version() == after.version()) return diff;
  // Segments both share hold the same articles but for the ones deleted
  // since: only the other segments (new ones, or those a merge let go) and
  // those deletions are compared, wherever the segments sit.
  if (const std::optional<std::vector<int64_t>> shared =
          SharedSegments(before, after)) {
    std::vector<bool> kept(before.segment_count(), false);
    const auto removed_unless_kept = [&](ArticleRef article) {
      if (!after.IndexOf(before.fields(article).name)) {
        diff.removed.push_back(article);
      }
    };
    for (uint32_t s = 0; s < after.segment_count(); ++s) {
      const int64_t in_before = (*shared)[s];
      if (in_before < 0) {
        for (ArticleIndex i = 0; i < after.segment(s).size(); ++i) {
          if (after.IsLive({s, i})) AddOrChange(before, after, {s, i}, &diff);
        }
        continue;
      }
      const uint32_t b = static_cast<uint32_t>(in_before);
      kept[b] = true;
      const DeletionSet* is = after.deleted(s);
      if (is == nullptr) continue;
      for (const ArticleIndex i : is->sorted()) {
        if (before.IsLive({b, i})) removed_unless_kept({b, i});
      }
    }
    for (uint32_t s = 0; s < before.segment_count(); ++s) {
      if (kept[s]) continue;
      for (ArticleIndex i = 0; i < before.segment(s).size(); ++i) {
        if (before.IsLive({s, i})) removed_unless_kept({s, i});
      }
    }
    SortInOrder(after, &diff.added);
    SortInOrder(after, &diff.changed);
    SortInOrder(before, &diff.removed);
    return diff;
  }
  for (const ArticleRef article : after.InOrder()) {
    AddOrChange(before, after, article, &diff);
  }
  for (const ArticleRef article : before.InOrder()) {
    if (!after.IndexOf(before.fields(article).name)) {
      diff.removed.push_back(article);
    }
  }
  return diff;
}

}  // namespace newsmeta
