#include "service/call_recorder.h"

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace newsmeta {
namespace {

// Stream messages are added to Metrics in batches of this many, so a long
// stream takes the metrics lock rarely.
constexpr int64_t kMessagesPerFlush = 64;

}  // namespace

CallRecorder::~CallRecorder() {
  FlushMessages();
  Record(grpc::StatusCode::CANCELLED);
}

void CallRecorder::Finish(const grpc::ServerContextBase& context,
                          const grpc::Status& status) {
  FlushMessages();
  Record(context.IsCancelled() ? grpc::StatusCode::CANCELLED
                               : status.error_code());
}

void CallRecorder::MessageSent() {
  if (unflushed_messages_.fetch_add(1) + 1 >= kMessagesPerFlush) {
    FlushMessages();
  }
}

void CallRecorder::Record(grpc::StatusCode code) {
  if (metrics_ == nullptr || recorded_.exchange(true)) return;
  metrics_->RecordRpc(
      method_, StatusCodeName(code),
      absl::FromChrono(std::chrono::steady_clock::now() - start_));
}

void CallRecorder::FlushMessages() {
  if (metrics_ == nullptr) return;
  const int64_t messages = unflushed_messages_.exchange(0);
  if (messages > 0) metrics_->AddStreamMessagesSent(method_, messages);
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

}  // namespace newsmeta
