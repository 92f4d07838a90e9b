// The index hints a FilterExpr implies (see ExtractHints in filter.h).
#include <algorithm>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "catalog/catalog.h"
#include "filter/filter.h"
#include "text/normalize.h"

namespace newsmeta {
namespace {

// The index key of every text whose FoldText form is `folded`, unless it is
// empty (the domain index leaves out empty domains). NormalizeKey(t) is the
// FoldText form of t stripped of ASCII white space; FoldText keeps ASCII white
// space as it is and folds a folded text to itself, so every t with
// FoldText(t) == folded has NormalizeKey(t) == NormalizeKey(folded).
std::optional<std::string> IndexKey(absl::string_view folded) {
  std::string key = NormalizeKey(folded);
  if (key.empty()) return std::nullopt;
  return key;
}

// Adds to `keys` the index keys of `expr` if it is a restriction that the
// index of `field` can answer, or an OR of such restrictions; returns false
// (and leaves `keys` in any state) otherwise.
bool CollectKeys(const FilterExpr& expr, FilterField field,
                 std::vector<std::string>* keys) {
  if (expr.kind == FilterExpr::Kind::kOr) {
    if (expr.children.empty()) return false;
    for (const FilterExpr& child : expr.children) {
      if (!CollectKeys(child, field, keys)) return false;
    }
    return true;
  }
  if (expr.kind != FilterExpr::Kind::kRestriction) return false;
  const Restriction& restriction = expr.restriction;
  const auto* value = std::get_if<std::string>(&restriction.value);
  const bool equality =
      restriction.op == FilterOp::kEq ||
      (field == FilterField::kTopics && restriction.op == FilterOp::kHas);
  if (restriction.field != field || !equality || restriction.prefix ||
      value == nullptr) {
    return false;
  }
  std::optional<std::string> key = IndexKey(*value);
  if (!key) return false;
  keys->push_back(*std::move(key));
  return true;
}

std::optional<std::vector<std::string>> KeySet(const FilterExpr& expr,
                                               FilterField field) {
  std::vector<std::string> keys;
  if (!CollectKeys(expr, field, &keys)) return std::nullopt;
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

// The first time after `time` at which an article (nanosecond precision)
// can be published: articles are at `time` or before, or at this or after.
absl::Time NextNanosecond(absl::Time time) {
  const absl::Duration since_epoch = time - absl::UnixEpoch();
  return absl::UnixEpoch() + absl::Floor(since_epoch, absl::Nanoseconds(1)) +
         absl::Nanoseconds(1);
}

void AddTimeBounds(const Restriction& restriction, FilterHints* hints) {
  const absl::Time* time = std::get_if<absl::Time>(&restriction.value);
  if (time == nullptr) return;
  const auto raise_start = [&](absl::Time start) {
    if (!hints->start_time || *hints->start_time < start) {
      hints->start_time = start;
    }
  };
  const auto lower_end = [&](absl::Time end) {
    if (!hints->end_time || end < *hints->end_time) hints->end_time = end;
  };
  switch (restriction.op) {
    case FilterOp::kGt:
      raise_start(NextNanosecond(*time));
      break;
    case FilterOp::kGe:
      raise_start(*time);
      break;
    case FilterOp::kLt:
      lower_end(*time);
      break;
    case FilterOp::kLe:
      lower_end(NextNanosecond(*time));
      break;
    case FilterOp::kEq:
    case FilterOp::kHas:
      raise_start(*time);
      lower_end(NextNanosecond(*time));
      break;
    case FilterOp::kNe:
      break;
  }
}

void AddConjunct(const FilterExpr& expr, FilterHints* hints) {
  if (expr.kind == FilterExpr::Kind::kAnd) {
    for (const FilterExpr& child : expr.children) AddConjunct(child, hints);
    return;
  }
  if (expr.kind == FilterExpr::Kind::kRestriction &&
      expr.restriction.field == FilterField::kPublishTime) {
    AddTimeBounds(expr.restriction, hints);
    return;
  }
  if (auto topics = KeySet(expr, FilterField::kTopics)) {
    hints->topic_sets.push_back(*std::move(topics));
  } else if (auto domains = KeySet(expr, FilterField::kProviderDomain)) {
    hints->domain_sets.push_back(*std::move(domains));
  }
}

}  // namespace

FilterHints ExtractHints(const FilterExpr& filter) {
  FilterHints hints;
  AddConjunct(filter, &hints);
  return hints;
}

}  // namespace newsmeta
