// BuildCatalog (articles serialized as parsed) against Catalog::Build of
// the same messages, and the loader's serialized mode against its messages.
#include "catalog/serialized_article.h"

#include <algorithm>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "gen_seeds/corpus.h"
#include "gtest/gtest.h"
#include "loader/seed_loader.h"
#include "test_util.h"

namespace newsmeta {
namespace {

namespace v1 = ::newsmeta::v1;

// Generated articles (some related links point at others), and copies of a
// few under other source files, sorting before and after the original.
std::vector<v1::Article> Corpus(int count) {
  CorpusOptions options;
  options.count = count;
  options.seed = 42;
  std::vector<v1::Article> articles;
  for (int i = 0; i < count; ++i) {
    articles.push_back(GenerateArticle(options, i));
  }
  for (int i = 0; i < count; i += 17) {
    v1::Article copy = articles[i];
    copy.set_source_file(i % 2 == 0 ? "0-first.txt" : "zz/last.txt");
    articles.push_back(copy);
  }
  return articles;
}

std::vector<std::string> Bytes(const Catalog& catalog) {
  std::vector<std::string> bytes;
  for (ArticleIndex i = 0; i < catalog.size(); ++i) {
    bytes.emplace_back(catalog.ArticleBytes(i, v1::ARTICLE_VIEW_FULL));
  }
  return bytes;
}

std::vector<std::string> Messages(const std::vector<absl::Status>& statuses) {
  std::vector<std::string> messages;
  for (const absl::Status& status : statuses) {
    messages.emplace_back(status.message());
  }
  std::sort(messages.begin(), messages.end());
  return messages;
}

TEST(SerializedArticleTest, BuildsWhatCatalogBuildBuilds) {
  const std::vector<v1::Article> articles = Corpus(600);
  std::vector<SerializedArticle> serialized;
  for (const v1::Article& article : articles) {
    serialized.push_back(SerializeArticle(article));
  }
  const Catalog::BuildResult want = Catalog::Build(articles);
  const Catalog::BuildResult got = BuildCatalog(std::move(serialized));
  ASSERT_NE(got.catalog, nullptr);
  EXPECT_EQ(Bytes(*got.catalog), Bytes(*want.catalog));
  EXPECT_EQ(got.catalog->version(), want.catalog->version());
  EXPECT_EQ(Messages(got.rejections), Messages(want.rejections));
  EXPECT_FALSE(got.rejections.empty());
  // Some related links were linked (so some articles were serialized again).
  int linked = 0;
  for (ArticleIndex i = 0; i < got.catalog->size(); ++i) {
    const v1::Article article = got.catalog->article(i);
    for (const auto& link : article.related()) {
      linked += link.article().empty() ? 0 : 1;
    }
  }
  EXPECT_GT(linked, 0);
}

TEST(SerializedArticleTest, SegmentsAreTheCatalogInRunsOfBoundedSize) {
  const std::vector<v1::Article> articles = Corpus(600);
  const auto serialize = [&] {
    std::vector<SerializedArticle> serialized;
    for (const v1::Article& article : articles) {
      serialized.push_back(SerializeArticle(article));
    }
    return serialized;
  };
  const Catalog::BuildResult whole = BuildCatalog(serialize());
  const size_t n = whole.catalog->size();
  for (const size_t most : {size_t{1000}, n, n - 1, size_t{97}, size_t{1}}) {
    const SegmentsBuildResult got = BuildCatalogSegments(serialize(), most);
    const size_t count = (n + most - 1) / most;
    ASSERT_EQ(got.segments.size(), count) << most;
    std::vector<std::string> joined;
    MultisetHash content_hash;
    for (const auto& segment : got.segments) {
      EXPECT_LE(segment->size(), most);
      EXPECT_GE(segment->size(), n / count);  // about the same sizes
      const std::vector<std::string> bytes = Bytes(*segment);
      joined.insert(joined.end(), bytes.begin(), bytes.end());
      content_hash.Add(segment->content_hash());
    }
    EXPECT_EQ(joined, Bytes(*whole.catalog)) << most;
    EXPECT_EQ(Catalog::VersionOf(content_hash), whole.catalog->version());
    EXPECT_EQ(Messages(got.rejections), Messages(whole.rejections));
  }
  const SegmentsBuildResult none = BuildCatalogSegments({}, 10);
  ASSERT_EQ(none.segments.size(), 1u);
  EXPECT_EQ(none.segments[0]->size(), 0u);
}

TEST(SerializedArticleTest, KeepsTheFieldsABuildNeeds) {
  v1::Article article;
  article.set_name("articles/0123456789abcdef");
  article.set_source_file("a/b.txt");
  article.mutable_publish_time()->set_seconds(1700000000);
  article.mutable_publish_time()->set_nanos(5);
  article.set_original_url("https://x.example/a");
  article.add_related()->set_web_url("https://y.example/b");
  article.add_related()->set_web_url("https://z.example/c");
  const SerializedArticle serialized = SerializeArticle(article);
  v1::Article parsed;
  ASSERT_TRUE(parsed.ParseFromString(serialized.bytes));
  EXPECT_EQ(parsed.SerializeAsString(), article.SerializeAsString());
  EXPECT_EQ(serialized.name, article.name());
  EXPECT_EQ(serialized.source_file, "a/b.txt");
  EXPECT_EQ(serialized.publish_seconds, 1700000000);
  EXPECT_EQ(serialized.publish_nanos, 5);
  EXPECT_EQ(serialized.original_url, "https://x.example/a");
  EXPECT_EQ(serialized.web_url, "");
  EXPECT_EQ(
      serialized.related_urls,
      (std::vector<std::string>{"https://y.example/b", "https://z.example/c"}));
}

TEST(SerializedArticleTest, TheLoaderSerializesWhatItParses) {
  TempFolder folder;
  CorpusOptions options;
  options.count = 60;
  options.seed = 7;
  for (int i = 0; i < options.count; ++i) {
    const SeedDocument seed = GenerateSeed(options, i);
    folder.Write(seed.file_name, seed.content);
  }
  folder.Write("bad.txt", "---\ntitle: [unclosed\n---\n");
  absl::StatusOr<LoadResult> messages = LoadSeedFolder(folder.root());
  LoaderOptions serialize;
  serialize.serialize = true;
  absl::StatusOr<LoadResult> bytes = LoadSeedFolder(folder.root(), serialize);
  ASSERT_TRUE(messages.ok() && bytes.ok());
  EXPECT_TRUE(bytes->articles.empty());
  ASSERT_EQ(bytes->serialized.size(), messages->articles.size());
  for (size_t i = 0; i < messages->articles.size(); ++i) {
    EXPECT_EQ(bytes->serialized[i].bytes,
              SerializeArticle(messages->articles[i]).bytes);
  }
  EXPECT_EQ(Messages(bytes->rejections), Messages(messages->rejections));
  EXPECT_EQ(bytes->rejections.size(), 1u);
}

}  // namespace
}  // namespace newsmeta
