// One page of a query's results (AIP-132, AIP-158).
#ifndef NEWSMETA_SERVER_QUERY_PAGER_H_
#define NEWSMETA_SERVER_QUERY_PAGER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "catalog/segmented_catalog.h"
#include "newsmeta/v1/article_service.pb.h"
#include "query/query.h"

namespace newsmeta {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

// What one response may weigh. gRPC clients refuse a received message over
// 4 MiB unless configured otherwise (grpc.max_receive_message_length), and
// seeds may be 4 MiB each: a page stops adding articles before its response
// would pass this (16 KiB are left for its other fields), and
// BatchGetArticles refuses an answer that would.
inline constexpr int64_t kMaxResponseBytes = (4 << 20) - (16 << 10);

// What the articles of a page may weigh on the wire, in the view they are
// sent in.
struct PageByteBudget {
  newsmeta::v1::ArticleView view = newsmeta::v1::ARTICLE_VIEW_BASIC;
  int64_t max_bytes = kMaxResponseBytes;
};

// The bytes an article of `article_bytes` takes as an element of a repeated
// message field (its tag and length, then the article).
int64_t RepeatedElementBytes(size_t article_bytes);

struct Page {
  std::vector<ArticleRef> articles;
  // Empty on the last page.
  std::string next_page_token;
  // Matches across all pages.
  int64_t total_size = 0;
};

// The page size to use for a requested `page_size`: 0 means the default,
// values above the maximum are coerced to it, negative values are
// INVALID_ARGUMENT.
absl::StatusOr<int> EffectivePageSize(int64_t requested);

// The page of `query` that `page_token` (empty for the first) points at:
// at most `page_size` articles, fewer when more would weigh more than
// `budget` (AIP-158 allows a short page that is not the last; it has a
// next_page_token). A page holds at least one article, however large.
absl::StatusOr<Page> ListPage(const SegmentedCatalog& catalog,
                              const Query& query, int page_size,
                              absl::string_view page_token,
                              const PageByteBudget& budget = {});

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_QUERY_PAGER_H_
