// Tests of the client's output (table rows, JSON lines, truncation) and of
// its --from / --to arguments.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "client/output.h"
#include "client/time_arg.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "newsmeta/v1/article.pb.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// Number of code points in valid UTF-8 `text`.
size_t CodePoints(absl::string_view text) {
  size_t count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

absl::Time Utc(int year, int month, int day, int hour = 0, int minute = 0,
               int second = 0) {
  return absl::FromCivil(
      absl::CivilSecond(year, month, day, hour, minute, second),
      absl::UTCTimeZone());
}

TEST(ClientOutputTest, TruncateKeepsShortAscii) {
  EXPECT_EQ(Truncate("hello", 10), "hello");
  EXPECT_EQ(Truncate("hello", 5), "hello");
  EXPECT_EQ(Truncate("", 5), "");
}

TEST(ClientOutputTest, TruncateCutsAsciiWithAnEllipsis) {
  EXPECT_EQ(Truncate("hello world", 5), "hell…");
  EXPECT_EQ(Truncate("hello", 4), "hel…");
  EXPECT_EQ(Truncate("hello", 2), "h…");
  EXPECT_EQ(Truncate("hello", 1), "…");
}

TEST(ClientOutputTest, TruncateToZeroIsEmpty) {
  EXPECT_EQ(Truncate("hello", 0), "");
  EXPECT_EQ(Truncate("", 0), "");
  EXPECT_EQ(Truncate("é", 0), "");
}

TEST(ClientOutputTest, TruncateCountsCodePointsNotBytes) {
  // "héllo wörld": 11 code points, 13 bytes.
  EXPECT_EQ(Truncate("héllo wörld", 11), "héllo wörld");
  EXPECT_EQ(Truncate("héllo wörld", 3), "hé…");
  EXPECT_EQ(Truncate("日本語のニュース", 8), "日本語のニュース");
  EXPECT_EQ(Truncate("日本語のニュース", 4), "日本語…");
  EXPECT_EQ(Truncate("😀😀😀", 2), "😀…");
  EXPECT_EQ(Truncate("a😀b", 2), "a…");
}

TEST(ClientOutputTest, TruncateNeverSplitsAMultiByteSequence) {
  const std::string text = "aé日😀bé日😀cé日😀";  // 12 code points.
  for (size_t max_chars = 1; max_chars <= 14; ++max_chars) {
    const std::string cut = Truncate(text, max_chars);
    SCOPED_TRACE(absl::StrCat("max_chars ", max_chars, ": ", cut));
    EXPECT_LE(CodePoints(cut), max_chars);
    if (max_chars >= 12) {
      EXPECT_EQ(cut, text);
    } else {
      EXPECT_EQ(CodePoints(cut), max_chars);
      ASSERT_TRUE(absl::EndsWith(cut, "…"));
      // What is left before the ellipsis is a whole prefix of the text.
      const std::string kept = cut.substr(0, cut.size() - 3);
      EXPECT_TRUE(absl::StartsWith(text, kept));
      EXPECT_EQ(CodePoints(kept), max_chars - 1);
      const unsigned char next = text[kept.size()];
      EXPECT_NE(next & 0xC0, 0x80) << "cut inside a sequence";
    }
  }
}

TEST(ClientOutputTest, TableHeaderNamesTheColumns) {
  EXPECT_EQ(TableHeader(),
            "PUBLISHED (UTC)   NAME                       "
            "PROVIDER                TITLE");
}

Article RowArticle() {
  Article article;
  article.set_name("articles/0123456789abcdef");
  article.mutable_publish_time()->set_seconds(
      absl::ToUnixSeconds(Utc(2023, 7, 1, 9, 5, 30)));
  article.mutable_publish_time()->set_nanos(999999999);
  article.mutable_provider()->set_domain("wsj.com");
  article.set_title("Chips are back");
  return article;
}

TEST(ClientOutputTest, ArticleRowHasTimeNameProviderAndTitle) {
  EXPECT_EQ(ArticleRow(RowArticle()),
            "2023-07-01 09:05  articles/0123456789abcdef  "
            "wsj.com                 Chips are back");
}

TEST(ClientOutputTest, ArticleRowLinesUpWithTheHeader) {
  const std::string header = TableHeader();
  const std::string row = ArticleRow(RowArticle());
  EXPECT_EQ(row.find("articles/"), header.find("NAME"));
  EXPECT_EQ(row.find("wsj.com"), header.find("PROVIDER"));
  EXPECT_EQ(row.find("Chips"), header.find("TITLE"));
}

TEST(ClientOutputTest, ArticleRowTruncatesLongTitlesAndDomains) {
  Article article = RowArticle();
  article.set_title(std::string(100, 't'));
  article.mutable_provider()->set_domain(
      "a-very-long-subdomain.example-news-provider.com");
  const std::string row = ArticleRow(article);
  EXPECT_THAT(row, HasSubstr(absl::StrCat(std::string(69, 't'), "…")));
  EXPECT_THAT(row, Not(HasSubstr(std::string(70, 't'))));
  EXPECT_TRUE(absl::EndsWith(row, "…"));
  EXPECT_THAT(row, HasSubstr("a-very-long-subdomain…  "));
  // The title column still starts where the header says.
  EXPECT_EQ(row.find("ttt"), TableHeader().find("TITLE") + 2);
}

TEST(ClientOutputTest, ArticleRowShowsTheTimeInUtc) {
  Article article = RowArticle();
  // 2023-07-01T01:00:00+02:00.
  article.mutable_publish_time()->set_seconds(
      absl::ToUnixSeconds(Utc(2023, 6, 30, 23)));
  EXPECT_TRUE(absl::StartsWith(ArticleRow(article), "2023-06-30 23:00  "));
}

Article JsonArticle() {
  Article article;
  article.set_name("articles/0123456789abcdef");
  article.set_title("Chips \"are\" back");
  article.mutable_publish_time()->set_seconds(
      absl::ToUnixSeconds(Utc(2023, 7, 1, 9)));
  article.set_original_url("https://example.com/original");
  article.set_web_url("https://example.com/web");
  article.set_heat(-1);
  article.set_published(true);
  article.mutable_provider()->set_name("Wall Street Journal");
  article.mutable_provider()->set_domain("wsj.com");
  article.add_topics("AI Hardware");
  article.add_topics("日本");
  v1::Image* image = article.add_images();
  image->set_url("https://example.com/a.png");
  image->set_width(640);
  image->set_cached(true);
  article.set_source_file("news/a.md");
  v1::RelatedLink* related = article.add_related();
  related->set_title("Related");
  related->mutable_publish_time()->set_seconds(
      absl::ToUnixSeconds(Utc(2023, 6, 30, 12)));
  related->mutable_publish_time()->set_nanos(500000000);
  related->set_cdn_amp_url("https://cdn.example.com/amp");
  article.set_secured("opaque");
  article.set_body("Line 1\nLine 2\n");
  (*article.mutable_extra_fields()->mutable_fields())["fooBar"]
      .set_number_value(2);
  return article;
}

TEST(ClientOutputTest, ArticleJsonIsCanonicalProto3Json) {
  const std::string json = ArticleJson(JsonArticle());
  EXPECT_THAT(json, Not(HasSubstr("\n")));
  EXPECT_THAT(
      json, AllOf(HasSubstr("\"name\":\"articles/0123456789abcdef\""),
                  HasSubstr("\"publishTime\":\"2023-07-01T09:00:00Z\""),
                  HasSubstr("\"originalUrl\":\"https://example.com/original\""),
                  HasSubstr("\"webUrl\":\"https://example.com/web\""),
                  HasSubstr("\"sourceFile\":\"news/a.md\""),
                  HasSubstr("\"cdnAmpUrl\":\"https://cdn.example.com/amp\""),
                  HasSubstr("\"publishTime\":\"2023-06-30T12:00:00.500Z\""),
                  HasSubstr("\"extraFields\":{\"fooBar\":2}"),
                  HasSubstr("\"heat\":-1"),
                  HasSubstr("\"topics\":[\"AI Hardware\",\"日本\"]"),
                  HasSubstr("\"body\":\"Line 1\\nLine 2\\n\""),
                  HasSubstr("\"title\":\"Chips \\\"are\\\" back\"")));
  EXPECT_THAT(
      json, AllOf(Not(HasSubstr("source_file")), Not(HasSubstr("publish_time")),
                  Not(HasSubstr("web_url"))));
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.back(), '}');
}

TEST(ClientOutputTest, ArticleJsonParsesBackToTheSameMessage) {
  const Article article = JsonArticle();
  Article parsed;
  const auto status = google::protobuf::util::JsonStringToMessage(
      ArticleJson(article), &parsed);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(parsed, article))
      << parsed.DebugString();
}

TEST(ClientOutputTest, ArticleJsonOfAnEmptyArticleIsAnEmptyObject) {
  EXPECT_EQ(ArticleJson(Article()), "{}");
}

TEST(TimeArgTest, FromDateIsTheStartOfThatDayUtc) {
  const absl::StatusOr<absl::Time> time = ParseFromArg("2023-07-01");
  ASSERT_TRUE(time.ok()) << time.status();
  EXPECT_EQ(*time, Utc(2023, 7, 1));
}

TEST(TimeArgTest, ToDateIsInclusiveSoEndsAtTheNextDaysStart) {
  const absl::StatusOr<absl::Time> time = ParseToArg("2023-07-01");
  ASSERT_TRUE(time.ok()) << time.status();
  EXPECT_EQ(*time, Utc(2023, 7, 2));
  EXPECT_EQ(ParseToArg("2023-07-31").value(), Utc(2023, 8, 1));
  EXPECT_EQ(ParseToArg("2023-12-31").value(), Utc(2024, 1, 1));
  EXPECT_EQ(ParseToArg("2024-02-28").value(), Utc(2024, 2, 29));
}

TEST(TimeArgTest, Rfc3339TimesAreUsedExactly) {
  EXPECT_EQ(ParseFromArg("2023-07-01T09:00:00Z").value(), Utc(2023, 7, 1, 9));
  EXPECT_EQ(ParseToArg("2023-07-01T09:00:00Z").value(), Utc(2023, 7, 1, 9));
  EXPECT_EQ(ParseFromArg("2023-07-01T09:00:00.25Z").value(),
            Utc(2023, 7, 1, 9) + absl::Milliseconds(250));
}

TEST(TimeArgTest, Rfc3339OffsetsAreConvertedToUtc) {
  EXPECT_EQ(ParseFromArg("2023-07-01T01:00:00+02:00").value(),
            Utc(2023, 6, 30, 23));
  EXPECT_EQ(ParseToArg("2023-07-31T23:30:00-02:00").value(),
            Utc(2023, 8, 1, 1, 30));
}

TEST(TimeArgTest, GarbageIsAnErrorNamingTheFlag) {
  for (const char* text :
       {"yesterday", "", "2023-07", "2023/07/01", "2023-13-01", "2023-02-30",
        "2023-07-01T09:00", "2023-07-01 09:00:00Z", "1688202000"}) {
    const absl::StatusOr<absl::Time> from = ParseFromArg(text);
    EXPECT_EQ(from.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(
        std::string(from.status().message()),
        AllOf(HasSubstr("--from"), HasSubstr(absl::StrCat("\"", text, "\""))))
        << text;
    const absl::StatusOr<absl::Time> to = ParseToArg(text);
    EXPECT_EQ(to.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(std::string(to.status().message()), HasSubstr("--to")) << text;
  }
}

}  // namespace
}  // namespace newsmeta
