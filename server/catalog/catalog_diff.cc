#include "catalog/catalog_diff.h"

#include <algorithm>
#include <optional>

namespace newsmeta {
namespace {

constexpr auto kFull = newsmeta::v1::ARTICLE_VIEW_FULL;

// Whether `after` is `before` with articles deleted from its segments and
// segments added after them.
bool Extends(const SegmentedCatalog& before, const SegmentedCatalog& after) {
  if (after.segment_count() < before.segment_count()) return false;
  for (uint32_t s = 0; s < before.segment_count(); ++s) {
    if (&before.segment(s) != &after.segment(s)) return false;
    const DeletionSet* was = before.deleted(s);
    const DeletionSet* is = after.deleted(s);
    if (was == nullptr) continue;
    // Deletions only grow; a smaller set cannot hold the earlier one.
    if (is == nullptr || is->size() < was->size()) return false;
  }
  return true;
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
  if (Extends(before, after)) {
    for (uint32_t s = before.segment_count(); s < after.segment_count(); ++s) {
      for (ArticleIndex i = 0; i < after.segment(s).size(); ++i) {
        if (after.IsLive({s, i})) AddOrChange(before, after, {s, i}, &diff);
      }
    }
    for (uint32_t s = 0; s < before.segment_count(); ++s) {
      const DeletionSet* is = after.deleted(s);
      if (is == nullptr) continue;
      for (const ArticleIndex i : is->sorted()) {
        if (!before.IsLive({s, i})) continue;  // deleted before too
        if (!after.IndexOf(before.fields({s, i}).name)) {
          diff.removed.push_back({s, i});
        }
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
