#include "watch/watch_query.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "catalog/catalog.h"
#include "filter/filter.h"
#include "query/request.h"
#include "text/text_index.h"
#include "util/sha256.h"
#include "util/status_macros.h"

namespace newsmeta {
namespace {

bool HasAnyKey(const std::vector<std::string>& sorted_keys,
               absl::string_view value) {
  return std::binary_search(sorted_keys.begin(), sorted_keys.end(),
                            NormalizeKey(value));
}

bool TextMatches(const TextQuery& text, const ArticleFields& article) {
  if (text.empty()) return true;
  // A one-document index answers exactly as the catalog's index would.
  TextIndex::Builder builder;
  builder.Add(0, article.title, article.excerpt);
  const TextIndex index = std::move(builder).Build();
  return !index
              .Match(text, 1,
                     [&article](uint32_t) {
                       return std::make_pair(article.title, article.excerpt);
                     })
              .empty();
}

}  // namespace

absl::StatusOr<WatchQuery> WatchQueryFromRequest(
    const newsmeta::v1::WatchArticlesRequest& request) {
  // The query fields are StreamArticles', so are their checks and errors.
  newsmeta::v1::StreamArticlesRequest stream;
  *stream.mutable_topics() = request.topics();
  if (request.has_start_time()) {
    *stream.mutable_start_time() = request.start_time();
  }
  if (request.has_end_time()) *stream.mutable_end_time() = request.end_time();
  *stream.mutable_provider_domains() = request.provider_domains();
  stream.set_filter(request.filter());
  stream.set_text(request.text());
  stream.set_order_by("publish_time asc");
  WatchQuery watch;
  ASSIGN_OR_RETURN(watch.query, QueryFromRequest(stream));
  ASSIGN_OR_RETURN(watch.view, ResolveView(request.view(),
                                           newsmeta::v1::ARTICLE_VIEW_BASIC));
  RETURN_IF_ERROR(ReadTimestampField(
      "backfill_start_time", request.has_backfill_start_time(),
      request.backfill_start_time(), &watch.backfill_start));
  std::string canonical = CanonicalQueryText(watch.query);
  if (watch.backfill_start) {
    absl::StrAppend(&canonical, "|backfill_start=",
                    absl::FormatTime(absl::RFC3339_full, *watch.backfill_start,
                                     absl::UTCTimeZone()));
  }
  watch.fingerprint = Sha256Hex(canonical).substr(0, 16);
  return watch;
}

bool ArticleMatches(const Query& query, const ArticleFields& article) {
  if (query.start_time && article.publish_time < *query.start_time) {
    return false;
  }
  if (query.end_time && article.publish_time >= *query.end_time) return false;
  if (!query.topics.empty() &&
      std::none_of(article.topics.begin(), article.topics.end(),
                   [&query](absl::string_view topic) {
                     return HasAnyKey(query.topics, topic);
                   })) {
    return false;
  }
  if (!query.provider_domains.empty() &&
      !HasAnyKey(query.provider_domains, article.provider_domain)) {
    return false;
  }
  return Matches(query.filter, article) && TextMatches(query.text, article);
}

bool ArticleBytesMatch(const Query& query, absl::string_view wire) {
  ArticleFields fields;
  std::vector<absl::string_view> topics;
  if (!ScanFields(wire, &fields, &topics)) return false;
  fields.topics = topics;
  return ArticleMatches(query, fields);
}

}  // namespace newsmeta
