// libFuzzer target: page tokens (DecodePageToken). The input is the token's
// decoded text, base64-encoded here, so the fuzzer explores the fields
// rather than the base64 alphabet; the corpus holds a token issued for the
// query below, so the fingerprint check can be passed.
//
// A token that decodes must name a valid article and, encoded again for the
// same query, decode to the same position.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
#include "query/page_token.h"
#include "query/query.h"

namespace {

void Fail(const char* what) {
  std::fprintf(stderr, "page_token_fuzzer: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const newsmeta::Query* const query = new newsmeta::Query();
  const std::string token = absl::WebSafeBase64Escape(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  const absl::StatusOr<newsmeta::Position> position =
      newsmeta::DecodePageToken(token, *query);
  if (!position.ok()) {
    if (!absl::IsInvalidArgument(position.status())) {
      Fail("a rejection that is not INVALID_ARGUMENT");
    }
    return 0;
  }
  const absl::StatusOr<newsmeta::Position> again = newsmeta::DecodePageToken(
      newsmeta::EncodePageToken(*query, *position), *query);
  if (!again.ok()) Fail("a decoded position does not encode again");
  if (again->time != position->time || again->quality != position->quality ||
      again->heat != position->heat || again->name != position->name) {
    Fail("a position changed through encoding");
  }
  return 0;
}
