// grpc.health.v1.Health (Check and Watch) over a serving status it is told,
// for the plaintext health port: a server of its own that serves nothing
// else. (gRPC's default health service cannot be the only service of a
// server in 1.51: BuildAndStart refuses a server without registered
// methods, and adds the default service only later.)
#ifndef NEWSMETA_SERVER_SERVICE_HEALTH_SERVICE_H_
#define NEWSMETA_SERVER_SERVICE_HEALTH_SERVICE_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace newsmeta {

class HealthService final : public grpc::health::v1::Health::CallbackService {
 public:
  // Knows the overall status ("") and `services`; Check of another service
  // is NOT_FOUND, Watch of one reports SERVICE_UNKNOWN, as the protocol
  // says. All are NOT_SERVING until SetServing(true).
  explicit HealthService(const std::vector<std::string>& services);

  // Sets the status of every service and tells the watchers.
  void SetServing(bool serving);

  // NOT_SERVING for good: later SetServing calls are ignored.
  void Shutdown();

  grpc::ServerUnaryReactor* Check(
      grpc::CallbackServerContext* context,
      const grpc::health::v1::HealthCheckRequest* request,
      grpc::health::v1::HealthCheckResponse* response) override;

  grpc::ServerWriteReactor<grpc::health::v1::HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* context,
      const grpc::health::v1::HealthCheckRequest* request) override;

 private:
  class Watcher;
  using Status = grpc::health::v1::HealthCheckResponse::ServingStatus;

  Status StatusOf(const std::string& service) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const absl::flat_hash_set<std::string> services_;
  mutable absl::Mutex mutex_;
  bool serving_ ABSL_GUARDED_BY(mutex_) = false;
  bool shut_down_ ABSL_GUARDED_BY(mutex_) = false;
  absl::flat_hash_set<Watcher*> watchers_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_SERVICE_HEALTH_SERVICE_H_
