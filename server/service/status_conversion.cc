#include "service/status_conversion.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "google/protobuf/any.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "util/errors.h"

namespace newsmeta {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // google.rpc.Status with every detail the domain attached, in the
  // grpc-status-details-bin trailer that grpcurl, buf and the gRPC libraries
  // of every language decode.
  google::rpc::Status rpc_status;
  rpc_status.set_code(static_cast<int>(status.code()));
  rpc_status.set_message(std::string(status.message()));
  bool has_error_info = false;
  status.ForEachPayload(
      [&](absl::string_view type_url, const absl::Cord& payload) {
        google::protobuf::Any* any = rpc_status.add_details();
        any->set_type_url(std::string(type_url));
        any->set_value(std::string(payload));
        has_error_info |= type_url == kErrorInfoTypeUrl;
      });
  if (!has_error_info) {
    // Every error carries an ErrorInfo; one the domain did not describe gets
    // its canonical code as the reason.
    google::rpc::ErrorInfo info;
    info.set_reason(
        absl::AsciiStrToUpper(absl::StatusCodeToString(status.code())));
    info.set_domain(std::string(kErrorDomain));
    rpc_status.add_details()->PackFrom(info);
  }
  // absl::StatusCode and grpc::StatusCode share the canonical numbering.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()),
                      rpc_status.SerializeAsString());
}

}  // namespace newsmeta
