#include "service/health_service.h"

#include <utility>

namespace newsmeta {

using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;

// One Watch call: sends the status at once, then each change, one write at
// a time (the latest status when a write completes), until the call ends.
class HealthService::Watcher final
    : public grpc::ServerWriteReactor<HealthCheckResponse> {
 public:
  Watcher(HealthService* service, std::string name)
      : service_(service), name_(std::move(name)) {}

  // Called with service_->mutex_ held, so never after OnDone unregistered.
  void Update(Status status) {
    absl::MutexLock lock(&mutex_);
    latest_ = status;
    WriteIfIdle();
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mutex_);
    writing_ = false;
    // Not ok: the call is gone (cancelled, deadline, shutdown).
    if (!ok || cancelled_) {
      FinishOnce();
      return;
    }
    WriteIfIdle();
  }

  // Finishes now, or when the write in flight completes.
  void OnCancel() override {
    absl::MutexLock lock(&mutex_);
    cancelled_ = true;
    if (!writing_) FinishOnce();
  }

  void OnDone() override {
    {
      absl::MutexLock lock(&service_->mutex_);
      service_->watchers_.erase(this);
    }
    delete this;
  }

 private:
  void FinishOnce() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (finished_) return;
    finished_ = true;
    Finish(grpc::Status::CANCELLED);
  }

  void WriteIfIdle() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (writing_ || finished_ || cancelled_ ||
        (sent_any_ && latest_ == sent_.status())) {
      return;
    }
    sent_.set_status(latest_);
    sent_any_ = true;
    writing_ = true;
    StartWrite(&sent_);
  }

  HealthService* const service_;
  const std::string name_;
  absl::Mutex mutex_;
  Status latest_ ABSL_GUARDED_BY(mutex_) = HealthCheckResponse::UNKNOWN;
  HealthCheckResponse sent_ ABSL_GUARDED_BY(mutex_);  // being written
  bool sent_any_ ABSL_GUARDED_BY(mutex_) = false;
  bool writing_ ABSL_GUARDED_BY(mutex_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mutex_) = false;
  bool finished_ ABSL_GUARDED_BY(mutex_) = false;

  friend class HealthService;
};

HealthService::HealthService(const std::vector<std::string>& services)
    : services_(services.begin(), services.end()) {}

HealthService::Status HealthService::StatusOf(
    const std::string& service) const {
  if (!service.empty() && !services_.contains(service)) {
    return HealthCheckResponse::SERVICE_UNKNOWN;
  }
  return serving_ ? HealthCheckResponse::SERVING
                  : HealthCheckResponse::NOT_SERVING;
}

void HealthService::SetServing(bool serving) {
  absl::MutexLock lock(&mutex_);
  if (shut_down_) return;
  serving_ = serving;
  for (Watcher* watcher : watchers_) watcher->Update(StatusOf(watcher->name_));
}

void HealthService::Shutdown() {
  SetServing(false);
  absl::MutexLock lock(&mutex_);
  shut_down_ = true;
}

grpc::ServerUnaryReactor* HealthService::Check(
    grpc::CallbackServerContext* context, const HealthCheckRequest* request,
    HealthCheckResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::MutexLock lock(&mutex_);
  const Status status = StatusOf(request->service());
  if (status == HealthCheckResponse::SERVICE_UNKNOWN) {
    reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND,
                                 "unknown service " + request->service()));
  } else {
    response->set_status(status);
    reactor->Finish(grpc::Status::OK);
  }
  return reactor;
}

grpc::ServerWriteReactor<HealthCheckResponse>* HealthService::Watch(
    grpc::CallbackServerContext* /*context*/,
    const HealthCheckRequest* request) {
  auto* watcher = new Watcher(this, request->service());
  absl::MutexLock lock(&mutex_);
  watchers_.insert(watcher);
  watcher->Update(StatusOf(request->service()));
  return watcher;
}

}  // namespace newsmeta
