// Canonical errors with machine-readable details (AIP-193), built by domain
// code without gRPC: the details travel as absl::Status payloads, keyed by
// their type URL, and the service adapter turns them into
// google.rpc.Status details.
#ifndef NEWSMETA_SERVER_UTIL_ERRORS_H_
#define NEWSMETA_SERVER_UTIL_ERRORS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace newsmeta {

// Domain of every ErrorInfo newsmeta sends.
inline constexpr absl::string_view kErrorDomain = "newsmeta.v1";
inline constexpr absl::string_view kErrorInfoTypeUrl =
    "type.googleapis.com/google.rpc.ErrorInfo";
inline constexpr absl::string_view kBadRequestTypeUrl =
    "type.googleapis.com/google.rpc.BadRequest";

using ErrorMetadata = std::vector<std::pair<std::string, std::string>>;

// A status with `code` and `message` carrying google.rpc.ErrorInfo{reason,
// domain "newsmeta.v1", metadata}. `reason` is UPPER_SNAKE_CASE; metadata
// holds each value the message names.
absl::Status Error(absl::StatusCode code, absl::string_view reason,
                   absl::string_view message, ErrorMetadata metadata = {});

// INVALID_ARGUMENT for the request field `field` (a path such as
// "topics[2]"): ErrorInfo as above plus google.rpc.BadRequest with one field
// violation. The message is prefixed with nothing: it must name the field.
absl::Status InvalidField(absl::string_view field, absl::string_view reason,
                          absl::string_view message,
                          ErrorMetadata metadata = {});

// The same for a problem that involves several request fields, each named in
// its own field violation.
absl::Status InvalidFields(const std::vector<std::string>& fields,
                           absl::string_view reason, absl::string_view message,
                           ErrorMetadata metadata = {});

// `status` again, its message prefixed by "`field`: " unless it already
// starts with the field, as an InvalidField error with `reason`. Keeps an OK
// status OK. For errors of parsers that know nothing of requests.
absl::Status AsInvalidField(const absl::Status& status, absl::string_view field,
                            absl::string_view reason,
                            ErrorMetadata metadata = {});

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_UTIL_ERRORS_H_
