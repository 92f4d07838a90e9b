// Records one call in Metrics from inside its handler, as the metrics
// interceptor (service/metrics_interceptor.h) does for the others: its
// status code and latency, and the messages a stream sent. The raw
// ArticleService methods record themselves this way, since gRPC's
// interceptor machinery costs a busy unary call several microseconds of
// server CPU (README "Performance").
#ifndef NEWSMETA_SERVER_SERVICE_CALL_RECORDER_H_
#define NEWSMETA_SERVER_SERVICE_CALL_RECORDER_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <atomic>
#include <chrono>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "metrics/metrics.h"

namespace newsmeta {

// Finish and MessageSent may run on different threads at once (a stream's
// write may complete while it finishes): the first Finish records the call,
// and every message counted before it is added before it.
class CallRecorder {
 public:
  // Starts the call's clock. With `metrics` null, records nothing.
  // `method` (the full path) must outlive the recorder.
  CallRecorder(Metrics* metrics, absl::string_view method)
      : metrics_(metrics),
        method_(method),
        start_(std::chrono::steady_clock::now()) {}

  CallRecorder(const CallRecorder&) = delete;
  CallRecorder& operator=(const CallRecorder&) = delete;

  // A call released without a status recorded counts as CANCELLED.
  ~CallRecorder();

  // Records the call as finished now with `status`; but as CANCELLED when
  // `context` was cancelled before (by the client, its deadline or a
  // shutdown), since that status never reaches the client. Messages sent so
  // far are added first. Only the first call records.
  void Finish(const grpc::ServerContextBase& context,
              const grpc::Status& status);

  // One more message of a stream sent (added in batches of 64, the rest
  // when the call finishes).
  void MessageSent();

 private:
  void Record(grpc::StatusCode code);
  void FlushMessages();

  Metrics* const metrics_;
  const absl::string_view method_;
  const std::chrono::steady_clock::time_point start_;
  std::atomic<bool> recorded_{false};
  std::atomic<int64_t> unflushed_messages_{0};
};

// The canonical name of `code`: "OK", "CANCELLED", ..., "UNAUTHENTICATED";
// "UNKNOWN" for a number that is none of them.
absl::string_view StatusCodeName(grpc::StatusCode code);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_SERVICE_CALL_RECORDER_H_
