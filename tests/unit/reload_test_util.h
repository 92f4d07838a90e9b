// Test helpers for the reloader: a recorder of what it publishes and
// reports.
#ifndef NEWSMETA_TESTS_UNIT_RELOAD_TEST_UTIL_H_
#define NEWSMETA_TESTS_UNIT_RELOAD_TEST_UTIL_H_

#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "catalog/segmented_catalog.h"
#include "gtest/gtest.h"
#include "reload/catalog_reloader.h"

namespace newsmeta {

// Records a reloader's publications and reports.
class Loads {
 public:
  // Records each catalog published, after handing it to `also` (say, a
  // holder or a watch hub) when given.
  CatalogReloader::Publish Publish(CatalogReloader::Publish also = nullptr) {
    return [this, also](std::shared_ptr<const SegmentedCatalog> catalog) {
      if (also) also(catalog);
      absl::MutexLock lock(&mutex_);
      published_.push_back(std::move(catalog));
    };
  }
  CatalogReloader::Report Report() {
    return [this](const LoadReport& report) {
      absl::MutexLock lock(&mutex_);
      reports_.push_back(report);
    };
  }
  // How long Await waits (generous: sanitizers make loads slow).
  static constexpr absl::Duration kAwaitDeadline = absl::Seconds(60);

  // The `n`th report (1-based), waiting for it; fails the test at the
  // deadline.
  LoadReport Await(int n) {
    absl::MutexLock lock(&mutex_);
    auto reached = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
      return static_cast<int>(reports_.size()) >= n;
    };
    if (!mutex_.AwaitWithTimeout(absl::Condition(&reached), kAwaitDeadline)) {
      ADD_FAILURE() << "no report " << n;
      return {};
    }
    return reports_[n - 1];
  }
  int published() {
    absl::MutexLock lock(&mutex_);
    return static_cast<int>(published_.size());
  }
  int reports() {
    absl::MutexLock lock(&mutex_);
    return static_cast<int>(reports_.size());
  }

 private:
  absl::Mutex mutex_;
  std::vector<std::shared_ptr<const SegmentedCatalog>> published_
      ABSL_GUARDED_BY(mutex_);
  std::vector<LoadReport> reports_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace newsmeta

#endif  // NEWSMETA_TESTS_UNIT_RELOAD_TEST_UTIL_H_
