// The query of a WatchArticles call, and whether one article matches it.
#ifndef NEWSMETA_SERVER_WATCH_WATCH_QUERY_H_
#define NEWSMETA_SERVER_WATCH_WATCH_QUERY_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "catalog/article_fields.h"
#include "newsmeta/v1/article_service.pb.h"
#include "query/query.h"

namespace newsmeta {

struct WatchQuery {
  // The query fields, ordered by publish_time ascending (the backfill's
  // order).
  Query query;
  // The backfill sends only matches published at or after this.
  std::optional<absl::Time> backfill_start;
  newsmeta::v1::ArticleView view = newsmeta::v1::ARTICLE_VIEW_BASIC;
  // Names the query fields and backfill_start (not the view), on every
  // replica: resume tokens carry it.
  std::string fingerprint;
};

// Validates the request's query fields as StreamArticles does (the same
// INVALID_ARGUMENT errors naming the field).
absl::StatusOr<WatchQuery> WatchQueryFromRequest(
    const newsmeta::v1::WatchArticlesRequest& request);

// True when the article matches `query`: its time range, topics, provider
// domains, filter and text, exactly as a query over the catalog decides
// (order and paging aside).
bool ArticleMatches(const Query& query, const ArticleFields& article);

// True when the article wire bytes parse and match `query`.
bool ArticleBytesMatch(const Query& query, absl::string_view wire);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_WATCH_WATCH_QUERY_H_
