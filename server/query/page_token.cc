#include "query/page_token.h"

#include <cstdint>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "catalog/article_name.h"
#include "util/errors.h"

namespace newsmeta {
namespace {

// nm3: the query fingerprint is QueryFingerprint (nm2 had 16 hex digits of
// a SHA-256 of CanonicalQueryText).
constexpr absl::string_view kVersion = "nm3";

// 16 lowercase hex digits.
std::string FingerprintText(uint64_t fingerprint) {
  std::string text(16, '0');
  for (int i = 15; i >= 0; --i, fingerprint >>= 4) {
    text[i] = "0123456789abcdef"[fingerprint & 0xf];
  }
  return text;
}

absl::Status Malformed() {
  return InvalidField("page_token", "INVALID_PAGE_TOKEN",
                      "page_token is not a token this service issued; pass "
                      "the next_page_token of the previous response "
                      "unchanged");
}

}  // namespace

std::string EncodePageToken(const Query& query, const Position& last) {
  return EncodePageToken(QueryFingerprint(query), last);
}

absl::StatusOr<Position> DecodePageToken(absl::string_view token,
                                         const Query& query) {
  return DecodePageToken(token, QueryFingerprint(query));
}

std::string EncodePageToken(uint64_t fingerprint, const Position& last) {
  const int64_t seconds = absl::ToUnixSeconds(last.time);
  const int64_t nanos =
      (last.time - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1);
  return absl::WebSafeBase64Escape(absl::StrCat(
      kVersion, "|", FingerprintText(fingerprint), "|", seconds, "|", nanos,
      "|", last.quality, "|", last.heat, "|", last.name));
}

absl::StatusOr<Position> DecodePageToken(absl::string_view token,
                                         uint64_t fingerprint) {
  std::string text;
  if (!absl::WebSafeBase64Unescape(token, &text)) return Malformed();
  const std::vector<absl::string_view> parts = absl::StrSplit(text, '|');
  int64_t seconds;
  int64_t nanos;
  int32_t quality;
  int32_t heat;
  if (parts.size() != 7 || parts[0] != kVersion ||
      !absl::SimpleAtoi(parts[2], &seconds) ||
      !absl::SimpleAtoi(parts[3], &nanos) || nanos < 0 || nanos >= 1000000000 ||
      !absl::SimpleAtoi(parts[4], &quality) ||
      !absl::SimpleAtoi(parts[5], &heat) ||
      !ValidateArticleName("", parts[6]).ok()) {
    return Malformed();
  }
  if (parts[1] != FingerprintText(fingerprint)) {
    return InvalidField(
        "page_token", "PAGE_TOKEN_QUERY_MISMATCH",
        "page_token was issued for a different query: every field except "
        "page_size and view must match the request that returned it");
  }
  return Position{absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos),
                  quality, heat, std::string(parts[6])};
}

}  // namespace newsmeta
