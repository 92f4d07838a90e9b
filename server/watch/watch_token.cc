#include "watch/watch_token.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "catalog/article_name.h"
#include "catalog/catalog.h"
#include "util/errors.h"

namespace newsmeta {
namespace {

constexpr absl::string_view kFormat = "nw1";

absl::Status Malformed() {
  return InvalidField("resume_token", "INVALID_RESUME_TOKEN",
                      "resume_token is not a token this service issued; pass "
                      "the resume_token of an ArticleEvent unchanged");
}

}  // namespace

std::string EncodeWatchToken(absl::string_view fingerprint,
                             const WatchPoint& point) {
  int64_t seconds = 0;
  int64_t nanos = 0;
  std::string name;
  if (point.backfill) {
    seconds = absl::ToUnixSeconds(point.backfill->time);
    nanos = (point.backfill->time - absl::FromUnixSeconds(seconds)) /
            absl::Nanoseconds(1);
    name = point.backfill->name;
  }
  return absl::WebSafeBase64Escape(absl::StrCat(
      kFormat, "|", fingerprint, "|", point.version, "|", point.next_version,
      "|", point.applied, "|", point.backfill ? 1 : 0, "|", seconds, "|", nanos,
      "|", name));
}

absl::StatusOr<WatchPoint> DecodeWatchToken(absl::string_view token,
                                            absl::string_view fingerprint) {
  std::string text;
  if (!absl::WebSafeBase64Unescape(token, &text)) return Malformed();
  // The name is last and may not hold '|' (ValidateArticleName), but split
  // at most 9 ways anyway.
  const std::vector<absl::string_view> parts =
      absl::StrSplit(text, absl::MaxSplits('|', 8));
  WatchPoint point;
  int backfill = 0;
  int64_t seconds = 0;
  int64_t nanos = 0;
  if (parts.size() != 9 || parts[0] != kFormat ||
      !Catalog::IsVersion(parts[2]) ||
      (!parts[3].empty() && !Catalog::IsVersion(parts[3])) ||
      !absl::SimpleAtoi(parts[4], &point.applied) || point.applied < 0 ||
      (parts[3].empty() && point.applied != 0) ||
      !absl::SimpleAtoi(parts[5], &backfill) || backfill < 0 || backfill > 1 ||
      !absl::SimpleAtoi(parts[6], &seconds) ||
      !absl::SimpleAtoi(parts[7], &nanos) || nanos < 0 || nanos >= 1000000000 ||
      (backfill == 1 && !ValidateArticleName("", parts[8]).ok())) {
    return Malformed();
  }
  if (parts[1] != fingerprint) {
    return InvalidField(
        "resume_token", "RESUME_TOKEN_QUERY_MISMATCH",
        "resume_token was issued for a different query: the query fields and "
        "backfill_start_time must match the call that returned it");
  }
  point.version = std::string(parts[2]);
  point.next_version = std::string(parts[3]);
  if (backfill == 1) {
    point.backfill = BackfillPosition{
        absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos),
        std::string(parts[8])};
  }
  return point;
}

}  // namespace newsmeta
