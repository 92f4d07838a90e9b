#include "client/time_arg.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"

namespace newsmeta {
namespace {

absl::StatusOr<absl::Time> Parse(absl::string_view flag, absl::string_view text,
                                 int day_offset) {
  absl::CivilDay day;
  if (text.size() == 10 && absl::ParseCivilTime(text, &day)) {
    return absl::FromCivil(day + day_offset, absl::UTCTimeZone());
  }
  absl::Time time;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, text, &time, &error)) return time;
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, " \"", text,
                   "\" is neither a date (2023-07-01) nor an RFC 3339 time "
                   "(2023-07-01T09:00:00Z)"));
}

}  // namespace

absl::StatusOr<absl::Time> ParseFromArg(absl::string_view text) {
  return Parse("from", text, 0);
}

absl::StatusOr<absl::Time> ParseToArg(absl::string_view text) {
  return Parse("to", text, 1);
}

}  // namespace newsmeta
