// libFuzzer target: the full-text query parser (ParseTextQuery).
//
// Besides crashes and sanitizer reports, it checks that rejections are
// INVALID_ARGUMENT starting "text: ", and that a parsed query keeps the
// limits and holds no empty term or token.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "text/text_query.h"

namespace {

void Fail(const char* what) {
  std::fprintf(stderr, "text_query_fuzzer: %s\n", what);
  std::abort();
}

void CheckTerms(const std::vector<std::vector<std::string>>& terms) {
  for (const auto& term : terms) {
    if (term.empty()) Fail("an empty term");
    for (const std::string& token : term) {
      if (token.empty()) Fail("an empty token");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<newsmeta::TextQuery> query =
      newsmeta::ParseTextQuery(text);
  if (!query.ok()) {
    if (!absl::IsInvalidArgument(query.status())) {
      Fail("a rejection that is not INVALID_ARGUMENT");
    }
    if (!absl::StartsWith(query.status().message(), "text: ")) {
      Fail("a rejection that does not start with \"text: \"");
    }
    return 0;
  }
  if (size > newsmeta::kMaxTextBytes) Fail("a text over the byte limit");
  if (query->terms.size() + query->excluded_terms.size() >
      static_cast<size_t>(newsmeta::kMaxTextTerms)) {
    Fail("more terms than the limit");
  }
  CheckTerms(query->terms);
  CheckTerms(query->excluded_terms);
  return 0;
}
