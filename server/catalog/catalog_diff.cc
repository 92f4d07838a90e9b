#include "catalog/catalog_diff.h"

#include <optional>

namespace newsmeta {

CatalogDiff DiffCatalogs(const Catalog& before, const Catalog& after) {
  CatalogDiff diff;
  if (&before == &after || before.version() == after.version()) return diff;
  constexpr auto kFull = newsmeta::v1::ARTICLE_VIEW_FULL;
  for (ArticleIndex i = 0; i < after.size(); ++i) {
    const std::optional<ArticleIndex> old =
        before.IndexOf(after.fields(i).name);
    if (!old) {
      diff.added.push_back(i);
    } else if (before.ArticleBytes(*old, kFull) !=
               after.ArticleBytes(i, kFull)) {
      diff.changed.push_back(i);
    }
  }
  for (ArticleIndex i = 0; i < before.size(); ++i) {
    if (!after.IndexOf(before.fields(i).name)) diff.removed.push_back(i);
  }
  return diff;
}

}  // namespace newsmeta
