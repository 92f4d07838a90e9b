#include "query/pager.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "query/cursor.h"
#include "query/ordered_matches.h"
#include "query/page_token.h"
#include "util/errors.h"
#include "util/status_macros.h"

namespace newsmeta {

absl::StatusOr<int> EffectivePageSize(int64_t requested) {
  if (requested < 0) {
    return InvalidField(
        "page_size", "INVALID_PAGE_SIZE",
        absl::StrCat("page_size must not be negative, got ", requested,
                     "; use 0 for the default of ", kDefaultPageSize,
                     " (at most ", kMaxPageSize, ")"),
        {{"page_size", absl::StrCat(requested)}});
  }
  if (requested == 0) return kDefaultPageSize;
  return static_cast<int>(std::min<int64_t>(requested, kMaxPageSize));
}

int64_t RepeatedElementBytes(size_t article_bytes) {
  int64_t length_bytes = 1;
  for (size_t rest = article_bytes >> 7; rest != 0; rest >>= 7) ++length_bytes;
  return 1 + length_bytes + static_cast<int64_t>(article_bytes);
}

absl::StatusOr<Page> ListPage(const SegmentedCatalog& catalog,
                              const Query& query, int page_size,
                              absl::string_view page_token,
                              const PageByteBudget& budget) {
  // Once per call: the incoming token is checked against it and the next
  // one carries it.
  const uint64_t fingerprint = QueryFingerprint(query);
  std::optional<Position> after;
  if (!page_token.empty()) {
    ASSIGN_OR_RETURN(after, DecodePageToken(page_token, fingerprint));
  }
  Page page;
  OrderedMatches matches(catalog, query, after);
  page.total_size = static_cast<int64_t>(matches.TotalSize());
  page.articles.reserve(
      static_cast<size_t>(std::min<int64_t>(page_size, page.total_size)));
  int64_t page_bytes = 0;
  bool full = false;  // stopped by the budget, with more to come
  while (static_cast<int>(page.articles.size()) < page_size) {
    const std::optional<ArticleRef> index = matches.Next();
    if (!index) return page;
    page_bytes +=
        RepeatedElementBytes(catalog.ArticleBytes(*index, budget.view).size());
    if (!page.articles.empty() && page_bytes > budget.max_bytes) {
      full = true;
      break;
    }
    page.articles.push_back(*index);
  }
  if (!page.articles.empty() && (full || matches.Next())) {
    page.next_page_token =
        EncodePageToken(fingerprint, PositionOf(catalog, page.articles.back()));
  }
  return page;
}

}  // namespace newsmeta
