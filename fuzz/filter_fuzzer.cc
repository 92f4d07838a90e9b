// libFuzzer target: the AIP-160 filter parser (ParseFilter), then the parsed
// filter matched against an article and mined for index hints, as a
// ListArticles request does.
//
// Besides crashes, sanitizer reports and timeouts (deep nesting must not
// exhaust the stack), it checks that rejections are INVALID_ARGUMENT with a
// message starting "filter" ("filter: position N: " for syntax and type
// errors, "filter is N bytes long" for the length limit), and that a parsed
// filter respects the limits.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "filter/filter.h"
#include "newsmeta/v1/article.pb.h"

namespace {

void Fail(const char* what) {
  std::fprintf(stderr, "filter_fuzzer: %s\n", what);
  std::abort();
}

const newsmeta::v1::Article& SampleArticle() {
  static const newsmeta::v1::Article* const article = [] {
    auto* a = new newsmeta::v1::Article;
    a->set_name("articles/ede44015d0ace88e");
    a->set_title("Économie : la BCE relève ses taux");
    a->set_excerpt("Tesla CEO Elon Musk claimed that the company will spend");
    a->set_category("news");
    a->set_type("article");
    a->set_quality(46);
    a->set_heat(-1);
    a->set_published(true);
    a->mutable_publish_time()->set_seconds(1690189500);
    a->mutable_provider()->set_name("Datacenter Dynamics");
    a->mutable_provider()->set_domain("datacenterdynamics.com");
    a->add_topics("AI Hardware");
    a->add_topics("AI");
    return a;
  }();
  return *article;
}

// Depth and restrictions of `expr`, to compare with the limits.
void Measure(const newsmeta::FilterExpr& expr, int depth, int* max_depth,
             int* restrictions) {
  if (depth > *max_depth) *max_depth = depth;
  if (expr.kind == newsmeta::FilterExpr::Kind::kRestriction) ++*restrictions;
  if (expr.kind == newsmeta::FilterExpr::Kind::kNot &&
      expr.children.size() != 1) {
    Fail("a NOT without exactly one child");
  }
  for (const newsmeta::FilterExpr& child : expr.children) {
    Measure(child, depth + 1, max_depth, restrictions);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const newsmeta::FilterLimits limits;
  const absl::StatusOr<newsmeta::FilterExpr> filter =
      newsmeta::ParseFilter(text, limits);
  if (!filter.ok()) {
    if (!absl::IsInvalidArgument(filter.status())) {
      Fail("a rejection that is not INVALID_ARGUMENT");
    }
    const absl::string_view message = filter.status().message();
    if (!absl::StartsWith(message, "filter: position ") &&
        !(absl::StartsWith(message, "filter is ") && size > limits.max_bytes)) {
      Fail("a rejection that does not say where or why");
    }
    return 0;
  }
  int max_depth = 0;
  int restrictions = 0;
  Measure(*filter, 0, &max_depth, &restrictions);
  if (restrictions > limits.max_restrictions) Fail("too many restrictions");
  newsmeta::Matches(*filter, SampleArticle());
  const newsmeta::FilterHints hints = newsmeta::ExtractHints(*filter);
  for (const auto& set : hints.topic_sets) {
    if (set.empty()) Fail("an empty topic set");
  }
  for (const auto& set : hints.domain_sets) {
    if (set.empty()) Fail("an empty domain set");
  }
  return 0;
}
