// A running newsmeta gRPC server: ArticleService, health and reflection.
#ifndef NEWSMETA_SERVER_SERVICE_NEWSMETA_SERVER_H_
#define NEWSMETA_SERVER_SERVICE_NEWSMETA_SERVER_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "catalog/catalog.h"
#include "catalog/catalog_holder.h"
#include "service/article_service.h"

namespace newsmeta {

inline constexpr char kArticleServiceName[] = "newsmeta.v1.ArticleService";

// HTTP/2 connection management. Bounding a connection's age makes clients
// reconnect now and then, so that they spread over new replicas; keepalive
// pings find dead peers behind proxies and NATs.
struct ConnectionOptions {
  // Connections are closed (GOAWAY) after this long; calls then in flight
  // get `max_connection_age_grace` more to finish.
  absl::Duration max_connection_age = absl::InfiniteDuration();
  absl::Duration max_connection_age_grace = absl::InfiniteDuration();
  // The server pings a connection idle this long, and closes it when the
  // ping is not answered within `keepalive_timeout`.
  absl::Duration keepalive_time = absl::Hours(2);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  // Clients may ping this often, with no call open too when
  // `permit_keepalive_without_calls`; pinging more often is answered with
  // GOAWAY ("too_many_pings").
  absl::Duration min_client_ping_interval = absl::Minutes(5);
  bool permit_keepalive_without_calls = false;
};

struct NewsmetaServerOptions {
  // "host:port" to listen on (port 0 picks a free one); empty serves only
  // in process.
  std::string address;
  ConnectionOptions connection;
  // Run on every call, e.g. to count them.
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
};

class NewsmetaServer {
 public:
  // Starts serving. Health is NOT_SERVING, and ArticleService answers
  // UNAVAILABLE, until ServeCatalog is called.
  static absl::StatusOr<std::unique_ptr<NewsmetaServer>> Start(
      NewsmetaServerOptions options);

  ~NewsmetaServer();

  // The port it listens on; 0 when in process only.
  int port() const { return port_; }

  std::shared_ptr<grpc::Channel> InProcessChannel();

  // Serves `catalog` from now on, to calls that start after it returns
  // (calls in flight keep the catalog they started with), and reports
  // SERVING unless draining.
  void ServeCatalog(std::shared_ptr<const Catalog> catalog);

  // Reports NOT_SERVING for good, so load balancers and Kubernetes stop
  // sending new calls, while the server goes on answering the ones that
  // still come.
  void StartDraining();

  // Reports NOT_SERVING, lets in-flight calls run for up to `grace`, cancels
  // what is left, and returns when the server has stopped.
  void Shutdown(absl::Duration grace);

 private:
  NewsmetaServer() : service_(&catalogs_) {}
  void SetServing(bool serving);

  CatalogHolder catalogs_;
  ArticleServiceImpl service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  // Orders health changes, so a catalog published while draining starts
  // cannot turn health back to SERVING.
  absl::Mutex health_mutex_;
  bool draining_ ABSL_GUARDED_BY(health_mutex_) = false;
  bool stopped_ = false;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_SERVICE_NEWSMETA_SERVER_H_
