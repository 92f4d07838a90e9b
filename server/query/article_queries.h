// The API's operations on the catalog, request message in, response message
// out. Transport-free: the gRPC service only adapts these.
#ifndef NEWSMETA_SERVER_QUERY_ARTICLE_QUERIES_H_
#define NEWSMETA_SERVER_QUERY_ARTICLE_QUERIES_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "catalog/catalog.h"
#include "catalog/catalog_holder.h"
#include "newsmeta/v1/article.pb.h"
#include "newsmeta/v1/article_service.pb.h"
#include "query/ordered_matches.h"

namespace newsmeta {

absl::Status GetArticle(const CatalogHolder& catalogs,
                        const newsmeta::v1::GetArticleRequest& request,
                        newsmeta::v1::Article* response);

absl::Status ListArticles(const CatalogHolder& catalogs,
                          const newsmeta::v1::ListArticlesRequest& request,
                          newsmeta::v1::ListArticlesResponse* response);

// At most this many names in one BatchGetArticles request.
inline constexpr int kMaxBatchGetNames = 1000;

absl::Status BatchGetArticles(
    const CatalogHolder& catalogs,
    const newsmeta::v1::BatchGetArticlesRequest& request,
    newsmeta::v1::BatchGetArticlesResponse* response);

absl::Status SummarizeArticles(
    const CatalogHolder& catalogs,
    const newsmeta::v1::SummarizeArticlesRequest& request,
    newsmeta::v1::SummarizeArticlesResponse* response);

// The matches of a StreamArticles request, produced one at a time on the
// catalog snapshot taken when the stream was opened.
class ArticleStream {
 public:
  static absl::StatusOr<std::unique_ptr<ArticleStream>> Open(
      const CatalogHolder& catalogs,
      const newsmeta::v1::StreamArticlesRequest& request);

  // The next article in the requested view, or nullptr at the end. The
  // pointer stays valid until the next call or the stream's destruction.
  const newsmeta::v1::Article* Next();

 private:
  ArticleStream(std::shared_ptr<const Catalog> catalog, Query query,
                newsmeta::v1::ArticleView view);

  std::shared_ptr<const Catalog> catalog_;
  Query query_;
  newsmeta::v1::ArticleView view_;
  OrderedMatches matches_;
  newsmeta::v1::Article current_;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_QUERY_ARTICLE_QUERIES_H_
