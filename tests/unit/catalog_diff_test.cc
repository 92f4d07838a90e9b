#include "catalog/catalog_diff.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "newsmeta/v1/article.pb.h"
#include "test_util.h"

namespace newsmeta {
namespace {

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

std::vector<std::string> Names(const Catalog& catalog,
                               const std::vector<ArticleIndex>& indexes) {
  std::vector<std::string> names;
  for (const ArticleIndex i : indexes) {
    names.emplace_back(catalog.fields(i).name);
  }
  return names;
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
  const CatalogDiff diff = DiffCatalogs(*before, *after);
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
  EXPECT_TRUE(DiffCatalogs(*a, *b).empty());
  EXPECT_TRUE(DiffCatalogs(*a, *a).empty());
}

TEST(CatalogDiffTest, FromAndToAnEmptyCatalog) {
  const auto empty = Catalog::Build({}).catalog;
  const auto one =
      Catalog::Build({MakeArticle(1, "2024-01-01T00:00:00Z", "one")}).catalog;
  EXPECT_THAT(DiffCatalogs(*empty, *one).added, ElementsAre(0u));
  const CatalogDiff gone = DiffCatalogs(*one, *empty);
  EXPECT_THAT(gone.removed, ElementsAre(0u));
  EXPECT_THAT(gone.added, IsEmpty());
  EXPECT_THAT(gone.changed, IsEmpty());
}

}  // namespace
}  // namespace newsmeta
