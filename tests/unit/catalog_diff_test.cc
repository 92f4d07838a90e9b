#include "catalog/catalog_diff.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "newsmeta/v1/article.pb.h"
#include "test_util.h"

namespace newsmeta {
namespace {

namespace v1 = ::newsmeta::v1;
using ::newsmeta::v1::Article;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

Article MakeArticle(int id, const std::string& time, const std::string& title) {
  Article article;
  article.set_name(Name(id));
  article.set_title(title);
  SetTime(Rfc3339(time), article.mutable_publish_time());
  article.set_source_file(absl::StrCat(id, ".md"));
  return article;
}

std::vector<std::string> Names(const SegmentedCatalog& catalog,
                               const std::vector<ArticleRef>& articles) {
  std::vector<std::string> names;
  for (const ArticleRef article : articles) {
    names.emplace_back(catalog.fields(article).name);
  }
  return names;
}

std::vector<std::string> Names(const Catalog& catalog,
                               const std::vector<ArticleRef>& articles) {
  return Names(SegmentedCatalog(catalog), articles);
}

// The diff of two single catalogs.
CatalogDiff Diff(const Catalog& before, const Catalog& after) {
  return DiffCatalogs(SegmentedCatalog(before), SegmentedCatalog(after));
}

TEST(CatalogDiffTest, FindsAddedChangedAndRemovedArticles) {
  const auto before =
      Catalog::Build({MakeArticle(1, "2024-01-01T00:00:00Z", "one"),
                      MakeArticle(2, "2024-01-02T00:00:00Z", "two"),
                      MakeArticle(3, "2024-01-03T00:00:00Z", "three")})
          .catalog;
  const auto after =
      Catalog::Build({MakeArticle(5, "2024-01-05T00:00:00Z", "five"),
                      MakeArticle(2, "2024-01-02T00:00:00Z", "two, edited"),
                      MakeArticle(3, "2024-01-03T00:00:00Z", "three"),
                      MakeArticle(4, "2023-12-31T00:00:00Z", "four")})
          .catalog;
  const CatalogDiff diff = Diff(*before, *after);
  // In catalog order: publish time, then name.
  EXPECT_THAT(Names(*after, diff.added), ElementsAre(Name(4), Name(5)));
  EXPECT_THAT(Names(*after, diff.changed), ElementsAre(Name(2)));
  EXPECT_THAT(Names(*before, diff.removed), ElementsAre(Name(1)));
  EXPECT_FALSE(diff.empty());
}

TEST(CatalogDiffTest, SameContentIsAnEmptyDiff) {
  const std::vector<Article> articles = {
      MakeArticle(1, "2024-01-01T00:00:00Z", "one"),
      MakeArticle(2, "2024-01-02T00:00:00Z", "two")};
  const auto a = Catalog::Build(articles).catalog;
  const auto b = Catalog::Build(articles).catalog;
  EXPECT_TRUE(Diff(*a, *b).empty());
  EXPECT_TRUE(Diff(*a, *a).empty());
}

TEST(CatalogDiffTest, FromAndToAnEmptyCatalog) {
  const auto empty = Catalog::Build({}).catalog;
  const auto one =
      Catalog::Build({MakeArticle(1, "2024-01-01T00:00:00Z", "one")}).catalog;
  EXPECT_THAT(Names(*one, Diff(*empty, *one).added), ElementsAre(Name(1)));
  const CatalogDiff gone = Diff(*one, *empty);
  EXPECT_THAT(Names(*one, gone.removed), ElementsAre(Name(1)));
  EXPECT_THAT(gone.added, IsEmpty());
  EXPECT_THAT(gone.changed, IsEmpty());
}

TEST(CatalogDiffTest, ADeltaSegmentIsDiffedByItsChangeAlone) {
  // The base: 1, 2, 3. Then a delta segment replaces 2, adds 4 and 5, and
  // the base's 1 is removed: the diff the whole catalogs would give.
  const auto base =
      Catalog::Build({MakeArticle(1, "2024-01-01T00:00:00Z", "one"),
                      MakeArticle(2, "2024-01-02T00:00:00Z", "two"),
                      MakeArticle(3, "2024-01-03T00:00:00Z", "three")})
          .catalog;
  const auto delta =
      Catalog::Build({MakeArticle(2, "2024-01-02T00:00:00Z", "two, edited"),
                      MakeArticle(5, "2024-01-05T00:00:00Z", "five"),
                      MakeArticle(4, "2023-12-31T00:00:00Z", "four")})
          .catalog;
  const auto before = SegmentedCatalog::Of(base);
  MultisetHash content_hash = base->content_hash();
  std::vector<ArticleIndex> deleted;
  for (const int id : {1, 2}) {
    const ArticleIndex i = *base->IndexOf(Name(id));
    deleted.push_back(i);
    content_hash.Remove(base->ArticleBytes(i, v1::ARTICLE_VIEW_FULL));
  }
  content_hash.Add(delta->content_hash());
  const auto after = SegmentedCatalog::Make(
      {{base, std::make_shared<const DeletionSet>(deleted, base->size())},
       {delta, nullptr}},
      content_hash);
  const CatalogDiff diff = DiffCatalogs(*before, *after);
  EXPECT_THAT(Names(*after, diff.added), ElementsAre(Name(4), Name(5)));
  EXPECT_THAT(Names(*after, diff.changed), ElementsAre(Name(2)));
  EXPECT_THAT(Names(*before, diff.removed), ElementsAre(Name(1)));
  // The deltas merged into one with a new article (6), the base kept: the
  // diff is that article alone.
  const auto six =
      Catalog::Build({MakeArticle(6, "2024-01-06T00:00:00Z", "six")}).catalog;
  MultisetHash deltas_hash = delta->content_hash();
  deltas_hash.Add(six->content_hash());
  const auto merged_delta =
      *SegmentedCatalog::Make({{delta, nullptr}, {six, nullptr}}, deltas_hash)
           ->Merge();
  MultisetHash later_hash = content_hash;
  later_hash.Add(six->content_hash());
  const auto later = SegmentedCatalog::Make(
      {{base, std::make_shared<const DeletionSet>(deleted, base->size())},
       {merged_delta, nullptr}},
      later_hash);
  const CatalogDiff next = DiffCatalogs(*after, *later);
  EXPECT_THAT(Names(*later, next.added), ElementsAre(Name(6)));
  EXPECT_THAT(next.changed, IsEmpty());
  EXPECT_THAT(next.removed, IsEmpty());

  // The same as between the merged catalogs (compared article by article).
  const auto merged = *after->Merge();
  const CatalogDiff whole = Diff(*base, *merged);
  EXPECT_THAT(Names(*merged, whole.added), ElementsAre(Name(4), Name(5)));
  EXPECT_THAT(Names(*merged, whole.changed), ElementsAre(Name(2)));
  EXPECT_THAT(Names(*base, whole.removed), ElementsAre(Name(1)));
}

// A segment in the middle rewritten without its deleted articles (a purge),
// a delta added after the others: only those are compared, and the diff is
// what the merged catalogs give.
TEST(CatalogDiffTest, ASegmentPurgedInTheMiddleIsComparedAlone) {
  const auto one =
      Catalog::Build({MakeArticle(1, "2024-01-01T00:00:00Z", "one"),
                      MakeArticle(2, "2024-01-02T00:00:00Z", "two")})
          .catalog;
  const auto two =
      Catalog::Build({MakeArticle(3, "2024-01-03T00:00:00Z", "three"),
                      MakeArticle(4, "2024-01-04T00:00:00Z", "four"),
                      MakeArticle(5, "2024-01-05T00:00:00Z", "five")})
          .catalog;
  const auto three =
      Catalog::Build({MakeArticle(6, "2024-01-06T00:00:00Z", "six")}).catalog;
  MultisetHash hash = one->content_hash();
  hash.Add(two->content_hash());
  hash.Add(three->content_hash());
  // Article 3 deleted in the middle segment.
  const ArticleIndex three_at = *two->IndexOf(Name(3));
  MultisetHash before_hash = hash;
  before_hash.Remove(two->ArticleBytes(three_at, v1::ARTICLE_VIEW_FULL));
  const auto before = SegmentedCatalog::Make(
      {{one, nullptr},
       {two, std::make_shared<const DeletionSet>(
                 std::vector<ArticleIndex>{three_at}, two->size())},
       {three, nullptr}},
      before_hash);
  // After: the middle segment purged (4 and 5), with 5 edited in a delta
  // and 7 added; 1 deleted in the first segment.
  const auto purged =
      Catalog::Build({MakeArticle(4, "2024-01-04T00:00:00Z", "four"),
                      MakeArticle(5, "2024-01-05T00:00:00Z", "five")})
          .catalog;
  const auto delta =
      Catalog::Build({MakeArticle(5, "2024-01-05T00:00:00Z", "five, edited"),
                      MakeArticle(7, "2024-01-07T00:00:00Z", "seven")})
          .catalog;
  const ArticleIndex five_at = *purged->IndexOf(Name(5));
  const ArticleIndex one_at = *one->IndexOf(Name(1));
  MultisetHash after_hash = one->content_hash();
  after_hash.Remove(one->ArticleBytes(one_at, v1::ARTICLE_VIEW_FULL));
  after_hash.Add(purged->content_hash());
  after_hash.Remove(purged->ArticleBytes(five_at, v1::ARTICLE_VIEW_FULL));
  after_hash.Add(three->content_hash());
  after_hash.Add(delta->content_hash());
  const auto after = SegmentedCatalog::Make(
      {{one, std::make_shared<const DeletionSet>(
                 std::vector<ArticleIndex>{one_at}, one->size())},
       {purged, std::make_shared<const DeletionSet>(
                    std::vector<ArticleIndex>{five_at}, purged->size())},
       {three, nullptr},
       {delta, nullptr}},
      after_hash);
  const CatalogDiff diff = DiffCatalogs(*before, *after);
  EXPECT_THAT(Names(*after, diff.added), ElementsAre(Name(7)));
  EXPECT_THAT(Names(*after, diff.changed), ElementsAre(Name(5)));
  EXPECT_THAT(Names(*before, diff.removed), ElementsAre(Name(1)));
  // The same as between the merged catalogs.
  const auto merged_before = *before->Merge();
  const auto merged_after = *after->Merge();
  const CatalogDiff whole = Diff(*merged_before, *merged_after);
  EXPECT_EQ(Names(*merged_after, whole.added), Names(*after, diff.added));
  EXPECT_EQ(Names(*merged_after, whole.changed), Names(*after, diff.changed));
  EXPECT_EQ(Names(*merged_before, whole.removed), Names(*before, diff.removed));
}

}  // namespace
}  // namespace newsmeta
