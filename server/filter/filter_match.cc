// Matching a FilterExpr against an article (semantics in filter.h).
#include <algorithm>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "catalog/article_fields.h"
#include "catalog/catalog.h"
#include "filter/filter.h"
#include "text/normalize.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;

bool CompareStrings(absl::string_view field, const Restriction& restriction,
                    const std::string& value) {
  const std::string folded = FoldText(field);
  switch (restriction.op) {
    case FilterOp::kEq:
      return restriction.prefix ? absl::StartsWith(folded, value)
                                : folded == value;
    case FilterOp::kNe:
      return restriction.prefix ? !absl::StartsWith(folded, value)
                                : folded != value;
    case FilterOp::kHas:
      return absl::StrContains(folded, value);
    default:
      return false;  // The parser rejects ordering on strings.
  }
}

bool MatchesTopics(const ArticleFields& article, const Restriction& restriction,
                   const std::string& value) {
  const bool any = std::any_of(article.topics.begin(), article.topics.end(),
                               [&](absl::string_view topic) {
                                 const std::string folded = FoldText(topic);
                                 return restriction.prefix
                                            ? absl::StartsWith(folded, value)
                                            : folded == value;
                               });
  switch (restriction.op) {
    case FilterOp::kEq:
    case FilterOp::kHas:
      return any;
    case FilterOp::kNe:
      return !any;
    default:
      return false;  // The parser rejects ordering on topics.
  }
}

template <typename T>
bool CompareOrdered(const T& field, FilterOp op, const T& value) {
  switch (op) {
    case FilterOp::kEq:
    case FilterOp::kHas:
      return field == value;
    case FilterOp::kNe:
      return field != value;
    case FilterOp::kLt:
      return field < value;
    case FilterOp::kLe:
      return field <= value;
    case FilterOp::kGt:
      return field > value;
    case FilterOp::kGe:
      return field >= value;
  }
  return false;
}

bool MatchesRestriction(const Restriction& restriction,
                        const ArticleFields& article) {
  const auto* text = std::get_if<std::string>(&restriction.value);
  const auto* number = std::get_if<int64_t>(&restriction.value);
  switch (restriction.field) {
    case FilterField::kTopics:
      return text != nullptr && MatchesTopics(article, restriction, *text);
    case FilterField::kProviderDomain:
      return text != nullptr &&
             CompareStrings(article.provider_domain, restriction, *text);
    case FilterField::kProviderName:
      return text != nullptr &&
             CompareStrings(article.provider_name, restriction, *text);
    case FilterField::kCategory:
      return text != nullptr &&
             CompareStrings(article.category, restriction, *text);
    case FilterField::kType:
      return text != nullptr &&
             CompareStrings(article.type, restriction, *text);
    case FilterField::kTitle:
      return text != nullptr &&
             CompareStrings(article.title, restriction, *text);
    case FilterField::kExcerpt:
      return text != nullptr &&
             CompareStrings(article.excerpt, restriction, *text);
    case FilterField::kQuality:
      return number != nullptr &&
             CompareOrdered<int64_t>(article.quality, restriction.op, *number);
    case FilterField::kHeat:
      return number != nullptr &&
             CompareOrdered<int64_t>(article.heat, restriction.op, *number);
    case FilterField::kPublished: {
      const bool* flag = std::get_if<bool>(&restriction.value);
      if (flag == nullptr) return false;
      switch (restriction.op) {
        case FilterOp::kEq:
        case FilterOp::kHas:
          return article.published == *flag;
        case FilterOp::kNe:
          return article.published != *flag;
        default:
          return false;  // The parser rejects ordering on published.
      }
    }
    case FilterField::kPublishTime: {
      const absl::Time* time = std::get_if<absl::Time>(&restriction.value);
      return time != nullptr &&
             CompareOrdered(article.publish_time, restriction.op, *time);
    }
  }
  return false;
}

}  // namespace

bool Matches(const FilterExpr& filter, const Article& article) {
  std::vector<absl::string_view> topics;
  return Matches(filter, FieldsOf(article, &topics));
}

bool Matches(const FilterExpr& filter, const ArticleFields& article) {
  switch (filter.kind) {
    case FilterExpr::Kind::kAnd:
      return std::all_of(
          filter.children.begin(), filter.children.end(),
          [&](const FilterExpr& child) { return Matches(child, article); });
    case FilterExpr::Kind::kOr:
      return std::any_of(
          filter.children.begin(), filter.children.end(),
          [&](const FilterExpr& child) { return Matches(child, article); });
    case FilterExpr::Kind::kNot:
      return filter.children.size() == 1 &&
             !Matches(filter.children[0], article);
    case FilterExpr::Kind::kRestriction:
      return MatchesRestriction(filter.restriction, article);
  }
  return false;
}

}  // namespace newsmeta
