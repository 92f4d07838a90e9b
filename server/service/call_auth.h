// Bearer tokens on gRPC calls. ArticleService checks them itself (its
// errors carry details, and a refused call does no work); this interceptor
// guards the other services (reflection), except health, which stays open
// for probes.
#ifndef NEWSMETA_SERVER_SERVICE_CALL_AUTH_H_
#define NEWSMETA_SERVER_SERVICE_CALL_AUTH_H_

#include <grpcpp/support/server_interceptor.h>
#include <grpcpp/support/string_ref.h>

#include <map>
#include <memory>
#include <optional>

#include "absl/strings/string_view.h"
#include "security/bearer_tokens.h"

namespace newsmeta {

// The value of the `authorization` header in a call's metadata, if any.
std::optional<absl::string_view> AuthorizationHeader(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata);

// Refuses, with UNAUTHENTICATED, calls without a valid token to methods
// other than grpc.health.v1.Health's and newsmeta.v1.ArticleService's (the
// latter check their token themselves). gRPC 1.51 server interceptors cannot
// answer a call, so the call is cancelled with that status (no error
// details) as soon as its headers arrive; the handler then sees a cancelled
// call. `tokens` must outlive the server.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewTokenCheckInterceptorFactory(const TokenFile* tokens);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_SERVICE_CALL_AUTH_H_
