// gRPC adapter of newsmeta.v1.ArticleService over the domain operations.
#ifndef NEWSMETA_SERVER_SERVICE_ARTICLE_SERVICE_H_
#define NEWSMETA_SERVER_SERVICE_ARTICLE_SERVICE_H_

#include "catalog/catalog_holder.h"
#include "newsmeta/v1/article_service.grpc.pb.h"

namespace newsmeta {

// Response header naming the version of the catalog that answered a call
// (Catalog::version()).
inline constexpr char kCatalogVersionHeader[] = "newsmeta-catalog-version";

class ArticleServiceImpl final
    : public newsmeta::v1::ArticleService::CallbackService {
 public:
  // `catalogs` must outlive the service.
  explicit ArticleServiceImpl(const CatalogHolder* catalogs)
      : catalogs_(catalogs) {}

  grpc::ServerUnaryReactor* GetArticle(
      grpc::CallbackServerContext* context,
      const newsmeta::v1::GetArticleRequest* request,
      newsmeta::v1::Article* response) override;

  grpc::ServerUnaryReactor* ListArticles(
      grpc::CallbackServerContext* context,
      const newsmeta::v1::ListArticlesRequest* request,
      newsmeta::v1::ListArticlesResponse* response) override;

  grpc::ServerUnaryReactor* SummarizeArticles(
      grpc::CallbackServerContext* context,
      const newsmeta::v1::SummarizeArticlesRequest* request,
      newsmeta::v1::SummarizeArticlesResponse* response) override;

  grpc::ServerUnaryReactor* BatchGetArticles(
      grpc::CallbackServerContext* context,
      const newsmeta::v1::BatchGetArticlesRequest* request,
      newsmeta::v1::BatchGetArticlesResponse* response) override;

  grpc::ServerWriteReactor<newsmeta::v1::Article>* StreamArticles(
      grpc::CallbackServerContext* context,
      const newsmeta::v1::StreamArticlesRequest* request) override;

 private:
  const CatalogHolder* catalogs_;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_SERVICE_ARTICLE_SERVICE_H_
