#include "util/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"

namespace newsmeta {

absl::Status Error(absl::StatusCode code, absl::string_view reason,
                   absl::string_view message, ErrorMetadata metadata) {
  absl::Status status(code, message);
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kErrorDomain));
  for (auto& [key, value] : metadata) {
    (*info.mutable_metadata())[key] = std::move(value);
  }
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

absl::Status InvalidFields(const std::vector<std::string>& fields,
                           absl::string_view reason, absl::string_view message,
                           ErrorMetadata metadata) {
  absl::Status status = Error(absl::StatusCode::kInvalidArgument, reason,
                              message, std::move(metadata));
  google::rpc::BadRequest bad_request;
  for (const std::string& field : fields) {
    google::rpc::BadRequest::FieldViolation* violation =
        bad_request.add_field_violations();
    violation->set_field(field);
    violation->set_description(std::string(message));
  }
  status.SetPayload(kBadRequestTypeUrl,
                    absl::Cord(bad_request.SerializeAsString()));
  return status;
}

absl::Status InvalidField(absl::string_view field, absl::string_view reason,
                          absl::string_view message, ErrorMetadata metadata) {
  return InvalidFields({std::string(field)}, reason, message,
                       std::move(metadata));
}

absl::Status AsInvalidField(const absl::Status& status, absl::string_view field,
                            absl::string_view reason, ErrorMetadata metadata) {
  if (status.ok()) return status;
  const absl::string_view message = status.message();
  return InvalidField(field, reason,
                      absl::StartsWith(message, field)
                          ? std::string(message)
                          : absl::StrCat(field, ": ", message),
                      std::move(metadata));
}

}  // namespace newsmeta
