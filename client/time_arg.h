// Parses the client's --from / --to arguments.
#ifndef NEWSMETA_CLIENT_TIME_ARG_H_
#define NEWSMETA_CLIENT_TIME_ARG_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace newsmeta {

// `--from`: a date YYYY-MM-DD (the start of that day, UTC) or an RFC 3339
// time.
absl::StatusOr<absl::Time> ParseFromArg(absl::string_view text);

// `--to`: a date YYYY-MM-DD, inclusive of that day (so the start of the next
// day, UTC, as the exclusive end), or an RFC 3339 time (exclusive end).
absl::StatusOr<absl::Time> ParseToArg(absl::string_view text);

}  // namespace newsmeta

#endif  // NEWSMETA_CLIENT_TIME_ARG_H_
