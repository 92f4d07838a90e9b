// A running newsmeta gRPC server: ArticleService, health and reflection.
#ifndef NEWSMETA_SERVER_SERVICE_NEWSMETA_SERVER_H_
#define NEWSMETA_SERVER_SERVICE_NEWSMETA_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "catalog/catalog.h"
#include "catalog/catalog_holder.h"
#include "service/article_service.h"

namespace newsmeta {

inline constexpr char kArticleServiceName[] = "newsmeta.v1.ArticleService";

class NewsmetaServer {
 public:
  // Starts serving on `address` ("host:port"; port 0 picks a free one), or
  // only in process when `address` is empty. Health is NOT_SERVING, and
  // ArticleService answers UNAVAILABLE, until ServeCatalog is called.
  static absl::StatusOr<std::unique_ptr<NewsmetaServer>> Start(
      const std::string& address);

  ~NewsmetaServer();

  // The port it listens on; 0 when in process only.
  int port() const { return port_; }

  std::shared_ptr<grpc::Channel> InProcessChannel();

  // Serves `catalog` from now on and reports SERVING.
  void ServeCatalog(std::shared_ptr<const Catalog> catalog);

  // Reports NOT_SERVING, lets in-flight calls run for up to `grace`, cancels
  // what is left, and returns when the server has stopped.
  void Shutdown(absl::Duration grace);

 private:
  NewsmetaServer() : service_(&catalogs_) {}

  CatalogHolder catalogs_;
  ArticleServiceImpl service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool stopped_ = false;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_SERVICE_NEWSMETA_SERVER_H_
