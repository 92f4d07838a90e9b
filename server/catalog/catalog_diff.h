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
// catalogs of the same version have an empty diff without comparing. The
// segments `after` keeps from `before` (the same Catalog objects, wherever
// they sit; a delta added, or a merge, keeps the others) are compared only
// by the articles newly deleted in them, and the other segments of both
// article by article: O(change + the segments a merge wrote). Every article
// is compared only when a kept segment lost deletions.
CatalogDiff DiffCatalogs(const SegmentedCatalog& before,
                         const SegmentedCatalog& after);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_CATALOG_CATALOG_DIFF_H_
