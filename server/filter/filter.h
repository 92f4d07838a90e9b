// The `filter` of list and stream requests: a subset of the AIP-160 filter
// language, parsed into a tree, matched against articles, and mined for hints
// that let the catalog's indexes narrow the candidates.
//
// Grammar (keywords AND, OR and NOT are upper-case only):
//   expression = sequence { "AND" sequence }
//   sequence   = factor { factor }          juxtaposition means AND
//   factor     = term { "OR" term }         OR binds tighter than AND
//   term       = { "NOT" | "-" } simple
//   simple     = restriction | "(" expression ")"
//   restriction = field comparator value
//   comparator = "=" | "!=" | "<" | "<=" | ">" | ">=" | ":"
// A value is a double-quoted string, in which \" and \\ are the only escapes,
// or a bare word, which runs up to white space or a parenthesis. A bare word
// cannot be AND, OR or NOT; quote it. A trailing `*` on a string value means
// "starts with".
//
// Fields and what the comparators mean:
//   title, excerpt, category, type, provider.name, provider.domain: strings.
//     `=` the field equals the value (with a trailing `*`: starts with it),
//     `!=` the negation of `=`, `:` the field contains the value as a
//     substring (a trailing `*` is allowed and changes nothing).
//   topics: `=` and `:` some topic equals the value (with `*`: some topic
//     starts with it), `!=` no topic equals the value (with `*`: no topic
//     starts with it).
//   quality, heat: integers; =, !=, <, <=, >, >=; `:` is the same as `=`.
//   published: true or false; =, != and `:` (the same as `=`).
//   publish_time: an RFC 3339 time, quoted or bare, such as
//     2024-05-01T12:00:00Z or "2024-05-01T14:00:00.5+02:00"; all comparators,
//     `:` is the same as `=`.
// String comparisons are case- and accent-insensitive: both sides are
// compared in their FoldText form, so "economie" matches "Économie".
//
// An empty or all-white-space filter matches every article. Every syntax or
// type error is INVALID_ARGUMENT with a message that starts
// "filter: position N: ", N being the 1-based byte offset of the problem:
// the field for an unknown field, where the comparator should be when there
// is none, the comparator for a comparator the field does not support or a
// missing value, the value for a value of the wrong type, the opening quote
// of an unterminated string, the backslash of an unsupported escape, the '('
// of unclosed or empty parentheses, an unmatched ')', the AND / OR / NOT / '-'
// that nothing follows, an AND or OR with nothing before it. A filter longer
// than FilterLimits::max_bytes, nested deeper than max_depth (parentheses and
// negations) or with more than max_restrictions restrictions is
// INVALID_ARGUMENT too; the parser never recurses deeper than max_depth,
// whatever the input.
#ifndef NEWSMETA_SERVER_FILTER_FILTER_H_
#define NEWSMETA_SERVER_FILTER_FILTER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "catalog/article_fields.h"
#include "newsmeta/v1/article.pb.h"

namespace newsmeta {

enum class FilterField {
  kTopics,
  kPublishTime,
  kProviderDomain,
  kProviderName,
  kCategory,
  kType,
  kQuality,
  kHeat,
  kPublished,
  kTitle,
  kExcerpt,
};

// `:` is kHas.
enum class FilterOp { kEq, kNe, kLt, kLe, kGt, kGe, kHas };

// One `field comparator value`.
struct Restriction {
  FilterField field = FilterField::kTitle;
  FilterOp op = FilterOp::kEq;
  // A string (for string fields and topics) in FoldText form, without the
  // trailing `*`; an integer for quality and heat; a bool for published; a
  // time for publish_time.
  std::variant<std::string, int64_t, bool, absl::Time> value;
  // The string value ended with `*`.
  bool prefix = false;
  // 1-based byte offset of the field name in the filter.
  size_t position = 0;
};

// A node of a parsed filter. kAnd and kOr have any number of children (an AND
// without children matches everything, an OR without children nothing), kNot
// exactly one, kRestriction none and uses `restriction`. The parser flattens
// an AND directly inside an AND, and an OR inside an OR.
struct FilterExpr {
  enum class Kind { kAnd, kOr, kNot, kRestriction };
  Kind kind = Kind::kAnd;
  std::vector<FilterExpr> children;
  Restriction restriction;
};

struct FilterLimits {
  // Longest filter accepted, in bytes.
  size_t max_bytes = 4096;
  // Deepest nesting of parentheses and negations (NOT, -) accepted.
  int max_depth = 32;
  // Most restrictions accepted in one filter.
  int max_restrictions = 200;
};

// Parses `filter` (see the grammar above).
absl::StatusOr<FilterExpr> ParseFilter(absl::string_view filter,
                                       const FilterLimits& limits = {});

// Whether `article` satisfies `filter`.
bool Matches(const FilterExpr& filter, const ArticleFields& article);
bool Matches(const FilterExpr& filter, const newsmeta::v1::Article& article);

// Conditions implied by a filter that the catalog's indexes can evaluate.
// Every article that Matches the filter satisfies all of them; they only
// narrow the candidates, Matches must still be applied.
struct FilterHints {
  // publish_time >= start_time (inclusive). start_time may be at or after
  // end_time, and then nothing matches.
  std::optional<absl::Time> start_time;
  // publish_time < end_time (exclusive).
  std::optional<absl::Time> end_time;
  // Each set holds topics in NormalizeKey form; a matching article has, for
  // every set, a topic whose NormalizeKey form is in the set.
  std::vector<std::vector<std::string>> topic_sets;
  // The same for the provider domain (NormalizeKey form, never empty).
  std::vector<std::vector<std::string>> domain_sets;
};

// Hints from the top-level conjuncts of `filter` (the root, or the children of
// a root AND, recursively through nested ANDs):
// - publish_time >, >=, <, <=, =, : give the tightest [start, end) bounds;
// - `topics = "X"`, `topics : "X"` without `*`, or an OR of only such
//   restrictions, give a topic set; `provider.domain = "X"` without `*`, or an
//   OR of only such restrictions, a domain set.
// A set holds the NormalizeKey forms of the values; NormalizeKey is FoldText
// with surrounding white space stripped, so every topic that folds to a value
// has that key. Empty keys give no set. Other restrictions give no hint.
FilterHints ExtractHints(const FilterExpr& filter);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_FILTER_FILTER_H_
