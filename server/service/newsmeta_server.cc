#include "service/newsmeta_server.h"

#include <grpcpp/ext/health_check_service_server_builder_option.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/security/server_credentials.h>

#include <climits>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.pb.h"
#include "service/call_auth.h"
#include "service/metrics_interceptor.h"

namespace newsmeta {

namespace {

int ToMillisecondsArg(absl::Duration duration) {
  if (duration >= absl::Milliseconds(INT_MAX)) return INT_MAX;
  return static_cast<int>(absl::ToInt64Milliseconds(duration));
}

void ApplyConnectionOptions(const ConnectionOptions& connection,
                            grpc::ServerBuilder* builder) {
  builder->AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                              ToMillisecondsArg(connection.max_connection_age));
  builder->AddChannelArgument(
      GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
      ToMillisecondsArg(connection.max_connection_age_grace));
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                              ToMillisecondsArg(connection.keepalive_time));
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                              ToMillisecondsArg(connection.keepalive_timeout));
  builder->AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      ToMillisecondsArg(connection.min_client_ping_interval));
  builder->AddChannelArgument(
      GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS,
      connection.permit_keepalive_without_calls ? 1 : 0);
  // Pings carry no data; without this limit of 0 (none), the server would
  // stop sending keepalive pings on a connection with no calls after two.
  builder->AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  builder->SetMaxReceiveMessageSize(connection.max_receive_message_bytes);
  builder->AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                              connection.max_concurrent_streams);
}

std::shared_ptr<grpc::ServerCredentials> Credentials(
    const std::optional<TlsPem>& tls) {
  if (!tls.has_value()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions ssl(
      tls->client_ca.empty()
          ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
          : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_root_certs = tls->client_ca;
  ssl.pem_key_cert_pairs.push_back({tls->private_key, tls->cert_chain});
  return grpc::SslServerCredentials(ssl);
}

// Leaves out the server builder plugins (reflection), so that a server
// built with it serves only what is registered.
class WithoutPlugins final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>*
                         plugins) override {
    plugins->clear();
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<NewsmetaServer>> NewsmetaServer::Start(
    NewsmetaServerOptions options) {
  static std::once_flag once;
  std::call_once(once, [] {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    // Referencing these descriptors links their files into the binary, so
    // that reflection can describe grpc.health.v1.Health and the error
    // details (grpcurl and buf curl then print them readably).
    (void)grpc::health::v1::HealthCheckRequest::descriptor();
    (void)google::rpc::ErrorInfo::descriptor();
    (void)google::rpc::BadRequest::descriptor();
    (void)google::rpc::Status::descriptor();
  });
  std::unique_ptr<NewsmetaServer> server(new NewsmetaServer(options));
  grpc::ServerBuilder builder;
  const std::string& address = options.address;
  if (!address.empty()) {
    builder.AddListeningPort(address, Credentials(options.tls), &server->port_);
  }
  ApplyConnectionOptions(options.connection, &builder);
  if (options.metrics != nullptr) {
    options.interceptors.push_back(NewMetricsInterceptorFactory(
        options.metrics, ArticleServiceImpl::SelfRecordedMethods()));
  }
  if (options.tokens != nullptr) {
    options.interceptors.push_back(
        NewTokenCheckInterceptorFactory(options.tokens));
  }
  if (!options.interceptors.empty()) {
    builder.experimental().SetInterceptorCreators(
        std::move(options.interceptors));
  }
  builder.RegisterService(&server->service_);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || (!address.empty() && server->port_ == 0)) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", address));
  }
  if (!options.health_address.empty()) {
    grpc::ServerBuilder health_builder;
    health_builder.AddListeningPort(options.health_address,
                                    grpc::InsecureServerCredentials(),
                                    &server->health_port_);
    health_builder.SetOption(std::make_unique<WithoutPlugins>());
    health_builder.SetOption(
        std::make_unique<grpc::HealthCheckServiceServerBuilderOption>(nullptr));
    server->health_service_ = std::make_unique<HealthService>(
        std::vector<std::string>{kArticleServiceName});
    health_builder.RegisterService(server->health_service_.get());
    ApplyConnectionOptions(options.connection, &health_builder);
    server->health_server_ = health_builder.BuildAndStart();
    if (server->health_server_ == nullptr || server->health_port_ == 0) {
      return absl::UnavailableError(absl::StrCat(
          "cannot listen on ", options.health_address, " (health port)"));
    }
  }
  server->SetServing(false);
  WatchHub* hub = &server->watch_hub_;
  server->heartbeat_ = std::make_unique<HeartbeatTicker>(
      options.watch_heartbeat,
      [hub] { hub->WakeAll(WatchHub::Listener::Reason::kHeartbeat); });
  return server;
}

NewsmetaServer::~NewsmetaServer() { Shutdown(absl::ZeroDuration()); }

std::shared_ptr<grpc::Channel> NewsmetaServer::InProcessChannel() {
  return server_->InProcessChannel(grpc::ChannelArguments());
}

void NewsmetaServer::SetServing(bool serving) {
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus("", serving);
  health->SetServingStatus(kArticleServiceName, serving);
  if (health_service_ != nullptr) health_service_->SetServing(serving);
}

void NewsmetaServer::ServeCatalog(std::shared_ptr<const Catalog> catalog) {
  ServeCatalog(catalog == nullptr ? nullptr
                                  : SegmentedCatalog::Of(std::move(catalog)));
}

void NewsmetaServer::ServeCatalog(
    std::shared_ptr<const SegmentedCatalog> catalog) {
  catalogs_.Set(catalog);
  watch_hub_.Publish(std::move(catalog));
  absl::MutexLock lock(&health_mutex_);
  if (!draining_) SetServing(true);
}

void NewsmetaServer::StartDraining() {
  absl::MutexLock lock(&health_mutex_);
  draining_ = true;
  SetServing(false);
}

void NewsmetaServer::Shutdown(absl::Duration grace) {
  if (stopped_ || server_ == nullptr) return;
  stopped_ = true;
  StartDraining();
  heartbeat_.reset();
  // Watches never end by themselves: end them now, so they need not wait
  // for the grace period.
  watch_hub_.Close();
  server_->GetHealthCheckService()->Shutdown();
  if (health_service_ != nullptr) health_service_->Shutdown();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
  if (health_server_ != nullptr) {
    health_server_->Shutdown(absl::ToChronoTime(absl::Now()));
    health_server_->Wait();
  }
}

}  // namespace newsmeta
