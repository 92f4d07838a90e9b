#include "service/watch_reactor.h"

#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "service/article_service.h"
#include "service/status_conversion.h"

namespace newsmeta {
namespace {

using Reason = WatchHub::Listener::Reason;

class WatchReactor;

// What the hub holds (weakly) to wake a reactor: it outlives the reactor
// while a wake is in progress, so gRPC deleting the reactor (OnDone) and the
// hub waking it never race.
class WatchLink final : public WatchHub::Listener {
 public:
  explicit WatchLink(WatchReactor* reactor) : reactor_(reactor) {}

  void Wake(Reason reason) override;
  // From OnDone: true when the reactor may be deleted now; otherwise the
  // wake in progress deletes it.
  bool Detach();

 private:
  absl::Mutex mu_;
  WatchReactor* reactor_ ABSL_GUARDED_BY(mu_);
  int waking_ ABSL_GUARDED_BY(mu_) = 0;
  bool detached_ ABSL_GUARDED_BY(mu_) = false;
};

class WatchReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  WatchReactor(WatchHub* hub, std::unique_ptr<WatchSession> session,
               Metrics* metrics, std::unique_ptr<CallRecorder> call,
               grpc::CallbackServerContext* context)
      : session_(std::move(session)),
        metrics_(metrics),
        call_(std::move(call)),
        context_(context),
        link_(std::make_shared<WatchLink>(this)) {
    context_->AddInitialMetadata(kCatalogVersionHeader,
                                 session_->start_version());
    if (metrics_ != nullptr) metrics_->AddWatchers(1);
    hub->AddListener(link_);
    // A Close() that ran before AddListener did not wake this one.
    Wake(hub->head().closing ? Reason::kClosing : Reason::kChanged);
  }

  void OnWriteDone(bool ok) override {
    absl::ReleasableMutexLock lock(&mu_);
    writing_ = false;
    if (!ok) {
      cancelled_ = true;
    } else {
      session_->Delivered(std::move(writing_token_));
      call_->MessageSent();
      if (metrics_ != nullptr) {
        // "TYPE_ADDED" -> "ADDED"
        metrics_->AddWatchEvent(
            absl::string_view(
                newsmeta::v1::ArticleEvent::Type_Name(writing_type_))
                .substr(5));
      }
    }
    Pump(&lock, /*heartbeat=*/false);
  }

  void OnCancel() override {
    absl::ReleasableMutexLock lock(&mu_);
    cancelled_ = true;
    Pump(&lock, /*heartbeat=*/false);
  }

  void OnDone() override {
    if (metrics_ != nullptr) metrics_->AddWatchers(-1);
    if (link_->Detach()) delete this;
  }

  void Wake(Reason reason) {
    absl::ReleasableMutexLock lock(&mu_);
    bool heartbeat = false;
    if (reason == Reason::kClosing) closing_ = true;
    if (reason == Reason::kHeartbeat) {
      // A heartbeat when nothing went out during a whole interval.
      heartbeat = !sent_since_tick_;
      sent_since_tick_ = false;
    }
    Pump(&lock, heartbeat);
  }

 private:
  // Starts the next write, or finishes the call, unless a write is in
  // flight (its OnWriteDone pumps again). Releases `lock` before calling
  // into gRPC, which may run reactions inline.
  void Pump(absl::ReleasableMutexLock* lock, bool heartbeat)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || finished_) return;
    if (cancelled_) {
      FinishWith(lock, grpc::Status(grpc::StatusCode::CANCELLED,
                                    "the watch was cancelled"));
      return;
    }
    if (closing_) {
      FinishWith(lock, ToGrpcStatus(session_->Closing()));
      return;
    }
    WatchStep step = session_->Next(heartbeat);
    switch (step.kind) {
      case WatchStep::Kind::kIdle:
        return;
      case WatchStep::Kind::kEnd:
        FinishWith(lock, ToGrpcStatus(step.status));
        return;
      case WatchStep::Kind::kEvent:
        break;
    }
    writing_ = true;
    sent_since_tick_ = true;
    writing_token_ = std::move(step.token);
    writing_type_ = step.type;
    grpc::Slice slice(step.event.data(), step.event.size());
    message_ = grpc::ByteBuffer(&slice, 1);
    lock->Release();
    StartWrite(&message_);
  }

  void FinishWith(absl::ReleasableMutexLock* lock, grpc::Status status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    finished_ = true;
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
        status.error_code() == grpc::StatusCode::UNAVAILABLE) {
      context_->AddTrailingMetadata(kResumeTokenTrailer,
                                    session_->delivered_token());
    }
    lock->Release();
    call_->Finish(*context_, status);
    Finish(status);
  }

  absl::Mutex mu_;
  std::unique_ptr<WatchSession> session_ ABSL_GUARDED_BY(mu_);
  Metrics* const metrics_;
  const std::unique_ptr<CallRecorder> call_;
  grpc::CallbackServerContext* const context_;
  const std::shared_ptr<WatchLink> link_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  bool sent_since_tick_ ABSL_GUARDED_BY(mu_) = false;
  std::string writing_token_ ABSL_GUARDED_BY(mu_);
  newsmeta::v1::ArticleEvent::Type writing_type_ ABSL_GUARDED_BY(mu_) =
      newsmeta::v1::ArticleEvent::TYPE_UNSPECIFIED;
  grpc::ByteBuffer message_;  // being written
};

void WatchLink::Wake(Reason reason) {
  WatchReactor* reactor = nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (detached_) return;
    reactor = reactor_;
    ++waking_;
  }
  reactor->Wake(reason);
  bool remove = false;
  {
    absl::MutexLock lock(&mu_);
    remove = --waking_ == 0 && detached_;
  }
  if (remove) delete reactor;
}

bool WatchLink::Detach() {
  absl::MutexLock lock(&mu_);
  detached_ = true;
  return waking_ == 0;
}

}  // namespace

grpc::ServerWriteReactor<grpc::ByteBuffer>* StartWatch(
    WatchHub* hub, std::unique_ptr<WatchSession> session, Metrics* metrics,
    std::unique_ptr<CallRecorder> call, grpc::CallbackServerContext* context) {
  return new WatchReactor(hub, std::move(session), metrics, std::move(call),
                          context);
}

}  // namespace newsmeta
