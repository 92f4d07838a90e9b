// A running newsmeta gRPC server: ArticleService, health and reflection.
#ifndef NEWSMETA_SERVER_SERVICE_NEWSMETA_SERVER_H_
#define NEWSMETA_SERVER_SERVICE_NEWSMETA_SERVER_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "catalog/catalog.h"
#include "catalog/catalog_holder.h"
#include "security/bearer_tokens.h"
#include "security/tls_files.h"
#include "service/article_service.h"
#include "service/health_service.h"
#include "watch/heartbeat_ticker.h"
#include "watch/watch_hub.h"

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
  // Larger request messages are refused by gRPC with RESOURCE_EXHAUSTED.
  int max_receive_message_bytes = 1 << 20;
  // Streams (calls) a client may have open at once on one connection
  // (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS). gRPC clients queue further
  // calls until one ends; they do not fail.
  int max_concurrent_streams = 100;
};

struct NewsmetaServerOptions {
  // "host:port" to listen on (port 0 picks a free one); empty serves only
  // in process.
  std::string address;
  // TLS on `address` (mutual TLS when `client_ca` is set); unset: plaintext.
  std::optional<TlsPem> tls;
  // "host:port" of a plaintext port that serves only grpc.health.v1.Health,
  // with the same statuses, for probes that cannot speak TLS; empty: none.
  std::string health_address;
  // When set, every call but health must carry one of these bearer tokens.
  // Must outlive the server.
  const TokenFile* tokens = nullptr;
  ConnectionOptions connection;
  // WatchArticles: the change history and per-watcher bounds, and how often
  // an idle watch gets a HEARTBEAT (zero or infinite: never).
  WatchHubOptions watch;
  absl::Duration watch_heartbeat = absl::Seconds(30);
  // When set, records every call (service/metrics_interceptor.h: count,
  // code, latency, stream messages), watchers and their events; must
  // outlive the server.
  Metrics* metrics = nullptr;
  // More server interceptors, run on every call (besides the metrics
  // interceptor, installed when `metrics` is set, and the token check).
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
  // The plaintext health port; 0 when there is none.
  int health_port() const { return health_port_; }

  std::shared_ptr<grpc::Channel> InProcessChannel();

  // Serves `catalog` from now on, to calls that start after it returns
  // (calls in flight keep the catalog they started with), and reports
  // SERVING unless draining.
  void ServeCatalog(std::shared_ptr<const SegmentedCatalog> catalog);
  // One catalog built from scratch.
  void ServeCatalog(std::shared_ptr<const Catalog> catalog);

  // Reports NOT_SERVING for good, so load balancers and Kubernetes stop
  // sending new calls, while the server goes on answering the ones that
  // still come.
  void StartDraining();

  // Reports NOT_SERVING, ends open watches (UNAVAILABLE with their resume
  // token, as soon as their last write completed), lets in-flight calls run
  // for up to `grace`, cancels what is left, and returns when the server has
  // stopped.
  void Shutdown(absl::Duration grace);

 private:
  explicit NewsmetaServer(const NewsmetaServerOptions& options)
      : watch_hub_(options.watch),
        service_(&catalogs_, options.tokens, &watch_hub_, options.metrics) {}
  void SetServing(bool serving);

  CatalogHolder catalogs_;
  WatchHub watch_hub_;
  ArticleServiceImpl service_;
  std::unique_ptr<HeartbeatTicker> heartbeat_;
  std::unique_ptr<grpc::Server> server_;
  // The health port's service, kept equal to server_'s default one, and
  // the server that serves only it.
  std::unique_ptr<HealthService> health_service_;
  std::unique_ptr<grpc::Server> health_server_;
  int port_ = 0;
  int health_port_ = 0;
  // Orders health changes, so a catalog published while draining starts
  // cannot turn health back to SERVING.
  absl::Mutex health_mutex_;
  bool draining_ ABSL_GUARDED_BY(health_mutex_) = false;
  bool stopped_ = false;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_SERVICE_NEWSMETA_SERVER_H_
