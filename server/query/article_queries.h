// The API's operations on the catalog, request message in, response message
// out. Transport-free: the gRPC service only adapts these.
#ifndef NEWSMETA_SERVER_QUERY_ARTICLE_QUERIES_H_
#define NEWSMETA_SERVER_QUERY_ARTICLE_QUERIES_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "catalog/catalog.h"
#include "catalog/catalog_holder.h"
#include "newsmeta/v1/article.pb.h"
#include "newsmeta/v1/article_service.pb.h"
#include "query/ordered_matches.h"
#include "query/wire.h"

namespace newsmeta {

// The serving path: each answer as the wire bytes of its response message,
// made of views of the catalog's cached article bytes (Catalog::ArticleBytes)
// and the few bytes around them; the message keeps the catalog alive. No
// article is copied into a message or serialized per call: the transport
// copies the pieces once into its buffer.
absl::Status GetArticleWire(const CatalogHolder& catalogs,
                            const newsmeta::v1::GetArticleRequest& request,
                            WireMessage* response);  // an Article
absl::Status ListArticlesWire(const CatalogHolder& catalogs,
                              const newsmeta::v1::ListArticlesRequest& request,
                              WireMessage* response);
// At most this many names in one BatchGetArticles request.
inline constexpr int kMaxBatchGetNames = 1000;
absl::Status BatchGetArticlesWire(
    const CatalogHolder& catalogs,
    const newsmeta::v1::BatchGetArticlesRequest& request,
    WireMessage* response);

// The same bytes in one string.
absl::Status GetArticleWire(const CatalogHolder& catalogs,
                            const newsmeta::v1::GetArticleRequest& request,
                            std::string* response);
absl::Status ListArticlesWire(const CatalogHolder& catalogs,
                              const newsmeta::v1::ListArticlesRequest& request,
                              std::string* response);
absl::Status BatchGetArticlesWire(
    const CatalogHolder& catalogs,
    const newsmeta::v1::BatchGetArticlesRequest& request,
    std::string* response);

// The same answers as messages (they parse the wire bytes above), for tests
// and callers in process.
absl::Status GetArticle(const CatalogHolder& catalogs,
                        const newsmeta::v1::GetArticleRequest& request,
                        newsmeta::v1::Article* response);
absl::Status ListArticles(const CatalogHolder& catalogs,
                          const newsmeta::v1::ListArticlesRequest& request,
                          newsmeta::v1::ListArticlesResponse* response);
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

  // The wire bytes of the next article in the requested view, or nullopt at
  // the end. They stay valid as long as the stream.
  std::optional<absl::string_view> Next();
  // Keeps the bytes Next returns valid for as long as it is held, after the
  // stream too (the catalog they are in).
  std::shared_ptr<const void> bytes_owner() const { return catalog_; }

 private:
  ArticleStream(std::shared_ptr<const SegmentedCatalog> catalog, Query query,
                newsmeta::v1::ArticleView view);

  std::shared_ptr<const SegmentedCatalog> catalog_;
  Query query_;
  newsmeta::v1::ArticleView view_;
  OrderedMatches matches_;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_QUERY_ARTICLE_QUERIES_H_
