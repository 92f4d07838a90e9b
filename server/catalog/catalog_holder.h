// Publishes the current catalog to readers without locks on the read path.
#ifndef NEWSMETA_SERVER_CATALOG_CATALOG_HOLDER_H_
#define NEWSMETA_SERVER_CATALOG_CATALOG_HOLDER_H_

#include <memory>
#include <utility>

#include "catalog/catalog.h"
#include "catalog/segmented_catalog.h"

namespace newsmeta {

// Holds the catalog being served. Readers take a snapshot with Get() and keep
// it for the whole call, so a later Set() never changes what a call sees.
class CatalogHolder {
 public:
  CatalogHolder() = default;
  // A holder of `catalog` alone, e.g. the snapshot one call works on.
  explicit CatalogHolder(std::shared_ptr<const SegmentedCatalog> catalog)
      : catalog_(std::move(catalog)) {}
  // A holder of one catalog built from scratch.
  explicit CatalogHolder(std::shared_ptr<const Catalog> catalog)
      : catalog_(Segmented(std::move(catalog))) {}

  // The current catalog, or nullptr while none is loaded.
  std::shared_ptr<const SegmentedCatalog> Get() const {
    return std::atomic_load(&catalog_);
  }

  void Set(std::shared_ptr<const SegmentedCatalog> catalog) {
    std::atomic_store(&catalog_, std::move(catalog));
  }
  void Set(std::shared_ptr<const Catalog> catalog) {
    Set(Segmented(std::move(catalog)));
  }

 private:
  static std::shared_ptr<const SegmentedCatalog> Segmented(
      std::shared_ptr<const Catalog> catalog) {
    if (catalog == nullptr) return nullptr;
    return SegmentedCatalog::Of(std::move(catalog));
  }

  std::shared_ptr<const SegmentedCatalog> catalog_;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_CATALOG_CATALOG_HOLDER_H_
