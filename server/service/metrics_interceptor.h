// A gRPC server interceptor that records every call in Metrics: its method,
// status code and latency, and the messages a streaming call sent; except
// the methods whose handlers record themselves (service/call_recorder.h).
//
//   builder.experimental().SetInterceptorCreators(...) with a vector holding
//   NewMetricsInterceptorFactory(&metrics, ArticleServiceImpl::
//   SelfRecordedMethods()).
#ifndef NEWSMETA_SERVER_SERVICE_METRICS_INTERCEPTOR_H_
#define NEWSMETA_SERVER_SERVICE_METRICS_INTERCEPTOR_H_

#include <grpcpp/support/server_interceptor.h>
#include <grpcpp/support/status.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "metrics/metrics.h"
#include "service/call_recorder.h"

namespace newsmeta {

// Records each call's latency from its start (when gRPC matched it to a
// method, before the handler runs) to the status the server sends, with that
// status's code; but a call that was cancelled before (by the client, its
// deadline or a server shutdown: the server cannot tell these apart) counts
// as CANCELLED whatever its handler sent, since that never reached the
// client. A call whose handler sent no status at all counts as CANCELLED
// when gRPC releases it. Messages that server- and bidi-streaming calls did
// send are counted (in batches, the rest when the call is released). Calls
// of the methods in `skipped` (full paths) are not intercepted at all.
// `metrics` must outlive the server.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewMetricsInterceptorFactory(Metrics* metrics,
                             std::vector<std::string> skipped = {});

// newsmeta_build_info's labels for these binaries: `version` and the gRPC
// and protobuf versions they were built with.
BuildInfo CurrentBuildInfo(absl::string_view version);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_SERVICE_METRICS_INTERCEPTOR_H_
