// What changed between two catalogs, article by article: the diff a reload
// yields (and a live feed of changes would send).
#ifndef NEWSMETA_SERVER_CATALOG_CATALOG_DIFF_H_
#define NEWSMETA_SERVER_CATALOG_CATALOG_DIFF_H_

#include <vector>

#include "catalog/segmented_catalog.h"

namespace newsmeta {

struct CatalogDiff {
  // Live articles of `after` whose name `before` does not have.
  std::vector<ArticleRef> added;
  // Live articles of `after` whose name `before` has with different bytes
  // (any field, FULL view).
  std::vector<ArticleRef> changed;
  // Live articles of `before` whose name `after` does not have.
  std::vector<ArticleRef> removed;

  bool empty() const {
    return added.empty() && changed.empty() && removed.empty();
  }
};

// Each list is in its catalog's order (publish time, then name). Two
// catalogs of the same version have an empty diff without comparing. When
// `after` keeps `before`'s first segments (the same Catalog objects; a delta
// added, or the deltas merged, keep the base), only the other segments and
// the articles newly deleted in the kept ones are compared: O(change);
// otherwise every article (after a merge of the whole catalog).
CatalogDiff DiffCatalogs(const SegmentedCatalog& before,
                         const SegmentedCatalog& after);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_CATALOG_CATALOG_DIFF_H_
