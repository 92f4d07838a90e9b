// The gRPC side of WatchArticles: writes a WatchSession's events one at a
// time, the next once the previous write completed, and wakes up when the
// hub has news. Never blocks, holds no queue.
#ifndef NEWSMETA_SERVER_SERVICE_WATCH_REACTOR_H_
#define NEWSMETA_SERVER_SERVICE_WATCH_REACTOR_H_

#include <grpcpp/grpcpp.h>

#include <memory>

#include "metrics/metrics.h"
#include "service/call_recorder.h"
#include "watch/watch_hub.h"
#include "watch/watch_session.h"

namespace newsmeta {

// Starts the stream of `session` on `context`'s call, recording its events
// and its end in `call`. `metrics` (watchers, events) may be null; it and
// `hub` must outlive the call.
grpc::ServerWriteReactor<grpc::ByteBuffer>* StartWatch(
    WatchHub* hub, std::unique_ptr<WatchSession> session, Metrics* metrics,
    std::unique_ptr<CallRecorder> call, grpc::CallbackServerContext* context);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_SERVICE_WATCH_REACTOR_H_
