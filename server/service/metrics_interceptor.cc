#include "service/metrics_interceptor.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace newsmeta {
namespace {

using ::grpc::experimental::InterceptionHookPoints;
using ::grpc::experimental::InterceptorBatchMethods;
using ::grpc::experimental::ServerRpcInfo;

// Stream messages are added to Metrics in batches of this many (and the rest
// when the call ends), so a long stream takes the metrics lock rarely.
constexpr int64_t kMessagesPerFlush = 64;

// One per call. Hook points seen per call (gRPC 1.51, callback API):
// POST_RECV_INITIAL_METADATA + POST_RECV_MESSAGE, then PRE_SEND_STATUS
// (with PRE_SEND_MESSAGE for a unary reply) when the handler finishes, even
// after a cancellation; POST_RECV_CLOSE at the end or at cancellation; one
// POST_SEND_MESSAGE per message, false when it was not sent.
class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(Metrics* metrics, ServerRpcInfo* info)
      : metrics_(metrics),
        info_(info),
        method_(info->method()),
        streaming_(info->type() == ServerRpcInfo::Type::SERVER_STREAMING ||
                   info->type() == ServerRpcInfo::Type::BIDI_STREAMING),
        start_(std::chrono::steady_clock::now()) {}

  // gRPC deletes the interceptor when it releases the call.
  ~MetricsInterceptor() override {
    // No PRE_SEND_STATUS ever came: the call ended without a status from
    // its handler (with the callback API every handler sends one, even for
    // a cancelled call; this covers the other APIs).
    if (!recorded_.load()) Record(grpc::StatusCode::CANCELLED);
    FlushMessages();
  }

  void Intercept(InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      // A handler may finish a call that was already cancelled (by the
      // client, its deadline or a shutdown), even with OK: that status never
      // reaches the client, so the call counts as CANCELLED. Messages sent
      // so far are added first, so whoever sees the call counted also sees
      // them (a message sent with the status is added when it completes).
      FlushMessages();
      Record(info_->server_context()->IsCancelled()
                 ? grpc::StatusCode::CANCELLED
                 : methods->GetSendStatus().error_code());
    }
    if (streaming_ &&
        methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_SEND_MESSAGE) &&
        methods->GetSendMessageStatus() &&
        unflushed_messages_.fetch_add(1) + 1 >= kMessagesPerFlush) {
      FlushMessages();
    }
    methods->Proceed();
  }

 private:
  // Records the call once, with the first code it is given.
  void Record(grpc::StatusCode code) {
    if (recorded_.exchange(true)) return;
    metrics_->RecordRpc(
        method_, StatusCodeName(code),
        absl::FromChrono(std::chrono::steady_clock::now() - start_));
  }

  void FlushMessages() {
    const int64_t messages = unflushed_messages_.exchange(0);
    if (messages > 0) metrics_->AddStreamMessagesSent(method_, messages);
  }

  Metrics* const metrics_;
  ServerRpcInfo* const info_;  // Owns this interceptor.
  // Points into gRPC's method table, which outlives the server's calls.
  const absl::string_view method_;
  const bool streaming_;
  const std::chrono::steady_clock::time_point start_;
  // A call's batches (a write completing, its status being sent) may run on
  // different threads at once.
  std::atomic<bool> recorded_{false};
  std::atomic<int64_t> unflushed_messages_{0};
};

class MetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(Metrics* metrics) : metrics_(metrics) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      ServerRpcInfo* info) override {
    return new MetricsInterceptor(metrics_, info);
  }

 private:
  Metrics* const metrics_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewMetricsInterceptorFactory(Metrics* metrics) {
  return std::make_unique<MetricsInterceptorFactory>(metrics);
}

absl::string_view StatusCodeName(grpc::StatusCode code) {
  // gRPC's and Abseil's canonical codes have the same numbers and names;
  // named once, since every call is recorded under its code's name.
  constexpr int kCodes = 17;  // OK (0) to UNAUTHENTICATED (16)
  static const std::string* const names = [] {
    auto* table = new std::string[kCodes];
    for (int i = 0; i < kCodes; ++i) {
      table[i] = absl::StatusCodeToString(static_cast<absl::StatusCode>(i));
    }
    return table;
  }();
  const int number = static_cast<int>(code);
  if (number < 0 || number >= kCodes || names[number].empty()) {
    return "UNKNOWN";
  }
  return names[number];
}

BuildInfo CurrentBuildInfo(absl::string_view version) {
  return BuildInfo{std::string(version), grpc::Version(), ProtobufVersion()};
}

}  // namespace newsmeta
