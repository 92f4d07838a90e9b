// One page of a query's results (AIP-132, AIP-158).
#ifndef NEWSMETA_SERVER_QUERY_PAGER_H_
#define NEWSMETA_SERVER_QUERY_PAGER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "catalog/catalog.h"
#include "query/query.h"

namespace newsmeta {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

struct Page {
  std::vector<ArticleIndex> articles;
  // Empty on the last page.
  std::string next_page_token;
  // Matches across all pages.
  int64_t total_size = 0;
};

// The page size to use for a requested `page_size`: 0 means the default,
// values above the maximum are coerced to it, negative values are
// INVALID_ARGUMENT.
absl::StatusOr<int> EffectivePageSize(int64_t requested);

// The page of `query` that `page_token` (empty for the first) points at.
absl::StatusOr<Page> ListPage(const Catalog& catalog, const Query& query,
                              int page_size, absl::string_view page_token);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_QUERY_PAGER_H_
