#include "service/metrics_interceptor.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <utility>

namespace newsmeta {
namespace {

using ::grpc::experimental::InterceptionHookPoints;
using ::grpc::experimental::InterceptorBatchMethods;
using ::grpc::experimental::ServerRpcInfo;

// One per call. Hook points seen per call (gRPC 1.51, callback API):
// POST_RECV_INITIAL_METADATA + POST_RECV_MESSAGE, then PRE_SEND_STATUS
// (with PRE_SEND_MESSAGE for a unary reply) when the handler finishes, even
// after a cancellation; POST_RECV_CLOSE at the end or at cancellation; one
// POST_SEND_MESSAGE per message, false when it was not sent.
class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  // `info->method()` points into gRPC's method table, which outlives the
  // server's calls.
  MetricsInterceptor(Metrics* metrics, ServerRpcInfo* info)
      : info_(info),
        streaming_(info->type() == ServerRpcInfo::Type::SERVER_STREAMING ||
                   info->type() == ServerRpcInfo::Type::BIDI_STREAMING),
        recorder_(metrics, info->method()) {}

  // gRPC deletes the interceptor when it releases the call; the recorder
  // then counts a call that sent no status (with the callback API every
  // handler sends one, even for a cancelled call; this covers the other
  // APIs) as CANCELLED.

  void Intercept(InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      // A message sent with the status is added when it completes.
      recorder_.Finish(*info_->server_context(), methods->GetSendStatus());
    }
    if (streaming_ &&
        methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_SEND_MESSAGE) &&
        methods->GetSendMessageStatus()) {
      recorder_.MessageSent();
    }
    methods->Proceed();
  }

 private:
  ServerRpcInfo* const info_;  // Owns this interceptor.
  const bool streaming_;
  // A call's batches (a write completing, its status being sent) may run on
  // different threads at once; the recorder is safe for that.
  CallRecorder recorder_;
};

class MetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  MetricsInterceptorFactory(Metrics* metrics, std::vector<std::string> skipped)
      : metrics_(metrics), skipped_(std::move(skipped)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      ServerRpcInfo* info) override {
    const absl::string_view method = info->method();
    if (std::find(skipped_.begin(), skipped_.end(), method) != skipped_.end()) {
      return nullptr;  // not intercepted
    }
    return new MetricsInterceptor(metrics_, info);
  }

 private:
  Metrics* const metrics_;
  const std::vector<std::string> skipped_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewMetricsInterceptorFactory(Metrics* metrics,
                             std::vector<std::string> skipped) {
  return std::make_unique<MetricsInterceptorFactory>(metrics,
                                                     std::move(skipped));
}

BuildInfo CurrentBuildInfo(absl::string_view version) {
  return BuildInfo{std::string(version), grpc::Version(), ProtobufVersion()};
}

}  // namespace newsmeta
