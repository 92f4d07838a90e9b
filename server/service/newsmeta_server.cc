#include "service/newsmeta_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.pb.h"

namespace newsmeta {

absl::StatusOr<std::unique_ptr<NewsmetaServer>> NewsmetaServer::Start(
    const std::string& address) {
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
  std::unique_ptr<NewsmetaServer> server(new NewsmetaServer());
  grpc::ServerBuilder builder;
  if (!address.empty()) {
    builder.AddListeningPort(address, grpc::InsecureServerCredentials(),
                             &server->port_);
  }
  builder.RegisterService(&server->service_);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || (!address.empty() && server->port_ == 0)) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", address));
  }
  grpc::HealthCheckServiceInterface* health =
      server->server_->GetHealthCheckService();
  health->SetServingStatus("", false);
  health->SetServingStatus(kArticleServiceName, false);
  return server;
}

NewsmetaServer::~NewsmetaServer() { Shutdown(absl::ZeroDuration()); }

std::shared_ptr<grpc::Channel> NewsmetaServer::InProcessChannel() {
  return server_->InProcessChannel(grpc::ChannelArguments());
}

void NewsmetaServer::ServeCatalog(std::shared_ptr<const Catalog> catalog) {
  catalogs_.Set(std::move(catalog));
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus("", true);
  health->SetServingStatus(kArticleServiceName, true);
}

void NewsmetaServer::Shutdown(absl::Duration grace) {
  if (stopped_) return;
  stopped_ = true;
  server_->GetHealthCheckService()->Shutdown();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
}

}  // namespace newsmeta
