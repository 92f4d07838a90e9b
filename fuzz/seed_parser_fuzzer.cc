// libFuzzer target: one seed file's bytes through ParseSeed, the function the
// loader calls for every file it reads.
//
// Besides crashes, sanitizer reports, leaks and timeouts, it checks that an
// accepted seed is an article the catalog can take (name, title, time and
// URL present, the message round-trips through its wire form) and that its
// wire form is at most SeedLimits::max_expanded_bytes plus kMaxGrowth times
// the input: YAML aliases let a small file describe a huge tree, and the
// parser must refuse a seed before it grows past that budget.
// NEWSMETA_FUZZ_IGNORE in the environment, a comma-separated list of
// `growth` and `wire`, turns those two checks off, to look for other
// problems while a known one is not fixed yet.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "loader/seed_parser.h"
#include "newsmeta/v1/article.pb.h"

namespace {

// The same bound as tests/unit/hostile_input_test.cc.
constexpr size_t kMaxGrowth = 64;

void Fail(const char* what) {
  std::fprintf(stderr, "seed_parser_fuzzer: %s\n", what);
  std::abort();
}

// Whether NEWSMETA_FUZZ_IGNORE names `check`.
bool Ignored(absl::string_view check) {
  const char* ignore = std::getenv("NEWSMETA_FUZZ_IGNORE");
  if (ignore == nullptr) return false;
  for (absl::string_view name : absl::StrSplit(ignore, ',')) {
    if (name == check) return true;
  }
  return false;
}

bool IsArticleName(absl::string_view name) {
  if (!absl::ConsumePrefix(&name, "articles/") || name.size() != 16) {
    return false;
  }
  for (char c : name) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view content(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<newsmeta::v1::Article> article =
      newsmeta::ParseSeed(content, "fuzz.txt");
  if (!article.ok()) {
    if (!absl::IsInvalidArgument(article.status())) {
      Fail("a rejection that is not INVALID_ARGUMENT");
    }
    if (!absl::StartsWith(article.status().message(), "fuzz.txt")) {
      Fail("a rejection that does not name the file");
    }
    return 0;
  }
  if (!IsArticleName(article->name())) Fail("a malformed article name");
  if (article->title().empty()) Fail("an article without a title");
  if (!article->has_publish_time()) Fail("an article without a time");
  if (article->original_url().empty() && article->web_url().empty()) {
    Fail("an article without a URL");
  }
  if (article->source_file() != "fuzz.txt") Fail("a wrong source_file");
  static const bool check_growth = !Ignored("growth");
  static const bool check_wire = !Ignored("wire");
  const size_t wire_size = article->ByteSizeLong();
  static const size_t budget =
      static_cast<size_t>(newsmeta::SeedLimits().max_expanded_bytes);
  if (check_growth && wire_size > budget + kMaxGrowth * size) {
    std::fprintf(stderr,
                 "seed_parser_fuzzer: %zu input bytes became an article of "
                 "%zu bytes\n",
                 size, wire_size);
    std::abort();
  }
  std::string wire;
  if (!article->SerializeToString(&wire))
    Fail("the article does not serialize");
  newsmeta::v1::Article again;
  if (check_wire && !again.ParseFromString(wire)) {
    Fail("the article's wire form does not parse back");
  }
  return 0;
}
