// libFuzzer target: one seed file's bytes through ParseSeed, the function the
// loader calls for every file it reads.
//
// Besides crashes, sanitizer reports, leaks and timeouts, it checks that an
// accepted seed is an article the catalog can take (name, title, time and
// URL present, the message round-trips through its wire form) and that its
// wire form is at most kMaxGrowth times the input plus kGrowthSlack: YAML
// aliases let a small file describe a huge tree, and a seed must never make
// the server hold much more than the file itself.
// NEWSMETA_FUZZ_NO_GROWTH_CHECK=1 in the environment turns that check off, to
// look for other problems while a known expansion is not yet fixed.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "loader/seed_parser.h"
#include "newsmeta/v1/article.pb.h"

namespace {

// The same bound as tests/unit/hostile_input_test.cc.
constexpr size_t kMaxGrowth = 64;
constexpr size_t kGrowthSlack = 1 << 20;

void Fail(const char* what) {
  std::fprintf(stderr, "seed_parser_fuzzer: %s\n", what);
  std::abort();
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
  static const bool check_growth =
      std::getenv("NEWSMETA_FUZZ_NO_GROWTH_CHECK") == nullptr;
  const size_t wire_size = article->ByteSizeLong();
  if (check_growth && wire_size > kMaxGrowth * size + kGrowthSlack) {
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
  if (!again.ParseFromString(wire)) {
    Fail("the article's wire form does not parse back");
  }
  return 0;
}
