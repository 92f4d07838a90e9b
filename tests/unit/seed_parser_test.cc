#include "loader/seed_parser.h"

#include <fstream>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "newsmeta/v1/article.pb.h"

namespace newsmeta {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::TextFormat;
using ::google::protobuf::util::MessageDifferencer;
using ::newsmeta::v1::Article;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kSeedPath[] =
    NEWSMETA_SOURCE_DIR "/seeds/000_ff08d452a17705a5.txt";
constexpr char kExpectedPath[] =
    NEWSMETA_SOURCE_DIR "/tests/data/expected_seed_article.textproto";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

template <typename Message>
Message FromText(const std::string& text) {
  Message message;
  EXPECT_TRUE(TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

// Empty when `actual` equals `expected`, otherwise a description of every
// difference.
std::string Differences(const google::protobuf::Message& expected,
                        const google::protobuf::Message& actual) {
  std::string report;
  MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&report);
  if (differencer.Compare(expected, actual)) return "";
  return report.empty() ? "messages differ" : report;
}

// A seed with just the required fields, plus `extra` (YAML lines ending in
// "\n") before the closing line. The fields are on lines 2-4, `extra` starts
// on line 5.
std::string MinimalSeed(absl::string_view extra = "") {
  return absl::StrCat(
      "---\n"
      "title: A title\n"
      "publishedDateTime: 2023-07-24T09:05:00Z\n"
      "originalUrl: https://example.com/a\n",
      extra, "---\n");
}

// The message of the error that parsing `content` must fail with.
std::string ErrorMessage(absl::string_view content,
                         absl::string_view source_file = "dir/bad.txt",
                         const SeedLimits& limits = {}) {
  absl::StatusOr<Article> article = ParseSeed(content, source_file, limits);
  if (article.ok()) {
    ADD_FAILURE() << "parsed, expected an error:\n" << content;
    return "";
  }
  EXPECT_EQ(article.status().code(), absl::StatusCode::kInvalidArgument)
      << article.status();
  return std::string(article.status().message());
}

// ---------------------------------------------------------------------------
// The shipped seed.

TEST(SeedParserTest, ParsesShippedSeedToExpectedArticle) {
  const std::string content = ReadFile(kSeedPath);
  ASSERT_FALSE(content.empty());
  const Article expected = FromText<Article>(ReadFile(kExpectedPath));
  ASSERT_EQ(expected.related_size(), 8);  // the textproto itself is whole

  absl::StatusOr<Article> article =
      ParseSeed(content, "000_ff08d452a17705a5.txt");
  ASSERT_TRUE(article.ok()) << article.status();
  EXPECT_TRUE(MessageDifferencer::Equals(expected, *article))
      << Differences(expected, *article);
}

TEST(SeedParserTest, ShippedSeedIsNamedAfterItsOriginalUrl) {
  absl::StatusOr<Article> article =
      ParseSeed(ReadFile(kSeedPath), "000_ff08d452a17705a5.txt");
  ASSERT_TRUE(article.ok()) << article.status();
  // printf %s "<originalUrl>" | sha256sum | cut -c1-16
  EXPECT_EQ(article->name(), "articles/ede44015d0ace88e");
  EXPECT_EQ(article->related(2).cdn_amp_url(),
            "https://www-motortrend-com.cdn.ampproject.org/c/s/"
            "www.motortrend.com/news/"
            "elon-musk-tesla-2024-q2-earnings-call-robotaxis-full-self-driving-"
            "software/amp/");
  EXPECT_EQ(article->heat(), -1);
  EXPECT_FALSE(article->has_extra_fields());
}

// ---------------------------------------------------------------------------
// Malformed seeds: each error names the file, the line (and column) and the
// field.

TEST(SeedParserTest, RejectsInvalidYamlWithLineAndColumn) {
  const std::string message = ErrorMessage(
      "---\n"
      "title: A title\n"
      "excerpt: one: two\n"
      "publishedDateTime: 2023-07-24T09:05:00Z\n"
      "---\n");
  EXPECT_THAT(message, StartsWith("dir/bad.txt:3:"));
  EXPECT_THAT(message, HasSubstr("invalid YAML"));
}

TEST(SeedParserTest, RejectsYamlWithBadIndentation) {
  const std::string message = ErrorMessage(
      "---\n"
      "title: A title\n"
      "provider:\n"
      "  name: P\n"
      " domain: p.com\n"
      "---\n");
  EXPECT_THAT(message, StartsWith("dir/bad.txt:5:"));
  EXPECT_THAT(message, HasSubstr("invalid YAML"));
}

TEST(SeedParserTest, RejectsFrontMatterThatIsAList) {
  const std::string message = ErrorMessage("---\n- title\n- excerpt\n---\n");
  EXPECT_EQ(message,
            "dir/bad.txt:2:1: the front matter must be a map of fields, not a "
            "list");
}

TEST(SeedParserTest, RejectsFrontMatterThatIsAScalar) {
  const std::string message = ErrorMessage("---\njust words\n---\n");
  EXPECT_THAT(message, StartsWith("dir/bad.txt:2:1: "));
  EXPECT_THAT(message, HasSubstr("must be a map of fields"));
}

TEST(SeedParserTest, RejectsEmptyFrontMatter) {
  const std::string message = ErrorMessage("---\n---\nbody\n");
  EXPECT_THAT(message, StartsWith("dir/bad.txt"));
  EXPECT_THAT(message, HasSubstr("must be a map of fields, not null"));
}

TEST(SeedParserTest, RejectsFileWithoutFrontMatterNamingFileAndLine) {
  const std::string message = ErrorMessage("title: A title\n");
  EXPECT_THAT(message, StartsWith("dir/bad.txt:1: no front matter"));
}

TEST(SeedParserTest, RejectsUnterminatedFrontMatterNamingFileAndLine) {
  const std::string message = ErrorMessage("---\ntitle: A title\nexcerpt: x\n");
  EXPECT_THAT(message, StartsWith("dir/bad.txt:3: unterminated front matter"));
}

TEST(SeedParserTest, RejectsEmptyFile) {
  const std::string message = ErrorMessage("");
  EXPECT_EQ(message, "dir/bad.txt:1: the file is empty");
}

TEST(SeedParserTest, RejectsMissingTitle) {
  const std::string message = ErrorMessage(
      "---\n"
      "publishedDateTime: 2023-07-24T09:05:00Z\n"
      "originalUrl: https://example.com/a\n"
      "---\n");
  EXPECT_EQ(message,
            "dir/bad.txt:2:1: field 'title' is required and must not be "
            "empty");
}

TEST(SeedParserTest, RejectsEmptyTitle) {
  const std::string message = ErrorMessage(
      "---\n"
      "title: \"  \"\n"
      "publishedDateTime: 2023-07-24T09:05:00Z\n"
      "originalUrl: https://example.com/a\n"
      "---\n");
  EXPECT_THAT(message, StartsWith("dir/bad.txt:2:"));
  EXPECT_THAT(message,
              HasSubstr("field 'title' is required and must not be empty"));
}

TEST(SeedParserTest, RejectsTitleThatIsAList) {
  const std::string message = ErrorMessage(
      "---\n"
      "title: [a, b]\n"
      "publishedDateTime: 2023-07-24T09:05:00Z\n"
      "originalUrl: https://example.com/a\n"
      "---\n");
  EXPECT_EQ(message,
            "dir/bad.txt:2:8: field 'title' must be a string, not a list");
}

TEST(SeedParserTest, RejectsMissingPublishedDateTime) {
  const std::string message = ErrorMessage(
      "---\n"
      "title: A title\n"
      "originalUrl: https://example.com/a\n"
      "---\n");
  EXPECT_THAT(message, StartsWith("dir/bad.txt:2:1: "));
  EXPECT_THAT(message, HasSubstr("field 'publishedDateTime' is required"));
}

TEST(SeedParserTest, RejectsDateThatIsAWord) {
  const std::string message = ErrorMessage(
      "---\n"
      "title: A title\n"
      "publishedDateTime: yesterday\n"
      "originalUrl: https://example.com/a\n"
      "---\n");
  EXPECT_EQ(message,
            "dir/bad.txt:3:20: field 'publishedDateTime' must be an RFC 3339 "
            "time such as 2023-07-24T09:05:00Z, got \"yesterday\"");
}

TEST(SeedParserTest, RejectsDateWithoutTime) {
  const std::string message = ErrorMessage(
      "---\n"
      "title: A title\n"
      "originalUrl: https://example.com/a\n"
      "publishedDateTime: 2023-07-24\n"
      "---\n");
  EXPECT_THAT(message, StartsWith("dir/bad.txt:4:20: "));
  EXPECT_THAT(message, HasSubstr("field 'publishedDateTime'"));
  EXPECT_THAT(message, HasSubstr("got \"2023-07-24\""));
}

TEST(SeedParserTest, RejectsDateWithoutTimeZone) {
  const std::string message = ErrorMessage(
      "---\n"
      "title: A title\n"
      "originalUrl: https://example.com/a\n"
      "publishedDateTime: 2023-07-24T09:05:00\n"
      "---\n");
  EXPECT_THAT(message, StartsWith("dir/bad.txt:4:20: "));
  EXPECT_THAT(message, HasSubstr("field 'publishedDateTime'"));
}

TEST(SeedParserTest, RejectsOriginalUrlThatIsNotAUrl) {
  const std::string message = ErrorMessage(
      "---\n"
      "title: A title\n"
      "publishedDateTime: 2023-07-24T09:05:00Z\n"
      "originalUrl: www.example.com/a\n"
      "---\n");
  EXPECT_EQ(message,
            "dir/bad.txt:4:14: field 'originalUrl' must be an absolute "
            "http(s) URL, got \"www.example.com/a\"");
}

TEST(SeedParserTest, RejectsUrlWithSpacesOrWithoutHost) {
  EXPECT_THAT(ErrorMessage(MinimalSeed("webUrl: \"https://exa mple.com/\"\n")),
              HasSubstr("dir/bad.txt:5:9: field 'webUrl' must be an absolute"));
  EXPECT_THAT(ErrorMessage(MinimalSeed("webUrl: https:///path\n")),
              HasSubstr("dir/bad.txt:5:9: field 'webUrl' must be an absolute"));
}

TEST(SeedParserTest, RejectsSeedWithoutAnyUrl) {
  const std::string message = ErrorMessage(
      "---\n"
      "title: A title\n"
      "publishedDateTime: 2023-07-24T09:05:00Z\n"
      "---\n");
  EXPECT_THAT(message, StartsWith("dir/bad.txt:2:1: "));
  EXPECT_THAT(message, HasSubstr("field 'originalUrl' is required"));
  EXPECT_THAT(message, HasSubstr("webUrl"));
}

TEST(SeedParserTest, RejectsQualityThatIsNotANumber) {
  const std::string message = ErrorMessage(MinimalSeed("quality: high\n"));
  EXPECT_EQ(message,
            "dir/bad.txt:5:10: field 'quality' must be a whole number "
            "(32-bit), got \"high\"");
}

TEST(SeedParserTest, RejectsQualityThatIsAMap) {
  const std::string message =
      ErrorMessage(MinimalSeed("quality:\n  score: 46\n"));
  EXPECT_THAT(message, StartsWith("dir/bad.txt:6:"));
  EXPECT_THAT(message,
              HasSubstr("field 'quality' must be a whole number (32-bit), got "
                        "a map"));
}

TEST(SeedParserTest, RejectsQualityThatIsAFractionOrTooBig) {
  EXPECT_THAT(ErrorMessage(MinimalSeed("quality: 4.5\n")),
              HasSubstr("dir/bad.txt:5:10: field 'quality' must be a whole"));
  EXPECT_THAT(ErrorMessage(MinimalSeed("heat: 2147483648\n")),
              HasSubstr("dir/bad.txt:5:7: field 'heat' must be a whole"));
}

TEST(SeedParserTest, RejectsPublishedThatIsNotABoolean) {
  const std::string message = ErrorMessage(MinimalSeed("published: maybe\n"));
  EXPECT_EQ(message,
            "dir/bad.txt:5:12: field 'published' must be true or false, got "
            "\"maybe\"");
}

TEST(SeedParserTest, RejectsTopicsThatAreAMap) {
  const std::string message =
      ErrorMessage(MinimalSeed("topics:\n  first: AI\n  second: Cars\n"));
  EXPECT_EQ(message,
            "dir/bad.txt:6:3: field 'topics' must be a list, not a map");
}

TEST(SeedParserTest, RejectsEmptyTopicNamingItsIndex) {
  const std::string message =
      ErrorMessage(MinimalSeed("topics:\n  - AI\n  - \"\"\n"));
  EXPECT_THAT(message, StartsWith("dir/bad.txt:7:"));
  EXPECT_THAT(message, HasSubstr("field 'topics[1]' must not be "
                                 "empty"));
}

TEST(SeedParserTest, RejectsDuplicateKey) {
  const std::string message = ErrorMessage(
      "---\n"
      "title: A title\n"
      "publishedDateTime: 2023-07-24T09:05:00Z\n"
      "originalUrl: https://example.com/a\n"
      "title: Another title\n"
      "---\n");
  EXPECT_EQ(message,
            "dir/bad.txt:5:1: field 'title' is given twice (first on line 2)");
}

TEST(SeedParserTest, RejectsDuplicateKeyInsideProvider) {
  const std::string message = ErrorMessage(
      MinimalSeed("provider:\n  name: A\n  domain: a.com\n  name: B\n"));
  EXPECT_EQ(message,
            "dir/bad.txt:8:3: field 'provider.name' is given twice (first on "
            "line 6)");
}

TEST(SeedParserTest, RejectsInvalidUtf8WithLineAndColumn) {
  const std::string message = ErrorMessage(
      "---\n"
      "title: A title\n"
      "excerpt: caf\xC3\xA9 \xFF bad\n"
      "publishedDateTime: 2023-07-24T09:05:00Z\n"
      "originalUrl: https://example.com/a\n"
      "---\n");
  // Columns count bytes: "excerpt: caf" is 12, the two bytes of U+00E9 and
  // a space follow, so 0xFF is the 16th byte of line 3.
  EXPECT_EQ(message,
            "dir/bad.txt:3:16: invalid UTF-8 (byte 0xff); seeds must be UTF-8 "
            "text");
}

TEST(SeedParserTest, RejectsOverlongUtf8InBody) {
  const std::string message = ErrorMessage(MinimalSeed() + "body\n\xC0\x80\n");
  EXPECT_THAT(message,
              StartsWith("dir/bad.txt:7:1: invalid UTF-8 (byte 0xc0)"));
}

TEST(SeedParserTest, RejectsBadDateOfRelatedLinkNamingItsIndex) {
  const std::string message =
      ErrorMessage(MinimalSeed("related:\n"
                               "  - title: First\n"
                               "    publishedDateTime: 2023-07-22T08:30:00Z\n"
                               "  - title: Second\n"
                               "    publishedDateTime: 22 July 2023\n"));
  EXPECT_EQ(message,
            "dir/bad.txt:9:24: field 'related[1].publishedDateTime' must be an "
            "RFC 3339 time such as 2023-07-24T09:05:00Z, got \"22 July "
            "2023\"");
}

TEST(SeedParserTest, RejectsBadImageOfRelatedLinkNamingItsPath) {
  const std::string message =
      ErrorMessage(MinimalSeed("related:\n"
                               "  - title: First\n"
                               "    images:\n"
                               "      - url: https://example.com/i.png\n"
                               "        width: wide\n"));
  EXPECT_THAT(message, StartsWith("dir/bad.txt:9:16: "));
  EXPECT_THAT(message,
              HasSubstr("field 'related[0].images[0].width' must be a whole "
                        "number"));
}

TEST(SeedParserTest, RejectsYamlAliasBombInUnknownFieldQuickly) {
  // "Billion laughs": 10^9 values once every alias is expanded.
  const std::string bomb = MinimalSeed(
      "lols:\n"
      "  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
      "  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
      "  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
      "  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
      "  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
      "  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
      "  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
      "  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
      "  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n");
  const absl::Time start = absl::Now();
  const std::string message = ErrorMessage(bomb, "dir/bomb.txt");
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_THAT(message, StartsWith("dir/bomb.txt:"));
  EXPECT_THAT(message, HasSubstr("field 'lols."));
  EXPECT_THAT(message, HasSubstr("more than 10000 values"));
}

TEST(SeedParserTest, CountsAliasExpansionsAgainstMaxExtraValues) {
  SeedLimits limits;
  limits.max_extra_values = 25;
  // The map, then 3 lists of 1 + 10 values each: 34 values with expansion.
  // The 26th is x.c[1]: x, a, a[0..9], b, b[0..9], c, c[0], c[1].
  const std::string seed = MinimalSeed(
      "x:\n"
      "  a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"
      "  b: *a\n"
      "  c: *a\n");
  const std::string message = ErrorMessage(seed, "dir/bad.txt", limits);
  EXPECT_THAT(message, StartsWith("dir/bad.txt:"));
  EXPECT_THAT(message, HasSubstr("field 'x.c[1]'"));
  EXPECT_THAT(message, HasSubstr("more than 25 values"));

  limits.max_extra_values = 34;
  absl::StatusOr<Article> article = ParseSeed(seed, "dir/ok.txt", limits);
  EXPECT_TRUE(article.ok()) << article.status();
}

std::string NestedLists(int depth) {
  return absl::StrCat(std::string(depth, '['), "1", std::string(depth, ']'));
}

TEST(SeedParserTest, RejectsNestingDeeperThanMaxDepthInUnknownField) {
  const std::string message =
      ErrorMessage(MinimalSeed(absl::StrCat("deep: ", NestedLists(200), "\n")));
  EXPECT_THAT(message, StartsWith("dir/bad.txt:5:"));
  EXPECT_THAT(message, HasSubstr("field 'deep[0][0]"));
  EXPECT_THAT(message,
              HasSubstr(absl::StrCat("is nested deeper than ",
                                     SeedLimits().max_depth, " levels")));
}

TEST(SeedParserTest, AppliesCustomMaxDepthToMapsInUnknownFields) {
  SeedLimits limits;
  limits.max_depth = 3;
  const std::string too_deep =
      MinimalSeed("deep:\n  a:\n    b:\n      c:\n        d: 1\n");
  const std::string message = ErrorMessage(too_deep, "dir/bad.txt", limits);
  EXPECT_EQ(message,
            "dir/bad.txt:9:12: field 'deep.a.b.c.d' is nested deeper than 3 "
            "levels");

  const std::string deep_enough =
      MinimalSeed("deep:\n  a:\n    b:\n      c: 1\n");
  absl::StatusOr<Article> article =
      ParseSeed(deep_enough, "dir/ok.txt", limits);
  ASSERT_TRUE(article.ok()) << article.status();
  EXPECT_EQ(article->extra_fields()
                .fields()
                .at("deep")
                .struct_value()
                .fields()
                .at("a")
                .struct_value()
                .fields()
                .at("b")
                .struct_value()
                .fields()
                .at("c")
                .number_value(),
            1);
}

// An accepted seed must also be servable: protobuf parsers refuse messages
// nested deeper than 100 levels by default (CodedInputStream's recursion
// limit, which gRPC uses to read responses), and each list level of a
// google.protobuf.Value takes two (Value, ListValue).
TEST(SeedParserTest, AcceptedNestingSurvivesTheWireFormat) {
  const SeedLimits limits;
  const std::string seed =
      MinimalSeed(absl::StrCat("deep: ", NestedLists(limits.max_depth), "\n"));
  absl::StatusOr<Article> article = ParseSeed(seed, "dir/deep.txt", limits);
  ASSERT_TRUE(article.ok()) << article.status();
  Article read_back;
  EXPECT_TRUE(read_back.ParseFromString(article->SerializeAsString()))
      << "an article accepted under the default SeedLimits (max_depth "
      << limits.max_depth << ") cannot be parsed back from the wire";
}

// ---------------------------------------------------------------------------
// Accepted variants.

TEST(SeedParserTest, ParsesCrlfWithByteOrderMarkLikeLf) {
  const std::string lf = ReadFile(kSeedPath);
  const std::string crlf =
      absl::StrCat("\xEF\xBB\xBF", absl::StrReplaceAll(lf, {{"\n", "\r\n"}}));
  absl::StatusOr<Article> from_lf = ParseSeed(lf, "seed.txt");
  absl::StatusOr<Article> from_crlf = ParseSeed(crlf, "seed.txt");
  ASSERT_TRUE(from_lf.ok()) << from_lf.status();
  ASSERT_TRUE(from_crlf.ok()) << from_crlf.status();
  // The body is kept byte for byte, so only it differs.
  EXPECT_EQ(from_lf->body(), "\n");
  EXPECT_EQ(from_crlf->body(), "\r\n");
  from_crlf->clear_body();
  from_lf->clear_body();
  EXPECT_TRUE(MessageDifferencer::Equals(*from_lf, *from_crlf))
      << Differences(*from_lf, *from_crlf);
  EXPECT_EQ(from_crlf->title(), from_lf->title());
  EXPECT_EQ(from_crlf->related_size(), 8);
}

TEST(SeedParserTest, CrlfErrorsReportTheSameLinesAsLf) {
  const std::string seed = MinimalSeed("quality: high\n");
  const std::string crlf =
      absl::StrCat("\xEF\xBB\xBF", absl::StrReplaceAll(seed, {{"\n", "\r\n"}}));
  EXPECT_THAT(ErrorMessage(crlf),
              StartsWith("dir/bad.txt:5:10: field 'quality'"));
}

TEST(SeedParserTest, KeepsBodyByteForByte) {
  const std::string body = "\n# Heading\r\n\n  text \xE2\x80\x99\n---\nmore";
  absl::StatusOr<Article> article = ParseSeed(MinimalSeed() + body, "a/b.txt");
  ASSERT_TRUE(article.ok()) << article.status();
  EXPECT_EQ(article->body(), body);
  EXPECT_EQ(article->source_file(), "a/b.txt");
}

TEST(SeedParserTest, ConvertsOffsetTimesToUtc) {
  absl::StatusOr<Article> article = ParseSeed(
      "---\n"
      "title: A title\n"
      "publishedDateTime: 2023-07-24T11:05:00+02:00\n"
      "originalUrl: https://example.com/a\n"
      "related:\n"
      "  - title: R\n"
      "    publishedDateTime: 2023-07-23T23:35:00.123456789-09:30\n"
      "---\n",
      "a.txt");
  ASSERT_TRUE(article.ok()) << article.status();
  // 2023-07-24T09:05:00Z
  EXPECT_EQ(article->publish_time().seconds(), 1690189500);
  EXPECT_EQ(article->publish_time().nanos(), 0);
  // 2023-07-23T23:35:00.123456789-09:30 is 2023-07-24T09:05:00.123456789Z.
  EXPECT_EQ(article->related(0).publish_time().seconds(), 1690189500);
  EXPECT_EQ(article->related(0).publish_time().nanos(), 123456789);
}

TEST(SeedParserTest, KeepsFractionalSeconds) {
  absl::StatusOr<Article> article = ParseSeed(
      "---\n"
      "title: A title\n"
      "publishedDateTime: 2023-07-24T09:05:00.25Z\n"
      "originalUrl: https://example.com/a\n"
      "---\n",
      "a.txt");
  ASSERT_TRUE(article.ok()) << article.status();
  EXPECT_EQ(article->publish_time().seconds(), 1690189500);
  EXPECT_EQ(article->publish_time().nanos(), 250000000);
}

TEST(SeedParserTest, ConvertsTimesBefore1970WithPositiveNanos) {
  absl::StatusOr<Article> article = ParseSeed(
      "---\n"
      "title: A title\n"
      "publishedDateTime: 1969-12-31T23:59:59.5Z\n"
      "originalUrl: https://example.com/a\n"
      "---\n",
      "a.txt");
  ASSERT_TRUE(article.ok()) << article.status();
  EXPECT_EQ(article->publish_time().seconds(), -1);
  EXPECT_EQ(article->publish_time().nanos(), 500000000);
}

TEST(SeedParserTest, LeavesNullValuesEmpty) {
  absl::StatusOr<Article> article = ParseSeed(MinimalSeed("excerpt:\n"
                                                          "category: ~\n"
                                                          "quality: null\n"
                                                          "published:\n"
                                                          "webUrl:\n"
                                                          "topics:\n"
                                                          "images: ~\n"
                                                          "related:\n"
                                                          "secured:\n"),
                                              "a.txt");
  ASSERT_TRUE(article.ok()) << article.status();
  const Article expected = FromText<Article>(R"pb(
    name: "articles/2dce0a4c50441bfc"
    title: "A title"
    publish_time { seconds: 1690189500 }
    original_url: "https://example.com/a"
    source_file: "a.txt"
  )pb");
  EXPECT_TRUE(MessageDifferencer::Equals(expected, *article))
      << Differences(expected, *article);
}

TEST(SeedParserTest, NullProviderLeavesProviderUnset) {
  absl::StatusOr<Article> article = ParseSeed(MinimalSeed("provider:\n"
                                                          "related:\n"
                                                          "  - title: R\n"
                                                          "    provider: ~\n"),
                                              "a.txt");
  ASSERT_TRUE(article.ok()) << article.status();
  EXPECT_FALSE(article->has_provider()) << article->provider().DebugString();
  ASSERT_EQ(article->related_size(), 1);
  EXPECT_FALSE(article->related(0).has_provider());
}

TEST(SeedParserTest, KeepsUnknownKeysWithTheirYamlTypes) {
  absl::StatusOr<Article> article =
      ParseSeed(MinimalSeed("plainNumber: 42\n"
                            "quotedNumber: \"42\"\n"
                            "singleQuoted: '42'\n"
                            "fraction: -2.5\n"
                            "exponent: 1e3\n"
                            "flag: true\n"
                            "off: False\n"
                            "tilde: ~\n"
                            "nullWord: null\n"
                            "empty:\n"
                            "text: hello world\n"
                            "date: 2023-07-24\n"
                            "tagged: !!str 7\n"
                            "nested:\n"
                            "  list: [1, \"two\", {three: 3}, [], ~]\n"
                            "  map: {a: {b: [true, x]}}\n"),
                "a.txt");
  ASSERT_TRUE(article.ok()) << article.status();
  const Struct expected = FromText<Struct>(R"pb(
    fields {
      key: "plainNumber"
      value { number_value: 42 }
    }
    fields {
      key: "quotedNumber"
      value { string_value: "42" }
    }
    fields {
      key: "singleQuoted"
      value { string_value: "42" }
    }
    fields {
      key: "fraction"
      value { number_value: -2.5 }
    }
    fields {
      key: "exponent"
      value { number_value: 1000 }
    }
    fields {
      key: "flag"
      value { bool_value: true }
    }
    fields {
      key: "off"
      value { bool_value: false }
    }
    fields {
      key: "tilde"
      value { null_value: NULL_VALUE }
    }
    fields {
      key: "nullWord"
      value { null_value: NULL_VALUE }
    }
    fields {
      key: "empty"
      value { null_value: NULL_VALUE }
    }
    fields {
      key: "text"
      value { string_value: "hello world" }
    }
    fields {
      key: "date"
      value { string_value: "2023-07-24" }
    }
    fields {
      key: "tagged"
      value { string_value: "7" }
    }
    fields {
      key: "nested"
      value {
        struct_value {
          fields {
            key: "list"
            value {
              list_value {
                values { number_value: 1 }
                values { string_value: "two" }
                values {
                  struct_value {
                    fields {
                      key: "three"
                      value { number_value: 3 }
                    }
                  }
                }
                values { list_value {} }
                values { null_value: NULL_VALUE }
              }
            }
          }
          fields {
            key: "map"
            value {
              struct_value {
                fields {
                  key: "a"
                  value {
                    struct_value {
                      fields {
                        key: "b"
                        value {
                          list_value {
                            values { bool_value: true }
                            values { string_value: "x" }
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  )pb");
  EXPECT_TRUE(MessageDifferencer::Equals(expected, article->extra_fields()))
      << Differences(expected, article->extra_fields());
  // Known fields are not copied into extra_fields.
  EXPECT_EQ(article->extra_fields().fields().count("title"), 0u);
}

TEST(SeedParserTest, KeepsUnknownKeysOfProviderImagesAndRelatedLinks) {
  absl::StatusOr<Article> article =
      ParseSeed(MinimalSeed("provider:\n"
                            "  name: P\n"
                            "  country: US\n"
                            "images:\n"
                            "  - url: https://example.com/i.png\n"
                            "    alt: A picture\n"
                            "    focus: [0.5, 0.25]\n"
                            "related:\n"
                            "  - title: R\n"
                            "    sponsored: false\n"
                            "    provider:\n"
                            "      name: Q\n"
                            "      rank: 3\n"
                            "    images:\n"
                            "      - url: https://example.com/j.png\n"
                            "        credit: ~\n"),
                "a.txt");
  ASSERT_TRUE(article.ok()) << article.status();
  const Article expected = FromText<Article>(R"pb(
    name: "articles/2dce0a4c50441bfc"
    title: "A title"
    publish_time { seconds: 1690189500 }
    original_url: "https://example.com/a"
    source_file: "a.txt"
    provider {
      name: "P"
      extra_fields {
        fields {
          key: "country"
          value { string_value: "US" }
        }
      }
    }
    images {
      url: "https://example.com/i.png"
      extra_fields {
        fields {
          key: "alt"
          value { string_value: "A picture" }
        }
        fields {
          key: "focus"
          value {
            list_value {
              values { number_value: 0.5 }
              values { number_value: 0.25 }
            }
          }
        }
      }
    }
    related {
      title: "R"
      provider {
        name: "Q"
        extra_fields {
          fields {
            key: "rank"
            value { number_value: 3 }
          }
        }
      }
      images {
        url: "https://example.com/j.png"
        extra_fields {
          fields {
            key: "credit"
            value { null_value: NULL_VALUE }
          }
        }
      }
      extra_fields {
        fields {
          key: "sponsored"
          value { bool_value: false }
        }
      }
    }
  )pb");
  EXPECT_TRUE(MessageDifferencer::Equals(expected, *article))
      << Differences(expected, *article);
}

TEST(SeedParserTest, KeepsIntegerTooBigForInt64AsString) {
  absl::StatusOr<Article> article =
      ParseSeed(MinimalSeed("big: 12345678901234567890\n"), "a.txt");
  ASSERT_TRUE(article.ok()) << article.status();
  const google::protobuf::Value& big =
      article->extra_fields().fields().at("big");
  EXPECT_EQ(big.kind_case(), google::protobuf::Value::kStringValue)
      << big.DebugString();
  EXPECT_EQ(big.string_value(), "12345678901234567890");
}

TEST(SeedParserTest, KeepsIntegerJustAboveDoublePrecisionAsString) {
  // 2^53 + 1 is the smallest positive integer a double cannot hold.
  absl::StatusOr<Article> article = ParseSeed(
      MinimalSeed("exact: 9007199254740992\ninexact: 9007199254740993\n"),
      "a.txt");
  ASSERT_TRUE(article.ok()) << article.status();
  const auto& fields = article->extra_fields().fields();
  EXPECT_EQ(fields.at("exact").number_value(), 9007199254740992.0);
  const google::protobuf::Value& inexact = fields.at("inexact");
  EXPECT_EQ(inexact.kind_case(), google::protobuf::Value::kStringValue)
      << inexact.DebugString();
  EXPECT_EQ(inexact.string_value(), "9007199254740993");
}

TEST(SeedParserTest, KeepsIntegerBetweenDoubleAndInt64RangeAsString) {
  absl::StatusOr<Article> article =
      ParseSeed(MinimalSeed("big: 1234567890123456789\n"), "a.txt");
  ASSERT_TRUE(article.ok()) << article.status();
  EXPECT_EQ(article->extra_fields().fields().at("big").string_value(),
            "1234567890123456789");
}

TEST(SeedParserTest, RejectsDuplicateKeyInUnknownField) {
  const std::string message =
      ErrorMessage(MinimalSeed("extra:\n  a: 1\n  a: 2\n"));
  EXPECT_EQ(message,
            "dir/bad.txt:7:3: field 'extra.a' is given twice (first on line "
            "6)");
}

TEST(SeedParserTest, IdDoesNotDependOnFileName) {
  absl::StatusOr<Article> first = ParseSeed(MinimalSeed(), "a.txt");
  absl::StatusOr<Article> second = ParseSeed(MinimalSeed(), "other/dir/b.txt");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  // printf %s https://example.com/a | sha256sum | cut -c1-16
  EXPECT_EQ(first->name(), "articles/2dce0a4c50441bfc");
  EXPECT_EQ(second->name(), first->name());
  EXPECT_EQ(second->source_file(), "other/dir/b.txt");
}

TEST(SeedParserTest, IdDependsOnUrl) {
  absl::StatusOr<Article> a = ParseSeed(MinimalSeed(), "a.txt");
  absl::StatusOr<Article> b = ParseSeed(
      absl::StrReplaceAll(MinimalSeed(), {{"example.com/a", "example.com/b"}}),
      "a.txt");
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->name(), "articles/d7fe568b31ae0fb9");
  EXPECT_NE(a->name(), b->name());
}

TEST(SeedParserTest, IdUsesWebUrlWhenOriginalUrlIsAbsent) {
  absl::StatusOr<Article> article = ParseSeed(
      "---\n"
      "title: A title\n"
      "publishedDateTime: 2023-07-24T09:05:00Z\n"
      "webUrl: https://example.com/web\n"
      "---\n",
      "a.txt");
  ASSERT_TRUE(article.ok()) << article.status();
  EXPECT_EQ(article->name(), "articles/6b194379d4865750");
  EXPECT_EQ(article->original_url(), "");
  EXPECT_EQ(article->web_url(), "https://example.com/web");
}

TEST(SeedParserTest, IdPrefersOriginalUrlOverWebUrl) {
  absl::StatusOr<Article> article =
      ParseSeed(MinimalSeed("webUrl: https://example.com/web\n"), "a.txt");
  ASSERT_TRUE(article.ok()) << article.status();
  EXPECT_EQ(article->name(), "articles/2dce0a4c50441bfc");
}

}  // namespace
}  // namespace newsmeta
