// The one place where domain statuses become gRPC statuses.
#ifndef NEWSMETA_SERVER_SERVICE_STATUS_CONVERSION_H_
#define NEWSMETA_SERVER_SERVICE_STATUS_CONVERSION_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace newsmeta {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_SERVICE_STATUS_CONVERSION_H_
