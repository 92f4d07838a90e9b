#include "service/status_conversion.h"

#include <map>
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
  // absl::Status visits payloads in no fixed order; clients get ErrorInfo
  // first, then the other details by type URL, the same on every call.
  std::map<std::string, std::string> payloads;
  status.ForEachPayload(
      [&](absl::string_view type_url, const absl::Cord& payload) {
        payloads.emplace(std::string(type_url), std::string(payload));
      });
  google::protobuf::Any* info_detail = rpc_status.add_details();
  const auto info = payloads.find(std::string(kErrorInfoTypeUrl));
  if (info != payloads.end()) {
    info_detail->set_type_url(info->first);
    info_detail->set_value(info->second);
    payloads.erase(info);
  } else {
    // Every error carries an ErrorInfo; one the domain did not describe gets
    // its canonical code as the reason.
    google::rpc::ErrorInfo generic;
    generic.set_reason(
        absl::AsciiStrToUpper(absl::StatusCodeToString(status.code())));
    generic.set_domain(std::string(kErrorDomain));
    info_detail->PackFrom(generic);
  }
  for (const auto& [type_url, value] : payloads) {
    google::protobuf::Any* any = rpc_status.add_details();
    any->set_type_url(type_url);
    any->set_value(value);
  }
  // absl::StatusCode and grpc::StatusCode share the canonical numbering.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()),
                      rpc_status.SerializeAsString());
}

}  // namespace newsmeta
