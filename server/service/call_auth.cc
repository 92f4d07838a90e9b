#include "service/call_auth.h"

#include <grpc/grpc.h>
#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "service/newsmeta_server.h"

namespace newsmeta {
namespace {

using ::grpc::experimental::InterceptionHookPoints;
using ::grpc::experimental::InterceptorBatchMethods;
using ::grpc::experimental::ServerRpcInfo;

class TokenCheckInterceptor final : public grpc::experimental::Interceptor {
 public:
  TokenCheckInterceptor(const TokenFile* tokens, ServerRpcInfo* info)
      : tokens_(tokens), info_(info) {}

  void Intercept(InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      const absl::Status access = tokens_->Check(
          AuthorizationHeader(*methods->GetRecvInitialMetadata()));
      if (!access.ok()) {
        const std::string message(access.message());
        grpc_call_cancel_with_status(info_->server_context()->c_call(),
                                     GRPC_STATUS_UNAUTHENTICATED,
                                     message.c_str(), nullptr);
      }
    }
    methods->Proceed();
  }

 private:
  const TokenFile* tokens_;
  ServerRpcInfo* info_;
};

class TokenCheckInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit TokenCheckInterceptorFactory(const TokenFile* tokens)
      : tokens_(tokens),
        article_service_prefix_(absl::StrCat("/", kArticleServiceName, "/")) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      ServerRpcInfo* info) override {
    const absl::string_view method = info->method();
    if (absl::StartsWith(method, "/grpc.health.v1.Health/") ||
        absl::StartsWith(method, article_service_prefix_)) {
      return nullptr;  // not intercepted
    }
    return new TokenCheckInterceptor(tokens_, info);
  }

 private:
  const TokenFile* tokens_;
  // "/newsmeta.v1.ArticleService/", made once rather than per call.
  const std::string article_service_prefix_;
};

}  // namespace

std::optional<absl::string_view> AuthorizationHeader(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  const auto found = metadata.find("authorization");
  if (found == metadata.end()) return std::nullopt;
  return absl::string_view(found->second.data(), found->second.size());
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewTokenCheckInterceptorFactory(const TokenFile* tokens) {
  return std::make_unique<TokenCheckInterceptorFactory>(tokens);
}

}  // namespace newsmeta
