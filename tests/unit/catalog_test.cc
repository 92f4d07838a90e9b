// Tests of the catalog: order, duplicates, lookups, posting lists, bounds.
#include "catalog/catalog.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "gen_seeds/corpus.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "newsmeta/v1/article.pb.h"
#include "test_util.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;
namespace v1 = ::newsmeta::v1;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pointee;

Article MakeArticle(const std::string& name, const std::string& time,
                    const std::vector<std::string>& topics = {},
                    const std::string& domain = "",
                    const std::string& source_file = "") {
  Article article;
  article.set_name(name);
  SetTime(Rfc3339(time), article.mutable_publish_time());
  for (const std::string& topic : topics) article.add_topics(topic);
  article.mutable_provider()->set_domain(domain);
  article.set_source_file(source_file.empty() ? name + ".md" : source_file);
  return article;
}

std::vector<std::string> AllNames(const Catalog& catalog) {
  std::vector<std::string> names;
  for (ArticleIndex i = 0; i < catalog.size(); ++i) {
    names.push_back(catalog.article(i).name());
  }
  return names;
}

TEST(CatalogTest, NormalizeKeyLowerCasesAndStripsSurroundingSpace) {
  EXPECT_EQ(NormalizeKey("  AI Hardware\t\n"), "ai hardware");
  EXPECT_EQ(NormalizeKey("WSJ.com"), "wsj.com");
  EXPECT_EQ(NormalizeKey("   "), "");
  EXPECT_EQ(NormalizeKey(""), "");
}

TEST(CatalogTest, ToAbslTimeKeepsNanoseconds) {
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(1688202000);
  timestamp.set_nanos(123456789);
  EXPECT_EQ(ToAbslTime(timestamp),
            absl::FromUnixSeconds(1688202000) + absl::Nanoseconds(123456789));
}

TEST(CatalogTest, EmptyCatalogHasNothing) {
  const Catalog::BuildResult result = Catalog::Build({});
  ASSERT_NE(result.catalog, nullptr);
  EXPECT_THAT(result.rejections, IsEmpty());
  EXPECT_EQ(result.catalog->size(), 0u);
  EXPECT_EQ(result.catalog->Find(Name(1)), std::nullopt);
  EXPECT_EQ(result.catalog->TopicPostings("ai"), nullptr);
  EXPECT_EQ(result.catalog->LowerBound(absl::UnixEpoch()), 0u);
  EXPECT_EQ(result.catalog->UpperBound(absl::UnixEpoch(), Name(1)), 0u);
}

TEST(CatalogTest, MemoryUsageCountsTheArticleBytesAndTheIndexes) {
  const Catalog::BuildResult result = Catalog::Build(
      {MakeArticle(Name(1), "2023-07-01T00:00:00Z", {"AI"}, "a.com"),
       MakeArticle(Name(2), "2023-07-02T00:00:00Z", {"AI", "Economy"})});
  const Catalog& catalog = *result.catalog;
  const Catalog::MemoryUsage usage = catalog.memory_usage();
  size_t bytes = 0;
  for (ArticleIndex i = 0; i < catalog.size(); ++i) {
    bytes += catalog.ArticleBytes(i, v1::ARTICLE_VIEW_FULL).size();
  }
  EXPECT_EQ(usage.article_bytes, bytes);
  EXPECT_GE(usage.fields, 2 * sizeof(ArticleFields));
  EXPECT_GT(usage.by_name, 0u);
  EXPECT_GT(usage.topics, 0u);
  EXPECT_GT(usage.domains, 0u);
  EXPECT_GT(usage.Total(), bytes);
}

TEST(CatalogTest, BuildOrdersByPublishTimeThenName) {
  const Catalog::BuildResult result = Catalog::Build({
      MakeArticle(Name(0x30), "2023-07-02T00:00:00Z"),
      MakeArticle(Name(0x20), "2023-07-01T12:00:00Z"),
      MakeArticle(Name(0x10), "2023-07-01T12:00:00Z"),
      MakeArticle(Name(0xff), "2023-06-30T00:00:00Z"),
      MakeArticle(Name(0x05), "2023-07-01T12:00:00.000000001Z"),
      MakeArticle(Name(0x15), "2023-07-01T12:00:00Z"),
  });
  ASSERT_THAT(result.rejections, IsEmpty());
  const Catalog& catalog = *result.catalog;
  EXPECT_THAT(AllNames(catalog),
              ElementsAre(Name(0xff), Name(0x10), Name(0x15), Name(0x20),
                          Name(0x05), Name(0x30)));
  EXPECT_EQ(catalog.publish_time(0), Rfc3339("2023-06-30T00:00:00Z"));
  EXPECT_EQ(catalog.publish_time(4),
            Rfc3339("2023-07-01T12:00:00Z") + absl::Nanoseconds(1));
}

TEST(CatalogTest, BuildOrdersByInstantNotByWrittenOffset) {
  // 01:00+02:00 is 23:00Z the day before: earlier than 2023-06-30T23:30Z.
  const Catalog::BuildResult result = Catalog::Build({
      MakeArticle(Name(1), "2023-07-01T01:00:00+02:00"),
      MakeArticle(Name(2), "2023-06-30T23:30:00Z"),
  });
  EXPECT_THAT(AllNames(*result.catalog), ElementsAre(Name(1), Name(2)));
  EXPECT_EQ(result.catalog->publish_time(0), Rfc3339("2023-06-30T23:00:00Z"));
}

TEST(CatalogTest, DuplicateKeepsSmallestSourceFileAndReportsTheOther) {
  Article from_b = MakeArticle(Name(0xabc), "2023-07-01T00:00:00Z", {"AI"},
                               "b.example", "news/b.md");
  from_b.set_title("from b");
  Article from_a = MakeArticle(Name(0xabc), "2023-07-02T00:00:00Z", {"Chips"},
                               "a.example", "news/a.md");
  from_a.set_title("from a");
  const Article other = MakeArticle(Name(1), "2023-07-01T00:00:00Z");
  // Whatever order the files were read in.
  for (const bool b_first : {true, false}) {
    SCOPED_TRACE(b_first ? "b.md first" : "a.md first");
    std::vector<Article> input = {from_b, other, from_a};
    if (!b_first) input = {from_a, other, from_b};

    const Catalog::BuildResult result = Catalog::Build(std::move(input));

    const Catalog& catalog = *result.catalog;
    EXPECT_EQ(catalog.size(), 2u);
    const std::optional<Article> kept = catalog.Find(Name(0xabc));
    ASSERT_TRUE(kept.has_value());
    EXPECT_EQ(kept->source_file(), "news/a.md");
    EXPECT_EQ(kept->title(), "from a");
    // The dropped article left nothing in the indexes.
    EXPECT_EQ(catalog.TopicPostings("ai"), nullptr);
    EXPECT_EQ(catalog.DomainPostings("b.example"), nullptr);
    EXPECT_THAT(catalog.TopicPostings("chips"), Pointee(ElementsAre(1u)));
    ASSERT_EQ(result.rejections.size(), 1u);
    EXPECT_EQ(result.rejections[0].code(), absl::StatusCode::kInvalidArgument);
    // Names the rejected file first, then the kept one.
    EXPECT_THAT(std::string(result.rejections[0].message()),
                AllOf(testing::StartsWith("news/b.md"), HasSubstr("news/a.md"),
                      HasSubstr(Name(0xabc))));
  }
}

TEST(CatalogTest, ThreeDuplicatesKeepOneAndReportTwo) {
  const Catalog::BuildResult result = Catalog::Build({
      MakeArticle(Name(7), "2023-07-01T00:00:00Z", {}, "", "z/c.md"),
      MakeArticle(Name(7), "2023-07-01T00:00:00Z", {}, "", "a/b.md"),
      MakeArticle(Name(7), "2023-07-01T00:00:00Z", {}, "", "m/a.md"),
  });
  EXPECT_EQ(result.catalog->size(), 1u);
  EXPECT_EQ(result.catalog->article(0).source_file(), "a/b.md");
  ASSERT_EQ(result.rejections.size(), 2u);
  std::vector<std::string> messages;
  for (const absl::Status& status : result.rejections) {
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(status.message()), HasSubstr("a/b.md"));
    messages.emplace_back(status.message());
  }
  EXPECT_THAT(messages, testing::UnorderedElementsAre(HasSubstr("z/c.md"),
                                                      HasSubstr("m/a.md")));
}

TEST(CatalogTest, VersionNamesTheContentWhateverTheLoadOrder) {
  const Article a = MakeArticle("articles/a", "2024-01-01T00:00:00Z", {"AI"});
  const Article b = MakeArticle("articles/b", "2024-01-02T00:00:00Z", {"EU"});
  const std::string version = Catalog::Build({a, b}).catalog->version();
  EXPECT_EQ(version.size(), 16u);
  EXPECT_EQ(Catalog::Build({b, a}).catalog->version(), version);

  Article changed = b;
  changed.set_title("a new title");
  EXPECT_NE(Catalog::Build({a, changed}).catalog->version(), version);
  EXPECT_NE(Catalog::Build({a}).catalog->version(), version);
  EXPECT_NE(Catalog::Build({}).catalog->version(), version);
}

TEST(CatalogTest, ContentHashIsUpdatedByTheChangeAlone) {
  const Article a = MakeArticle("articles/a", "2024-01-01T00:00:00Z", {"AI"});
  const Article b = MakeArticle("articles/b", "2024-01-02T00:00:00Z", {"EU"});
  Article c = MakeArticle("articles/c", "2023-05-02T00:00:00Z", {"EU"});
  c.set_title("another story");
  const std::shared_ptr<const Catalog> before = Catalog::Build({a, b}).catalog;
  const std::shared_ptr<const Catalog> after = Catalog::Build({c, a}).catalog;

  // b removed and c added, from their bytes alone: what a build of {a, c}
  // from scratch gives, whatever the catalog's order or size.
  MultisetHash updated = before->content_hash();
  updated.Remove(before->ArticleBytes(*before->IndexOf("articles/b"),
                                      v1::ARTICLE_VIEW_FULL));
  updated.Add(after->ArticleBytes(*after->IndexOf("articles/c"),
                                  v1::ARTICLE_VIEW_FULL));
  EXPECT_EQ(updated, after->content_hash());
  EXPECT_EQ(Catalog::VersionOf(updated), after->version());
  EXPECT_EQ(Catalog::VersionOf(before->content_hash()), before->version());
  EXPECT_EQ(after->content_hash().count(), 2u);
}

TEST(CatalogTest, ArticleBytesAreTheFullViewAndTheBasicViewIsTheirPrefix) {
  Article article = MakeArticle("articles/a", "2024-01-01T00:00:00Z", {"AI"});
  article.set_title("Title");
  article.set_body("Body");
  article.set_secured("token");
  article.add_related()->set_title("Related");
  (*article.mutable_extra_fields()->mutable_fields())["k"].set_string_value(
      "v");
  (*article.mutable_provider()->mutable_extra_fields()->mutable_fields())["p"]
      .set_bool_value(true);
  const auto catalog = Catalog::Build({article}).catalog;

  Article full;
  ASSERT_TRUE(full.ParseFromString(
      std::string(catalog->ArticleBytes(0, v1::ARTICLE_VIEW_FULL))));
  EXPECT_EQ(full.SerializeAsString(), catalog->article(0).SerializeAsString());

  const absl::string_view basic_bytes =
      catalog->ArticleBytes(0, v1::ARTICLE_VIEW_BASIC);
  EXPECT_LT(basic_bytes.size(),
            catalog->ArticleBytes(0, v1::ARTICLE_VIEW_FULL).size());
  Article basic;
  ASSERT_TRUE(basic.ParseFromString(std::string(basic_bytes)));
  EXPECT_EQ(basic.title(), "Title");
  EXPECT_EQ(basic.topics_size(), 1);
  // Nested messages keep their own extra fields; only the Article's fields
  // numbered 100 and up are FULL-only.
  EXPECT_EQ(basic.provider().extra_fields().fields_size(), 1);
  EXPECT_EQ(basic.related_size(), 0);
  EXPECT_EQ(basic.secured(), "");
  EXPECT_EQ(basic.body(), "");
  EXPECT_FALSE(basic.has_extra_fields());
}

TEST(CatalogTest, FieldViewsScannedFromTheBytesEqualTheArticlesFields) {
  CorpusOptions options;
  options.count = 300;
  std::vector<Article> articles;
  for (int i = 0; i < options.count; ++i) {
    articles.push_back(GenerateArticle(options, i));
  }
  const auto catalog = Catalog::Build(articles).catalog;
  ASSERT_EQ(catalog->size(), articles.size());
  for (ArticleIndex i = 0; i < catalog->size(); ++i) {
    const Article article = catalog->article(i);
    std::vector<absl::string_view> topics;
    const ArticleFields want = FieldsOf(article, &topics);
    const ArticleFields& got = catalog->fields(i);
    SCOPED_TRACE(article.name());
    EXPECT_EQ(got.name, want.name);
    EXPECT_EQ(got.category, want.category);
    EXPECT_EQ(got.title, want.title);
    EXPECT_EQ(got.excerpt, want.excerpt);
    EXPECT_EQ(got.type, want.type);
    EXPECT_EQ(got.provider_name, want.provider_name);
    EXPECT_EQ(got.provider_domain, want.provider_domain);
    EXPECT_THAT(got.topics, ElementsAreArray(want.topics));
    EXPECT_EQ(got.publish_time, want.publish_time);
    EXPECT_EQ(got.quality, want.quality);
    EXPECT_EQ(got.heat, want.heat);
    EXPECT_EQ(got.published, want.published);
  }
}

TEST(CatalogTest, ScanFieldsRefusesTruncatedBytes) {
  Article article = MakeArticle("articles/a", "2024-01-01T00:00:00Z", {"AI"});
  const std::string bytes = article.SerializeAsString();
  ArticleFields fields;
  std::vector<absl::string_view> topics;
  EXPECT_TRUE(ScanFields(bytes, &fields, &topics));
  EXPECT_EQ(fields.name, "articles/a");
  EXPECT_FALSE(ScanFields(bytes.substr(0, bytes.size() - 1), &fields, &topics));
}

TEST(CatalogTest, ScanUrlsReadsBothUrls) {
  Article article = MakeArticle("articles/a", "2024-01-01T00:00:00Z", {"AI"});
  article.set_original_url("https://a.example/x");
  article.set_web_url("https://www.msn.com/x");
  article.add_related()->set_web_url("https://linked.example/y");
  const auto catalog = Catalog::Build({article}).catalog;
  const std::string bytes(catalog->ArticleBytes(0, v1::ARTICLE_VIEW_FULL));
  absl::string_view original_url, web_url;
  ASSERT_TRUE(ScanUrls(bytes, &original_url, &web_url));
  EXPECT_EQ(original_url, "https://a.example/x");
  EXPECT_EQ(web_url, "https://www.msn.com/x");
  article.clear_web_url();
  const std::string without_web = article.SerializeAsString();
  ASSERT_TRUE(ScanUrls(without_web, &original_url, &web_url));
  EXPECT_EQ(original_url, "https://a.example/x");
  EXPECT_EQ(web_url, "");
  EXPECT_FALSE(
      ScanUrls("\x0a\x05"
               "ab",
               &original_url, &web_url));  // truncated
}

TEST(CatalogTest, VersionDoesNotDependOnMapOrderInExtraFields) {
  Article one = MakeArticle("articles/a", "2024-01-01T00:00:00Z");
  Article two = one;
  auto& first = *one.mutable_extra_fields()->mutable_fields();
  auto& second = *two.mutable_extra_fields()->mutable_fields();
  for (int i = 0; i < 50; ++i) first[absl::StrFormat("k%d", i)];
  for (int i = 49; i >= 0; --i) second[absl::StrFormat("k%d", i)];
  EXPECT_EQ(Catalog::Build({one}).catalog->version(),
            Catalog::Build({two}).catalog->version());
}

TEST(CatalogTest, FindReturnsTheArticleOrNull) {
  Article article = MakeArticle(Name(0x1234), "2023-07-01T00:00:00Z");
  article.set_title("Chips");
  const Catalog::BuildResult result =
      Catalog::Build({MakeArticle(Name(1), "2023-07-02T00:00:00Z"), article});
  const Catalog& catalog = *result.catalog;

  const std::optional<Article> found = catalog.Find(Name(0x1234));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->title(), "Chips");
  EXPECT_EQ(catalog.IndexOf(Name(0x1234)), 0u);
  EXPECT_EQ(found->SerializeAsString(), catalog.article(0).SerializeAsString());
  EXPECT_EQ(catalog.Find(Name(0x1235)), std::nullopt);
  EXPECT_EQ(catalog.Find(""), std::nullopt);
  EXPECT_EQ(catalog.Find("articles/0000000000001234 "), std::nullopt);
  EXPECT_EQ(catalog.IndexOf(Name(0x1235)), std::nullopt);
}

TEST(CatalogTest, TopicPostingsAreKeyedByNormalizedTopic) {
  const Catalog::BuildResult result = Catalog::Build({
      MakeArticle(Name(1), "2023-07-01T00:00:00Z", {"AI Hardware"}),
      MakeArticle(Name(2), "2023-07-02T00:00:00Z", {"  ai hardware "}),
      MakeArticle(Name(3), "2023-07-03T00:00:00Z", {"Chips"}),
      MakeArticle(Name(4), "2023-07-04T00:00:00Z", {"AI HARDWARE", "chips"}),
  });
  const Catalog& catalog = *result.catalog;
  EXPECT_THAT(catalog.TopicPostings("ai hardware"),
              Pointee(ElementsAre(0u, 1u, 3u)));
  EXPECT_THAT(catalog.TopicPostings("chips"), Pointee(ElementsAre(2u, 3u)));
  // Lookups take the normalized form.
  EXPECT_EQ(catalog.TopicPostings("AI Hardware"), nullptr);
  EXPECT_EQ(catalog.TopicPostings("robots"), nullptr);
  // Topics are stored as the seed wrote them.
  EXPECT_THAT(catalog.article(1).topics(), ElementsAre("  ai hardware "));
}

TEST(CatalogTest, DomainPostingsAreKeyedByNormalizedDomain) {
  const Catalog::BuildResult result = Catalog::Build({
      MakeArticle(Name(1), "2023-07-01T00:00:00Z", {}, "WSJ.com"),
      MakeArticle(Name(2), "2023-07-02T00:00:00Z", {}, " wsj.com\t"),
      MakeArticle(Name(3), "2023-07-03T00:00:00Z", {}, "ft.com"),
      MakeArticle(Name(4), "2023-07-04T00:00:00Z", {}, ""),
  });
  const Catalog& catalog = *result.catalog;
  EXPECT_THAT(catalog.DomainPostings("wsj.com"), Pointee(ElementsAre(0u, 1u)));
  EXPECT_THAT(catalog.DomainPostings("ft.com"), Pointee(ElementsAre(2u)));
  EXPECT_EQ(catalog.DomainPostings("WSJ.com"), nullptr);
  // An article without a domain is not posted under "".
  EXPECT_EQ(catalog.DomainPostings(""), nullptr);
  EXPECT_EQ(catalog.domain_key(0), "wsj.com");
  EXPECT_EQ(catalog.domain_key(1), "wsj.com");
  EXPECT_EQ(catalog.domain_key(3), "");
}

TEST(CatalogTest, TopicKeysFoldAccents) {
  const Catalog::BuildResult result = Catalog::Build({
      MakeArticle(Name(1), "2023-07-01T00:00:00Z", {"Économie"}),
      MakeArticle(Name(2), "2023-07-02T00:00:00Z", {" economie "}),
      MakeArticle(Name(3), "2023-07-03T00:00:00Z", {"ÉCONOMIE"}),
  });
  EXPECT_EQ(NormalizeKey(" Économie "), "economie");
  EXPECT_THAT(result.catalog->TopicPostings("economie"),
              Pointee(ElementsAre(0u, 1u, 2u)));
}

// Index numbers each spelling once and reuses it: spellings that recur, or
// that fold to a key another spelling made, share that key's number.
TEST(CatalogTest, RecurringSpellingsShareOneNumber) {
  const Catalog::BuildResult result = Catalog::Build({
      MakeArticle(Name(1), "2023-07-01T00:00:00Z", {"AI"}, "WSJ.com"),
      MakeArticle(Name(2), "2023-07-02T00:00:00Z", {"ai", "Chips"}, "  "),
      MakeArticle(Name(3), "2023-07-03T00:00:00Z", {"AI"}, "wsj.com"),
      MakeArticle(Name(4), "2023-07-04T00:00:00Z", {"Chips", "AI"}, "  "),
      MakeArticle(Name(5), "2023-07-05T00:00:00Z", {"ai"}, "WSJ.com"),
  });
  const Catalog& catalog = *result.catalog;
  EXPECT_THAT(catalog.TopicPostings("ai"),
              Pointee(ElementsAre(0u, 1u, 2u, 3u, 4u)));
  EXPECT_THAT(catalog.TopicPostings("chips"), Pointee(ElementsAre(1u, 3u)));
  ASSERT_EQ(catalog.topic_count(), 2u);
  EXPECT_EQ(catalog.topic_name(catalog.TopicIds(0)[0]), "AI");
  for (ArticleIndex i = 1; i < 5; ++i) {
    EXPECT_EQ(catalog.TopicIds(i)[0], catalog.TopicIds(0)[0]) << i;
  }
  EXPECT_THAT(catalog.DomainPostings("wsj.com"),
              Pointee(ElementsAre(0u, 2u, 4u)));
  ASSERT_EQ(catalog.domain_count(), 1u);
  EXPECT_EQ(catalog.DomainId(1), Catalog::kNoDomain);
  EXPECT_EQ(catalog.DomainId(3), Catalog::kNoDomain);
  EXPECT_EQ(catalog.DomainId(4), catalog.DomainId(0));
  EXPECT_EQ(catalog.domain_key(4), "wsj.com");
}

TEST(CatalogTest, ArticleListingATopicTwiceIsPostedOnce) {
  const Catalog::BuildResult result = Catalog::Build({
      MakeArticle(Name(1), "2023-07-01T00:00:00Z", {"AI", "Chips", " ai"}),
      MakeArticle(Name(2), "2023-07-02T00:00:00Z", {"ai", "AI"}),
  });
  const Catalog& catalog = *result.catalog;
  EXPECT_THAT(catalog.TopicPostings("ai"), Pointee(ElementsAre(0u, 1u)));
  EXPECT_THAT(catalog.TopicPostings("chips"), Pointee(ElementsAre(0u)));
}

class CatalogBoundsTest : public testing::Test {
 protected:
  CatalogBoundsTest()
      : result_(Catalog::Build({
            MakeArticle(Name(0x50), "2023-07-03T00:00:00Z"),
            MakeArticle(Name(0x30), "2023-07-02T00:00:00Z"),
            MakeArticle(Name(0x10), "2023-07-02T00:00:00Z"),
            MakeArticle(Name(0x99), "2023-07-01T00:00:00Z"),
            MakeArticle(Name(0x20), "2023-07-02T00:00:00Z"),
        })),
        catalog_(*result_.catalog) {}

  // Index: 0       1       2       3       4
  // Time:  07-01   07-02   07-02   07-02   07-03
  // Name:  0x99    0x10    0x20    0x30    0x50
  const Catalog::BuildResult result_;
  const Catalog& catalog_;
  const absl::Time day1_ = Rfc3339("2023-07-01T00:00:00Z");
  const absl::Time day2_ = Rfc3339("2023-07-02T00:00:00Z");
  const absl::Time day3_ = Rfc3339("2023-07-03T00:00:00Z");
};

TEST_F(CatalogBoundsTest, LayoutIsAsExpected) {
  EXPECT_THAT(
      AllNames(catalog_),
      ElementsAre(Name(0x99), Name(0x10), Name(0x20), Name(0x30), Name(0x50)));
}

TEST_F(CatalogBoundsTest, LowerBoundByTimeIsFirstOfTheTies) {
  EXPECT_EQ(catalog_.LowerBound(day1_ - absl::Seconds(1)), 0u);
  EXPECT_EQ(catalog_.LowerBound(day1_), 0u);
  EXPECT_EQ(catalog_.LowerBound(day1_ + absl::Nanoseconds(1)), 1u);
  EXPECT_EQ(catalog_.LowerBound(day2_), 1u);
  EXPECT_EQ(catalog_.LowerBound(day2_ + absl::Nanoseconds(1)), 4u);
  EXPECT_EQ(catalog_.LowerBound(day3_), 4u);
  EXPECT_EQ(catalog_.LowerBound(day3_ + absl::Nanoseconds(1)), 5u);
}

TEST_F(CatalogBoundsTest, LowerAndUpperBoundOnAnExistingPosition) {
  EXPECT_EQ(catalog_.LowerBound(day2_, Name(0x10)), 1u);
  EXPECT_EQ(catalog_.UpperBound(day2_, Name(0x10)), 2u);
  EXPECT_EQ(catalog_.LowerBound(day2_, Name(0x20)), 2u);
  EXPECT_EQ(catalog_.UpperBound(day2_, Name(0x20)), 3u);
  EXPECT_EQ(catalog_.LowerBound(day2_, Name(0x30)), 3u);
  EXPECT_EQ(catalog_.UpperBound(day2_, Name(0x30)), 4u);
  EXPECT_EQ(catalog_.LowerBound(day1_, Name(0x99)), 0u);
  EXPECT_EQ(catalog_.UpperBound(day1_, Name(0x99)), 1u);
  EXPECT_EQ(catalog_.LowerBound(day3_, Name(0x50)), 4u);
  EXPECT_EQ(catalog_.UpperBound(day3_, Name(0x50)), 5u);
}

TEST_F(CatalogBoundsTest, LowerAndUpperBoundOnAMissingPosition) {
  // Between 0x10 and 0x20 at the same time.
  EXPECT_EQ(catalog_.LowerBound(day2_, Name(0x15)), 2u);
  EXPECT_EQ(catalog_.UpperBound(day2_, Name(0x15)), 2u);
  // Before every name at that time.
  EXPECT_EQ(catalog_.LowerBound(day2_, ""), 1u);
  EXPECT_EQ(catalog_.UpperBound(day2_, ""), 1u);
  // After every name at that time.
  EXPECT_EQ(catalog_.LowerBound(day2_, Name(0xfff)), 4u);
  EXPECT_EQ(catalog_.UpperBound(day2_, Name(0xfff)), 4u);
  // A name that exists, at a time where it does not.
  EXPECT_EQ(catalog_.LowerBound(day1_, Name(0x10)), 0u);
  EXPECT_EQ(catalog_.UpperBound(day1_, Name(0x10)), 0u);
  // Outside the catalog.
  EXPECT_EQ(catalog_.UpperBound(day1_ - absl::Hours(1), Name(0x99)), 0u);
  EXPECT_EQ(catalog_.LowerBound(day3_ + absl::Hours(1), Name(0)), 5u);
  EXPECT_EQ(catalog_.UpperBound(day3_ + absl::Hours(1), Name(0)), 5u);
}

// The FULL bytes of every article of `catalog`, in catalog order: what a
// snapshot holds.
std::vector<std::string> BytesOf(const Catalog& catalog) {
  std::vector<std::string> wire;
  for (ArticleIndex i = 0; i < catalog.size(); ++i) {
    wire.emplace_back(catalog.ArticleBytes(i, v1::ARTICLE_VIEW_FULL));
  }
  return wire;
}

TEST(CatalogTest, FromCatalogBytesGivesTheSameCatalog) {
  const Catalog::BuildResult built = Catalog::Build({
      MakeArticle(Name(0x30), "2023-07-02T00:00:00Z", {"AI", "Chips"},
                  "ft.com"),
      MakeArticle(Name(0x20), "2023-07-01T12:00:00Z", {"ai"}),
      MakeArticle(Name(0x10), "2023-07-01T12:00:00Z", {}, "Reuters.com"),
  });
  const absl::StatusOr<std::shared_ptr<const Catalog>> again =
      Catalog::FromCatalogBytes(BytesOf(*built.catalog));
  ASSERT_TRUE(again.ok()) << again.status();
  const Catalog& copy = **again;
  EXPECT_EQ(copy.version(), built.catalog->version());
  EXPECT_EQ(AllNames(copy), AllNames(*built.catalog));
  EXPECT_EQ(BytesOf(copy), BytesOf(*built.catalog));
  for (ArticleIndex i = 0; i < copy.size(); ++i) {
    EXPECT_EQ(copy.ArticleBytes(i, v1::ARTICLE_VIEW_BASIC),
              built.catalog->ArticleBytes(i, v1::ARTICLE_VIEW_BASIC));
  }
  EXPECT_THAT(copy.TopicPostings("ai"), Pointee(ElementsAre(1, 2)));
  EXPECT_THAT(copy.DomainPostings("reuters.com"), Pointee(ElementsAre(0)));
  EXPECT_EQ(copy.IndexOf(Name(0x20)), 1u);
}

TEST(CatalogTest, FromCatalogBytesRefusesWhatIsNotACatalog) {
  const Catalog::BuildResult built = Catalog::Build({
      MakeArticle(Name(0x30), "2023-07-02T00:00:00Z"),
      MakeArticle(Name(0x20), "2023-07-01T12:00:00Z"),
      MakeArticle(Name(0x10), "2023-07-01T12:00:00Z"),
  });
  const std::vector<std::string> wire = BytesOf(*built.catalog);

  std::vector<std::string> swapped = wire;
  std::swap(swapped[0], swapped[2]);
  absl::StatusOr<std::shared_ptr<const Catalog>> catalog =
      Catalog::FromCatalogBytes(swapped);
  EXPECT_EQ(catalog.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(catalog.status().message()),
              HasSubstr("out of catalog order"));

  catalog = Catalog::FromCatalogBytes({wire[0], wire[0]});
  EXPECT_EQ(catalog.status().code(), absl::StatusCode::kInvalidArgument);

  catalog = Catalog::FromCatalogBytes({wire[0], "\xff\xff\xff"});
  EXPECT_EQ(catalog.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(catalog.status().message()),
              HasSubstr("article 2 is not a well-formed Article"));

  catalog = Catalog::FromCatalogBytes({});
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ((*catalog)->size(), 0u);
}

// Enough articles that two threads scan them, half each.
constexpr int kTwoThreadArticles = 9000;

std::shared_ptr<const Catalog> GeneratedCatalog(int count) {
  CorpusOptions options;
  options.count = count;
  std::vector<v1::Article> articles;
  for (int i = 0; i < count; ++i)
    articles.push_back(GenerateArticle(options, i));
  return Catalog::Build(std::move(articles)).catalog;
}

// A stream or a page of neighbours reads neighbouring memory: Build lays the
// articles' bytes out one after another in catalog order, whichever of its
// two threads wrote them, each what the article serializes to.
TEST(CatalogTest, BuildLaysTheArticlesOutOneAfterAnotherInCatalogOrder) {
  CorpusOptions options;
  options.count = kTwoThreadArticles;
  std::vector<v1::Article> articles;
  for (int i = 0; i < options.count; ++i) {
    articles.push_back(GenerateArticle(options, i));
  }
  const std::shared_ptr<const Catalog> catalog =
      Catalog::Build(articles).catalog;
  ASSERT_EQ(catalog->size(), articles.size());
  absl::flat_hash_map<std::string, const v1::Article*> by_name;
  for (const v1::Article& article : articles) {
    by_name[article.name()] = &article;
  }
  for (ArticleIndex i = 0; i < catalog->size(); ++i) {
    const absl::string_view bytes =
        catalog->ArticleBytes(i, v1::ARTICLE_VIEW_FULL);
    if (i + 1 < catalog->size()) {
      ASSERT_EQ(catalog->ArticleBytes(i + 1, v1::ARTICLE_VIEW_FULL).data(),
                bytes.data() + bytes.size())
          << i;
    }
    const v1::Article* article = by_name[catalog->fields(i).name];
    ASSERT_NE(article, nullptr) << i;
    v1::Article parsed;
    ASSERT_TRUE(
        parsed.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        << i;
    // Build points related links at the articles they name; the rest is
    // the article as given.
    v1::Article expected = *article;
    for (v1::RelatedLink& link : *expected.mutable_related()) {
      link.clear_article();
    }
    for (v1::RelatedLink& link : *parsed.mutable_related()) {
      link.clear_article();
    }
    ASSERT_TRUE(
        google::protobuf::util::MessageDifferencer::Equals(parsed, expected))
        << i;
  }
}

TEST(CatalogTest, FromCatalogBytesScannedOnTwoThreadsGivesTheSameIndexes) {
  const std::shared_ptr<const Catalog> built =
      GeneratedCatalog(kTwoThreadArticles);
  const absl::StatusOr<std::shared_ptr<const Catalog>> again =
      Catalog::FromCatalogBytes(BytesOf(*built));
  ASSERT_TRUE(again.ok()) << again.status();
  const Catalog& copy = **again;
  ASSERT_EQ(copy.size(), built->size());
  for (ArticleIndex i = 0; i < copy.size(); ++i) {
    const ArticleFields& a = copy.fields(i);
    const ArticleFields& b = built->fields(i);
    ASSERT_EQ(a.name, b.name) << i;
    ASSERT_EQ(a.title, b.title) << i;
    ASSERT_EQ(a.provider_domain, b.provider_domain) << i;
    ASSERT_EQ(std::vector<absl::string_view>(a.topics.begin(), a.topics.end()),
              std::vector<absl::string_view>(b.topics.begin(), b.topics.end()))
        << i;
    ASSERT_EQ(copy.publish_time(i), built->publish_time(i)) << i;
    ASSERT_EQ(copy.ArticleBytes(i, v1::ARTICLE_VIEW_BASIC),
              built->ArticleBytes(i, v1::ARTICLE_VIEW_BASIC))
        << i;
    ASSERT_EQ(copy.IndexOf(a.name), i);
  }
  ASSERT_EQ(copy.topic_count(), built->topic_count());
  for (uint32_t t = 0; t < copy.topic_count(); ++t) {
    EXPECT_EQ(*copy.TopicPostings(copy.topic_key(t)),
              *built->TopicPostings(copy.topic_key(t)));
  }
  EXPECT_TRUE(copy.text_index().SamePostingsAs(built->text_index()));
}

TEST(CatalogTest, FromCatalogBytesOnTwoThreadsNamesTheFirstBadArticle) {
  const std::vector<std::string> wire =
      BytesOf(*GeneratedCatalog(kTwoThreadArticles));
  const auto error = [](std::vector<std::string> articles) {
    absl::StatusOr<std::shared_ptr<const Catalog>> catalog =
        Catalog::FromCatalogBytes(std::move(articles));
    EXPECT_EQ(catalog.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(catalog.status().message());
  };
  const int half = kTwoThreadArticles / 2;
  std::vector<std::string> bad = wire;
  bad[half + 1500] = "\xff\xff\xff";
  EXPECT_THAT(error(bad),
              HasSubstr(absl::StrFormat(
                  "article %d is not a well-formed Article", half + 1501)));
  bad[100] = "\xff\xff\xff";
  EXPECT_THAT(error(bad),
              HasSubstr("article 101 is not a well-formed Article"));
  // The two articles either side of where the halves meet, swapped.
  bad = wire;
  std::swap(bad[half - 1], bad[half]);
  EXPECT_THAT(error(bad), HasSubstr(absl::StrFormat("article %d (", half + 1)));
  EXPECT_THAT(error(bad), HasSubstr("out of catalog order"));
  // The same a little further on, in the second half.
  bad = wire;
  std::swap(bad[half + 10], bad[half + 11]);
  EXPECT_THAT(error(bad),
              HasSubstr(absl::StrFormat("article %d (", half + 12)));
}

}  // namespace
}  // namespace newsmeta
