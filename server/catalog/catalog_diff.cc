#include "catalog/catalog_diff.h"

#include <algorithm>
#include <optional>

namespace newsmeta {
namespace {

constexpr auto kFull = newsmeta::v1::ARTICLE_VIEW_FULL;

// How many leading segments `after` shares with `before` (the same Catalog
// objects, whose deletions only grew), or nullopt when a shared segment's
// deletions shrank (then nothing is known without comparing everything).
std::optional<uint32_t> SharedSegments(const SegmentedCatalog& before,
                                       const SegmentedCatalog& after) {
  uint32_t shared = 0;
  while (shared < before.segment_count() && shared < after.segment_count() &&
         &before.segment(shared) == &after.segment(shared)) {
    const DeletionSet* was = before.deleted(shared);
    const DeletionSet* is = after.deleted(shared);
    if (was != nullptr && (is == nullptr || is->size() < was->size())) {
      return std::nullopt;
    }
    ++shared;
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
  // since: only the other segments and those deletions are compared.
  const std::optional<uint32_t> shared = SharedSegments(before, after);
  if (shared && *shared > 0) {
    for (uint32_t s = *shared; s < after.segment_count(); ++s) {
      for (ArticleIndex i = 0; i < after.segment(s).size(); ++i) {
        if (after.IsLive({s, i})) AddOrChange(before, after, {s, i}, &diff);
      }
    }
    const auto removed_unless_kept = [&](ArticleRef article) {
      if (!after.IndexOf(before.fields(article).name)) {
        diff.removed.push_back(article);
      }
    };
    for (uint32_t s = 0; s < *shared; ++s) {
      const DeletionSet* is = after.deleted(s);
      if (is == nullptr) continue;
      for (const ArticleIndex i : is->sorted()) {
        if (before.IsLive({s, i})) removed_unless_kept({s, i});
      }
    }
    for (uint32_t s = *shared; s < before.segment_count(); ++s) {
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
