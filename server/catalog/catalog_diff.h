// What changed between two catalogs, article by article: the diff a reload
// yields (and a live feed of changes would send).
#ifndef NEWSMETA_SERVER_CATALOG_CATALOG_DIFF_H_
#define NEWSMETA_SERVER_CATALOG_CATALOG_DIFF_H_

#include <vector>

#include "catalog/catalog.h"

namespace newsmeta {

struct CatalogDiff {
  // Articles of `after` whose name `before` does not have.
  std::vector<ArticleIndex> added;
  // Articles of `after` whose name `before` has with different bytes (any
  // field, FULL view).
  std::vector<ArticleIndex> changed;
  // Articles of `before` whose name `after` does not have.
  std::vector<ArticleIndex> removed;

  bool empty() const {
    return added.empty() && changed.empty() && removed.empty();
  }
};

// Each list is in its catalog's order (publish time, then name). Two
// catalogs of the same version have an empty diff without comparing.
CatalogDiff DiffCatalogs(const Catalog& before, const Catalog& after);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_CATALOG_CATALOG_DIFF_H_
