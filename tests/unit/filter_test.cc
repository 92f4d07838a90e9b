// Tests of the AIP-160 filter: parsing (tree shape, errors, limits), matching
// of every field and comparator, and hints, including a randomized check that
// hints never exclude an article the filter matches.
#include "filter/filter.h"

#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "catalog/catalog.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "newsmeta/v1/article.pb.h"
#include "test_util.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using Kind = FilterExpr::Kind;

FilterExpr Parse(const std::string& filter) {
  absl::StatusOr<FilterExpr> expr = ParseFilter(filter);
  EXPECT_TRUE(expr.ok()) << filter << ": " << expr.status();
  return expr.ok() ? *std::move(expr) : FilterExpr{};
}

// The shape of a tree, e.g. "AND(title,OR(type,NOT(heat)))".
std::string Shape(const FilterExpr& expr) {
  static constexpr const char* kFieldNames[] = {
      "topics",    "publish_time", "provider.domain", "provider.name",
      "category",  "type",         "quality",         "heat",
      "published", "title",        "excerpt"};
  const auto children = [&] {
    std::vector<std::string> shapes;
    for (const FilterExpr& child : expr.children) {
      shapes.push_back(Shape(child));
    }
    return absl::StrCat("(", absl::StrJoin(shapes, ","), ")");
  };
  switch (expr.kind) {
    case Kind::kAnd:
      return absl::StrCat("AND", children());
    case Kind::kOr:
      return absl::StrCat("OR", children());
    case Kind::kNot:
      return absl::StrCat("NOT", children());
    case Kind::kRestriction:
      return kFieldNames[static_cast<int>(expr.restriction.field)];
  }
  return "?";
}

std::string ShapeOf(const std::string& filter) { return Shape(Parse(filter)); }

// The error message of a filter that must not parse.
std::string ErrorOf(const std::string& filter,
                    const FilterLimits& limits = {}) {
  absl::StatusOr<FilterExpr> expr = ParseFilter(filter, limits);
  EXPECT_FALSE(expr.ok()) << filter << " parsed";
  if (expr.ok()) return "";
  EXPECT_EQ(expr.status().code(), absl::StatusCode::kInvalidArgument)
      << expr.status();
  return std::string(expr.status().message());
}

// ---- Parser ----

TEST(FilterParserTest, EmptyFilterIsAnAndWithoutChildren) {
  for (const std::string filter : {"", "   ", " \t\n "}) {
    const FilterExpr expr = Parse(filter);
    EXPECT_EQ(expr.kind, Kind::kAnd) << "\"" << filter << "\"";
    EXPECT_THAT(expr.children, IsEmpty()) << "\"" << filter << "\"";
  }
}

TEST(FilterParserTest, SingleRestrictionIsTheRoot) {
  const FilterExpr expr = Parse("  title = \"Économie\"");
  ASSERT_EQ(expr.kind, Kind::kRestriction);
  EXPECT_EQ(expr.restriction.field, FilterField::kTitle);
  EXPECT_EQ(expr.restriction.op, FilterOp::kEq);
  EXPECT_EQ(std::get<std::string>(expr.restriction.value), "economie");
  EXPECT_FALSE(expr.restriction.prefix);
  EXPECT_EQ(expr.restriction.position, 3u);
}

TEST(FilterParserTest, OrBindsTighterThanAnd) {
  EXPECT_EQ(ShapeOf("title=a OR type=b AND heat=1"),
            "AND(OR(title,type),heat)");
  EXPECT_EQ(ShapeOf("title=a AND type=b OR heat=1"),
            "AND(title,OR(type,heat))");
  EXPECT_EQ(ShapeOf("title=a type=b OR heat=1"), "AND(title,OR(type,heat))");
  EXPECT_EQ(ShapeOf("title=a OR type=b OR heat=1"), "OR(title,type,heat)");
}

TEST(FilterParserTest, JuxtapositionIsAnd) {
  EXPECT_EQ(ShapeOf("title=a type=b heat=1"), "AND(title,type,heat)");
  EXPECT_EQ(ShapeOf("title=a type=b AND heat=1 quality=2"),
            "AND(title,type,heat,quality)");
}

TEST(FilterParserTest, NotAndMinusNegateOneTerm) {
  EXPECT_EQ(ShapeOf("NOT title=a"), "NOT(title)");
  EXPECT_EQ(ShapeOf("-title=a"), "NOT(title)");
  EXPECT_EQ(ShapeOf("NOT title=a type=b"), "AND(NOT(title),type)");
  EXPECT_EQ(ShapeOf("-title=a OR type=b"), "OR(NOT(title),type)");
  EXPECT_EQ(ShapeOf("NOT -title=a"), "NOT(NOT(title))");
  EXPECT_EQ(ShapeOf("NOT(title=a OR type=b)"), "NOT(OR(title,type))");
}

TEST(FilterParserTest, ParenthesesGroup) {
  EXPECT_EQ(ShapeOf("(title=a AND type=b) OR heat=1"),
            "OR(AND(title,type),heat)");
  EXPECT_EQ(ShapeOf("title=a (type=b OR heat=1)"), "AND(title,OR(type,heat))");
  EXPECT_EQ(ShapeOf("((title=a))"), "title");
  EXPECT_EQ(ShapeOf("(title=a OR type=b) (heat=1 OR quality=2)"),
            "AND(OR(title,type),OR(heat,quality))");
}

TEST(FilterParserTest, KeywordsNeedNoSpaceBeforeParentheses) {
  EXPECT_EQ(ShapeOf("(title=a)AND(type=b)OR(heat=1)"),
            "AND(title,OR(type,heat))");
  EXPECT_EQ(ShapeOf("NOT(title=a)"), "NOT(title)");
}

TEST(FilterParserTest, EveryComparatorParses) {
  const std::pair<std::string, FilterOp> cases[] = {
      {"=", FilterOp::kEq},  {"!=", FilterOp::kNe}, {"<", FilterOp::kLt},
      {"<=", FilterOp::kLe}, {">", FilterOp::kGt},  {">=", FilterOp::kGe},
      {":", FilterOp::kHas},
  };
  for (const auto& [text, op] : cases) {
    for (const char* space : {"", " "}) {
      const std::string filter =
          absl::StrCat("quality", space, text, space, "3");
      const FilterExpr expr = Parse(filter);
      ASSERT_EQ(expr.kind, Kind::kRestriction) << filter;
      EXPECT_EQ(expr.restriction.op, op) << filter;
      EXPECT_EQ(std::get<int64_t>(expr.restriction.value), 3) << filter;
    }
  }
}

TEST(FilterParserTest, QuotedStringsUnescapeQuoteAndBackslash) {
  const FilterExpr expr = Parse(R"f(title = "Say \"HI\" (\\o/)")f");
  ASSERT_EQ(expr.kind, Kind::kRestriction);
  EXPECT_EQ(std::get<std::string>(expr.restriction.value),
            R"f(say "hi" (\o/))f");
}

TEST(FilterParserTest, BareWordsRunUpToSpaceOrParenthesis) {
  const FilterExpr expr = Parse("(provider.domain=Le-Monde.fr)");
  ASSERT_EQ(expr.kind, Kind::kRestriction);
  EXPECT_EQ(std::get<std::string>(expr.restriction.value), "le-monde.fr");
}

TEST(FilterParserTest, TrailingStarMarksAPrefix) {
  for (const std::string filter : {"title = Écon*", "title = \"Écon*\""}) {
    const FilterExpr expr = Parse(filter);
    ASSERT_EQ(expr.kind, Kind::kRestriction) << filter;
    EXPECT_TRUE(expr.restriction.prefix) << filter;
    EXPECT_EQ(std::get<std::string>(expr.restriction.value), "econ") << filter;
  }
  const FilterExpr inner = Parse("title = \"a*b\"");
  EXPECT_FALSE(inner.restriction.prefix);
  EXPECT_EQ(std::get<std::string>(inner.restriction.value), "a*b");
}

TEST(FilterParserTest, TypedValuesParse) {
  EXPECT_EQ(std::get<int64_t>(Parse("heat = -1").restriction.value), -1);
  EXPECT_EQ(std::get<int64_t>(Parse("quality >= \"12\"").restriction.value),
            12);
  EXPECT_EQ(std::get<bool>(Parse("published = true").restriction.value), true);
  EXPECT_EQ(std::get<bool>(Parse("published : \"false\"").restriction.value),
            false);
  EXPECT_EQ(
      std::get<absl::Time>(Parse("publish_time > 2024-05-01T14:00:00.5+02:00")
                               .restriction.value),
      Rfc3339("2024-05-01T12:00:00.5Z"));
  EXPECT_EQ(
      std::get<absl::Time>(
          Parse("publish_time < \"2024-05-01T12:00:00Z\"").restriction.value),
      Rfc3339("2024-05-01T12:00:00Z"));
}

TEST(FilterParserTest, PositionIsTheByteOffsetOfTheField) {
  // "É" is two bytes, so type starts at byte 17.
  const FilterExpr expr = Parse("title=\"É\" OR  (type=x)");
  ASSERT_EQ(expr.kind, Kind::kOr);
  EXPECT_EQ(expr.children[0].restriction.position, 1u);
  EXPECT_EQ(expr.children[1].restriction.position, 17u);
}

struct InvalidCase {
  const char* what;
  std::string filter;
  int position;
  std::string message;
};

TEST(FilterParserTest, InvalidFiltersReportWhereTheProblemIs) {
  const InvalidCase cases[] = {
      {"unknown field", "title=a  colour=red", 10, "unknown field \"colour\""},
      {"lower-case keyword", "title=a and type=b", 9,
       "keyword AND is upper-case only"},
      {"ordering on a string", "title=a category < b", 18,
       "< is not supported on category"},
      {"ordering on topics", "topics >= x", 8, ">= is not supported on topics"},
      {"ordering on published", "published > false", 11,
       "> is not supported on published"},
      {"non-integer quality", "quality = 3.5", 11,
       "quality needs an integer, not \"3.5\""},
      {"integer overflow", "heat < 99999999999999999999", 8,
       "heat needs an integer"},
      {"non-bool published", "published = yes", 13,
       "published needs true or false"},
      {"date without time", "publish_time > 2024-05-01", 16,
       "publish_time needs an RFC 3339 time"},
      {"time without zone", "publish_time > \"2024-05-01T12:00:00\"", 16,
       "RFC 3339"},
      {"infinite time", "publish_time < infinite-future", 16, "RFC 3339"},
      {"missing value at end", "title =", 7, "missing value after title ="},
      {"missing value before ')'", "(type != )", 7, "missing value"},
      {"keyword as value", "title = AND type = x", 7,
       "AND is a keyword; quote it"},
      {"missing comparator", "title \"x\"", 7, "expected a comparator"},
      {"field alone", "title", 6, "expected a comparator"},
      {"quoted text alone", "\"x\"", 1, "expected a field name"},
      {"unclosed parenthesis", "type=a (title=b OR type=c", 8,
       "'(' is not closed"},
      {"unmatched ')'", "type=a) title=b", 7, "unmatched ')'"},
      {"leading ')'", ") title=b", 1, "unmatched ')'"},
      {"empty parentheses", "type=a ( )", 8, "empty parentheses"},
      {"dangling AND", "type=a AND", 8, "AND is not followed by an expression"},
      {"dangling OR in parentheses", "(type=a OR) title=b", 9,
       "OR is not followed by an expression"},
      {"dangling NOT", "type=a NOT", 8, "NOT is not followed by an expression"},
      {"dangling minus", "type=a -", 8, "- is not followed by an expression"},
      {"leading AND", "AND type=a", 1, "AND needs an expression before it"},
      {"AND after OR", "type=a OR AND title=b", 11, "AND cannot follow OR"},
      {"unterminated string", "type=a title=\"abc", 14,
       "string is not terminated"},
      {"string ending in a backslash", "title=\"abc\\", 7,
       "string is not terminated"},
      {"unknown escape", "title=\"a\\nb\"", 9, "unsupported escape"},
  };
  for (const InvalidCase& c : cases) {
    SCOPED_TRACE(c.what);
    const std::string message = ErrorOf(c.filter);
    EXPECT_THAT(message,
                StartsWith(absl::StrCat("filter: position ", c.position, ": ")))
        << c.filter;
    EXPECT_THAT(message, HasSubstr(c.message)) << c.filter;
  }
}

TEST(FilterParserTest, UnknownFieldListsTheKnownFields) {
  EXPECT_THAT(ErrorOf("author = x"),
              HasSubstr("known fields: topics, publish_time, provider.domain, "
                        "provider.name, category, type, quality, heat, "
                        "published, title, excerpt"));
}

TEST(FilterParserTest, FieldNamesAndKeywordsAreCaseSensitive) {
  EXPECT_THAT(ErrorOf("Title = x"), HasSubstr("unknown field \"Title\""));
  EXPECT_THAT(ErrorOf("title=a or type=b"),
              HasSubstr("unknown field \"or\" (the keyword OR"));
}

TEST(FilterParserTest, FilterLongerThanMaxBytesIsRejected) {
  const std::string filter =
      absl::StrCat("title = \"", std::string(100, 'x'), "\"");
  FilterLimits limits;
  limits.max_bytes = filter.size();
  EXPECT_TRUE(ParseFilter(filter, limits).ok());
  limits.max_bytes = filter.size() - 1;
  EXPECT_THAT(ErrorOf(filter, limits),
              HasSubstr(absl::StrCat("filter is ", filter.size(),
                                     " bytes long; at most ", filter.size() - 1,
                                     " are allowed")));
}

TEST(FilterParserTest, ParenthesesDeeperThanMaxDepthAreRejected) {
  FilterLimits limits;
  limits.max_depth = 5;
  const auto nested = [](int depth) {
    return absl::StrCat(std::string(depth, '('), "title=a",
                        std::string(depth, ')'));
  };
  EXPECT_TRUE(ParseFilter(nested(5), limits).ok());
  const std::string message = ErrorOf(nested(6), limits);
  EXPECT_THAT(message, StartsWith("filter: position 6: "));
  EXPECT_THAT(message, HasSubstr("nested more than 5 levels"));
  // Sibling groups do not add up.
  EXPECT_TRUE(
      ParseFilter(absl::StrCat(nested(5), " ", nested(5)), limits).ok());
}

TEST(FilterParserTest, NegationsCountAsNesting) {
  FilterLimits limits;
  limits.max_depth = 3;
  EXPECT_TRUE(ParseFilter("NOT (-title=a)", limits).ok());
  EXPECT_THAT(ErrorOf("NOT (-NOT title=a)", limits),
              StartsWith("filter: position 7: filter is nested more than 3"));
}

TEST(FilterParserTest, MegabyteOfOpenParenthesesFailsFast) {
  FilterLimits limits;
  limits.max_bytes = 2 << 20;
  for (const char* unit : {"(", "NOT ", "-"}) {
    std::string filter;
    while (filter.size() < (1 << 20)) filter += unit;
    const absl::Time start = absl::Now();
    const std::string message = ErrorOf(filter, limits);
    EXPECT_LT(absl::Now() - start, absl::Seconds(1)) << unit;
    EXPECT_THAT(message, HasSubstr("nested more than 32 levels")) << unit;
  }
  EXPECT_THAT(ErrorOf(std::string(1 << 20, '(')),
              HasSubstr("at most 4096 are allowed"));
}

TEST(FilterParserTest, MoreThanMaxRestrictionsIsRejected) {
  FilterLimits limits;
  limits.max_restrictions = 3;
  EXPECT_TRUE(ParseFilter("heat=1 heat=2 heat=3", limits).ok());
  EXPECT_THAT(ErrorOf("heat=1 heat=2 heat=3 heat=4", limits),
              StartsWith("filter: position 22: filter has more than 3 "
                         "restrictions"));
}

// ---- Matching ----

class FilterMatchTest : public testing::Test {
 protected:
  FilterMatchTest() {
    article_.set_title("Économie: la Bourse s'envole");
    article_.set_excerpt("Les marchés européens progressent.");
    article_.set_category("Économie");
    article_.set_type("Article");
    article_.mutable_provider()->set_name("Le Monde");
    article_.mutable_provider()->set_domain("LeMonde.fr");
    article_.add_topics("Économie");
    article_.add_topics("AI Hardware");
    article_.set_quality(7);
    article_.set_heat(-1);
    article_.set_published(true);
    SetTime(Rfc3339("2024-05-01T12:00:00Z"), article_.mutable_publish_time());
  }

  bool Match(const std::string& filter) {
    return Matches(Parse(filter), article_);
  }

  Article article_;
};

TEST_F(FilterMatchTest, EmptyFilterMatchesEverything) {
  EXPECT_TRUE(Match(""));
  EXPECT_TRUE(Matches(FilterExpr{}, Article()));
}

TEST_F(FilterMatchTest, StringEqualityIgnoresCaseAndAccents) {
  EXPECT_TRUE(Match("category = economie"));
  EXPECT_TRUE(Match("category = \"ÉCONOMIE\""));
  EXPECT_TRUE(Match("category = \"Économie\""));
  EXPECT_FALSE(Match("category = econ"));
  EXPECT_FALSE(Match("category = \"economies\""));
}

TEST_F(FilterMatchTest, EqualityWithStarMeansStartsWith) {
  EXPECT_TRUE(Match("category = econ*"));
  EXPECT_TRUE(Match("category = \"ÉCO*\""));
  EXPECT_TRUE(Match("category = *"));
  EXPECT_FALSE(Match("category = conomie*"));
}

TEST_F(FilterMatchTest, NotEqualIsTheNegationOfEqual) {
  EXPECT_FALSE(Match("category != Economie"));
  EXPECT_TRUE(Match("category != econ"));
  EXPECT_FALSE(Match("category != econ*"));
  EXPECT_TRUE(Match("category != news*"));
}

TEST_F(FilterMatchTest, HasIsSubstringAndIgnoresTheStar) {
  EXPECT_TRUE(Match("title : bourse"));
  EXPECT_TRUE(Match("title : \"LA BOURSE\""));
  EXPECT_TRUE(Match("title : bourse*"));
  EXPECT_TRUE(Match("title : \"economie: la\""));
  EXPECT_FALSE(Match("title : \"bourses\""));
}

TEST_F(FilterMatchTest, EveryStringFieldIsCompared) {
  const std::pair<std::string, std::string> fields[] = {
      {"title", "\"economie: la bourse s'envole\""},
      {"excerpt", "\"les marches europeens progressent.\""},
      {"category", "economie"},
      {"type", "article"},
      {"provider.name", "\"le monde\""},
      {"provider.domain", "lemonde.fr"},
  };
  for (const auto& [field, value] : fields) {
    EXPECT_TRUE(Match(absl::StrCat(field, " = ", value))) << field;
    EXPECT_FALSE(Match(absl::StrCat(field, " = other"))) << field;
    EXPECT_FALSE(Match(absl::StrCat(field, " != ", value))) << field;
    EXPECT_TRUE(Match(absl::StrCat(field, " : ", value))) << field;
    EXPECT_FALSE(Match(absl::StrCat(field, " : zzz"))) << field;
  }
}

TEST_F(FilterMatchTest, TopicsEqualAndHasMeanSomeTopicEquals) {
  EXPECT_TRUE(Match("topics = economie"));
  EXPECT_TRUE(Match("topics = \"ai hardware\""));
  EXPECT_TRUE(Match("topics : \"AI HARDWARE\""));
  EXPECT_FALSE(Match("topics : hardware"));  // Not a substring test.
  EXPECT_FALSE(Match("topics = ai"));
}

TEST_F(FilterMatchTest, TopicsWithStarMeanSomeTopicStartsWith) {
  EXPECT_TRUE(Match("topics = ai*"));
  EXPECT_TRUE(Match("topics : \"ÉCON*\""));
  EXPECT_FALSE(Match("topics = hard*"));
}

TEST_F(FilterMatchTest, TopicsNotEqualMeansNoTopicEquals) {
  EXPECT_FALSE(Match("topics != \"ai hardware\""));
  EXPECT_TRUE(Match("topics != ai"));
  EXPECT_FALSE(Match("topics != ai*"));
  EXPECT_TRUE(Match("topics != hard*"));
  EXPECT_TRUE(Matches(Parse("topics != ai"), Article()));
  EXPECT_FALSE(Matches(Parse("topics = ai*"), Article()));
}

TEST_F(FilterMatchTest, QualityAndHeatCompareIntegers) {
  EXPECT_TRUE(Match("quality = 7"));
  EXPECT_TRUE(Match("quality : 7"));
  EXPECT_FALSE(Match("quality = 6"));
  EXPECT_TRUE(Match("quality != 6"));
  EXPECT_FALSE(Match("quality != 7"));
  EXPECT_TRUE(Match("quality < 8"));
  EXPECT_FALSE(Match("quality < 7"));
  EXPECT_TRUE(Match("quality <= 7"));
  EXPECT_FALSE(Match("quality <= 6"));
  EXPECT_TRUE(Match("quality > 6"));
  EXPECT_FALSE(Match("quality > 7"));
  EXPECT_TRUE(Match("quality >= 7"));
  EXPECT_FALSE(Match("quality >= 8"));
  EXPECT_TRUE(Match("heat = -1"));
  EXPECT_TRUE(Match("heat < 0"));
  EXPECT_FALSE(Match("heat >= 0"));
}

TEST_F(FilterMatchTest, PublishedComparesBooleans) {
  EXPECT_TRUE(Match("published = true"));
  EXPECT_TRUE(Match("published : true"));
  EXPECT_FALSE(Match("published = false"));
  EXPECT_TRUE(Match("published != false"));
  EXPECT_FALSE(Match("published != true"));
}

TEST_F(FilterMatchTest, PublishTimeComparesInstants) {
  // The article is published at 12:00:00Z, which is 14:00:00+02:00.
  EXPECT_TRUE(Match("publish_time = 2024-05-01T12:00:00Z"));
  EXPECT_TRUE(Match("publish_time : \"2024-05-01T14:00:00+02:00\""));
  EXPECT_FALSE(Match("publish_time = 2024-05-01T12:00:00.000000001Z"));
  EXPECT_TRUE(Match("publish_time != 2024-05-01T12:00:01Z"));
  EXPECT_FALSE(Match("publish_time != 2024-05-01T12:00:00Z"));
  EXPECT_TRUE(Match("publish_time < 2024-05-01T12:00:00.000000001Z"));
  EXPECT_FALSE(Match("publish_time < 2024-05-01T12:00:00Z"));
  EXPECT_TRUE(Match("publish_time <= 2024-05-01T12:00:00Z"));
  EXPECT_FALSE(Match("publish_time <= 2024-05-01T11:59:59.999999999Z"));
  EXPECT_TRUE(Match("publish_time > 2024-05-01T11:59:59.999999999Z"));
  EXPECT_FALSE(Match("publish_time > 2024-05-01T12:00:00Z"));
  EXPECT_TRUE(Match("publish_time >= 2024-05-01T12:00:00Z"));
  EXPECT_FALSE(Match("publish_time >= 2024-05-01T12:00:00.000000001Z"));
}

TEST_F(FilterMatchTest, OperatorsCombineRestrictions) {
  EXPECT_TRUE(Match("quality = 7 topics = economie"));
  EXPECT_FALSE(Match("quality = 7 topics = sport"));
  EXPECT_TRUE(Match("quality = 1 OR topics = economie"));
  EXPECT_FALSE(Match("quality = 1 OR topics = sport"));
  EXPECT_TRUE(Match("NOT topics = sport"));
  EXPECT_FALSE(Match("-topics = economie"));
  EXPECT_TRUE(Match("(quality = 1 OR heat = -1) AND NOT (type = video)"));
  EXPECT_FALSE(Match("quality = 1 OR heat = -1 AND type = video"));
}

// ---- Hints ----

TEST(FilterHintsTest, NoHintsWithoutUsableRestrictions) {
  const FilterHints hints = ExtractHints(Parse("title = x heat > 2"));
  EXPECT_FALSE(hints.start_time);
  EXPECT_FALSE(hints.end_time);
  EXPECT_THAT(hints.topic_sets, IsEmpty());
  EXPECT_THAT(hints.domain_sets, IsEmpty());
}

TEST(FilterHintsTest, TimeBoundsAreTheTightestOfTheConjuncts) {
  const FilterHints hints =
      ExtractHints(Parse("publish_time >= 2024-01-01T00:00:00Z title = x "
                         "publish_time >= 2024-02-01T00:00:00Z "
                         "publish_time < 2024-06-01T00:00:00Z "
                         "publish_time < 2024-05-01T00:00:00Z "
                         "publish_time >= 2023-01-01T00:00:00Z"));
  EXPECT_EQ(hints.start_time, Rfc3339("2024-02-01T00:00:00Z"));
  EXPECT_EQ(hints.end_time, Rfc3339("2024-05-01T00:00:00Z"));
}

TEST(FilterHintsTest, StrictAndInclusiveBoundsAreOneNanosecondApart) {
  const absl::Time t = Rfc3339("2024-05-01T12:00:00Z");
  const FilterHints after =
      ExtractHints(Parse("publish_time > 2024-05-01T12:00:00Z"));
  EXPECT_EQ(after.start_time, t + absl::Nanoseconds(1));
  EXPECT_FALSE(after.end_time);
  const FilterHints until =
      ExtractHints(Parse("publish_time <= 2024-05-01T12:00:00Z"));
  EXPECT_EQ(until.end_time, t + absl::Nanoseconds(1));
  EXPECT_FALSE(until.start_time);
  const FilterHints before =
      ExtractHints(Parse("publish_time < 2024-05-01T12:00:00Z"));
  EXPECT_EQ(before.end_time, t);
}

TEST(FilterHintsTest, EqualTimeIsAOneNanosecondRange) {
  const absl::Time t = Rfc3339("2024-05-01T12:00:00Z");
  for (const std::string filter :
       {"publish_time = 2024-05-01T12:00:00Z",
        "publish_time : 2024-05-01T14:00:00+02:00"}) {
    const FilterHints hints = ExtractHints(Parse(filter));
    EXPECT_EQ(hints.start_time, t) << filter;
    EXPECT_EQ(hints.end_time, t + absl::Nanoseconds(1)) << filter;
  }
}

TEST(FilterHintsTest, TimeBelowANanosecondStillBoundsWholeNanoseconds) {
  // An article at ...:00.000000001Z is after ...:00.0000000005Z and not
  // before or at it.
  const absl::Time next_ns =
      Rfc3339("2024-05-01T12:00:00Z") + absl::Nanoseconds(1);
  EXPECT_EQ(
      ExtractHints(Parse("publish_time > 2024-05-01T12:00:00.0000000005Z"))
          .start_time,
      next_ns);
  EXPECT_EQ(
      ExtractHints(Parse("publish_time <= 2024-05-01T12:00:00.0000000005Z"))
          .end_time,
      next_ns);
}

TEST(FilterHintsTest, OnlyTopLevelConjunctsGiveHints) {
  const FilterHints hints =
      ExtractHints(Parse("NOT publish_time < 2024-01-01T00:00:00Z "
                         "(publish_time > 2024-01-01T00:00:00Z OR heat = 1) "
                         "publish_time != 2024-01-01T00:00:00Z "
                         "NOT topics = ai (topics = ai OR title = x)"));
  EXPECT_FALSE(hints.start_time);
  EXPECT_FALSE(hints.end_time);
  EXPECT_THAT(hints.topic_sets, IsEmpty());
}

TEST(FilterHintsTest, NestedAndsAreSearched) {
  // The parser flattens ANDs, so build the nesting by hand.
  FilterExpr inner;
  inner.kind = Kind::kAnd;
  inner.children.push_back(Parse("publish_time >= 2024-01-01T00:00:00Z"));
  inner.children.push_back(Parse("topics = ai"));
  FilterExpr outer;
  outer.kind = Kind::kAnd;
  outer.children.push_back(Parse("title = x"));
  outer.children.push_back(std::move(inner));
  const FilterHints hints = ExtractHints(outer);
  EXPECT_EQ(hints.start_time, Rfc3339("2024-01-01T00:00:00Z"));
  EXPECT_THAT(hints.topic_sets, ElementsAre(ElementsAre("ai")));
}

TEST(FilterHintsTest, TopicEqualityGivesASetInNormalizeKeyForm) {
  EXPECT_THAT(ExtractHints(Parse("topics = \" ÉCONOMIE \"")).topic_sets,
              ElementsAre(ElementsAre("economie")));
  EXPECT_THAT(ExtractHints(Parse("topics : \"AI Hardware\"")).topic_sets,
              ElementsAre(ElementsAre("ai hardware")));
  EXPECT_THAT(ExtractHints(Parse("topics = Économie topics = AI")).topic_sets,
              ElementsAre(ElementsAre("economie"), ElementsAre("ai")));
}

TEST(FilterHintsTest, EveryTopicThatMatchesHasAKeyInTheSet) {
  const FilterExpr filter = Parse("topics = \"ÉcOnomie\"");
  const FilterHints hints = ExtractHints(filter);
  ASSERT_EQ(hints.topic_sets.size(), 1u);
  for (const std::string topic : {"Économie", "ÉCONOMIE", "economie"}) {
    Article article;
    article.add_topics(topic);
    EXPECT_TRUE(Matches(filter, article)) << topic;
    EXPECT_THAT(hints.topic_sets[0], ElementsAre(NormalizeKey(topic))) << topic;
  }
}

TEST(FilterHintsTest, OrOfTopicEqualitiesGivesOneSet) {
  EXPECT_THAT(
      ExtractHints(
          Parse("topics = economie OR topics : AI OR topics = Économie"))
          .topic_sets,
      ElementsAre(ElementsAre("ai", "economie")));
  EXPECT_THAT(ExtractHints(Parse("topics = ai OR title = ai")).topic_sets,
              IsEmpty());
  EXPECT_THAT(ExtractHints(Parse("topics = ai OR topics = ai*")).topic_sets,
              IsEmpty());
}

TEST(FilterHintsTest, PrefixNotEqualAndEmptyTopicsGiveNoSet) {
  for (const std::string filter :
       {"topics = ai*", "topics : ai*", "topics != ai", "topics = \"\"",
        "topics = \"  \""}) {
    EXPECT_THAT(ExtractHints(Parse(filter)).topic_sets, IsEmpty()) << filter;
  }
}

TEST(FilterHintsTest, DomainEqualityGivesADomainSet) {
  EXPECT_THAT(ExtractHints(Parse("provider.domain = LeMonde.FR")).domain_sets,
              ElementsAre(ElementsAre("lemonde.fr")));
  EXPECT_THAT(ExtractHints(Parse("provider.domain = lemonde.fr OR "
                                 "provider.domain = \"Café.fr\""))
                  .domain_sets,
              ElementsAre(ElementsAre("cafe.fr", "lemonde.fr")));
  for (const std::string filter :
       {"provider.domain : lemonde.fr", "provider.domain = lemonde*",
        "provider.domain != lemonde.fr", "provider.domain = \"\"",
        "provider.domain = lemonde.fr OR topics = ai"}) {
    const FilterHints hints = ExtractHints(Parse(filter));
    EXPECT_THAT(hints.domain_sets, IsEmpty()) << filter;
    EXPECT_THAT(hints.topic_sets, IsEmpty()) << filter;
  }
}

// Whether `article` satisfies every hint.
bool SatisfiesHints(const Article& article, const FilterHints& hints) {
  const absl::Time time = ToAbslTime(article.publish_time());
  if (hints.start_time && time < *hints.start_time) return false;
  if (hints.end_time && time >= *hints.end_time) return false;
  const auto in = [](const std::vector<std::string>& set,
                     const std::string& key) {
    return std::find(set.begin(), set.end(), key) != set.end();
  };
  for (const std::vector<std::string>& set : hints.topic_sets) {
    if (std::none_of(
            article.topics().begin(), article.topics().end(),
            [&](const std::string& t) { return in(set, NormalizeKey(t)); })) {
      return false;
    }
  }
  for (const std::vector<std::string>& set : hints.domain_sets) {
    if (!in(set, NormalizeKey(article.provider().domain()))) return false;
  }
  return true;
}

// Random filters over a small vocabulary of strings that differ only in case,
// accents and surrounding white space.
class RandomFilters {
 public:
  explicit RandomFilters(uint32_t seed) : random_(seed) {}

  template <typename T>
  const T& Pick(const std::vector<T>& values) {
    return values[std::uniform_int_distribution<size_t>(
        0, values.size() - 1)(random_)];
  }
  int Percent() { return std::uniform_int_distribution<int>(0, 99)(random_); }

  absl::Time Time() {
    return Rfc3339("2024-05-01T12:00:00Z") +
           Pick(std::vector<absl::Duration>{
               absl::ZeroDuration(), absl::Nanoseconds(1),
               absl::Nanoseconds(-1), absl::Hours(1), absl::Hours(-1)});
  }

  Article MakeArticle() {
    Article article;
    const int topics = std::uniform_int_distribution<int>(0, 3)(random_);
    for (int i = 0; i < topics; ++i) article.add_topics(Pick(kTopics));
    article.mutable_provider()->set_domain(Pick(kDomains));
    SetTime(Time(), article.mutable_publish_time());
    article.set_heat(std::uniform_int_distribution<int>(-1, 2)(random_));
    return article;
  }

  std::string Expression(int depth) {
    std::vector<std::string> conjuncts;
    const int count = std::uniform_int_distribution<int>(1, 3)(random_);
    for (int i = 0; i < count; ++i) conjuncts.push_back(Factor(depth));
    return absl::StrJoin(conjuncts, Percent() < 50 ? " AND " : " ");
  }

 private:
  std::string Factor(int depth) {
    const int p = Percent();
    if (p < 20) {
      const std::string field = Percent() < 70 ? "topics" : "provider.domain";
      std::vector<std::string> terms;
      const int count = std::uniform_int_distribution<int>(1, 3)(random_);
      for (int i = 0; i < count; ++i) terms.push_back(Restriction(field));
      return absl::StrJoin(terms, " OR ");
    }
    if (p < 35 && depth > 0)
      return absl::StrCat("(", Expression(depth - 1), ")");
    if (p < 45) return absl::StrCat(Percent() < 50 ? "NOT " : "-", Factor(0));
    if (p < 55) return absl::StrCat(Factor(0), " OR ", Factor(0));
    return Restriction(Pick(std::vector<std::string>{
        "topics", "provider.domain", "publish_time", "heat"}));
  }

  std::string Restriction(const std::string& field) {
    if (field == "publish_time") {
      return absl::StrCat(
          field, " ",
          Pick(std::vector<std::string>{"=", "!=", "<", "<=", ">", ">=", ":"}),
          " ",
          absl::FormatTime(absl::RFC3339_full, Time(),
                           Percent() < 50 ? absl::UTCTimeZone()
                                          : absl::FixedTimeZone(7200)));
    }
    if (field == "heat") {
      return absl::StrCat(field, " ",
                          Pick(std::vector<std::string>{"=", "<", ">="}), " ",
                          std::uniform_int_distribution<int>(-1, 2)(random_));
    }
    const std::string op =
        Percent() < 70 ? "=" : Pick(std::vector<std::string>{"!=", ":"});
    const std::string value = Pick(field == "topics" ? kTopics : kDomains);
    return absl::StrCat(field, " ", op, " \"", value, Percent() < 10 ? "*" : "",
                        "\"");
  }

  const std::vector<std::string> kTopics = {
      "Économie", "economie", "ECONOMIE", "MP3",    "mp3",    " Mp3 ",
      "2024",     "AI",       " ai ",     "Straße", "strasse"};
  const std::vector<std::string> kDomains = {
      "", "mp3.fm", "MP3.FM", " mp3.fm", "24.fm", "café.fr", "cafe.fr"};
  std::mt19937 random_;
};

TEST(FilterHintsTest, HintsNeverExcludeAMatchingArticle) {
  RandomFilters random(20240501);
  std::vector<Article> articles;
  for (int i = 0; i < 40; ++i) articles.push_back(random.MakeArticle());
  int matches = 0, with_time = 0, with_topics = 0, with_domains = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::string filter = random.Expression(2);
    absl::StatusOr<FilterExpr> expr = ParseFilter(filter);
    ASSERT_TRUE(expr.ok()) << filter << ": " << expr.status();
    const FilterHints hints = ExtractHints(*expr);
    for (const Article& article : articles) {
      if (!Matches(*expr, article)) continue;
      ++matches;
      with_time += hints.start_time || hints.end_time;
      with_topics += !hints.topic_sets.empty();
      with_domains += !hints.domain_sets.empty();
      ASSERT_TRUE(SatisfiesHints(article, hints)) << filter << "\nexcludes\n"
                                                  << article.DebugString();
    }
  }
  // The vocabulary really exercises every kind of hint.
  EXPECT_GT(matches, 1000);
  EXPECT_GT(with_time, 100);
  EXPECT_GT(with_topics, 100);
  EXPECT_GT(with_domains, 100);
}

}  // namespace
}  // namespace newsmeta
