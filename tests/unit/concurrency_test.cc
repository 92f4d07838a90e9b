// Reload during queries, in process and without gRPC: one thread builds and
// swaps catalogs in a CatalogHolder while readers page through ListArticles,
// get articles and drain streams. Every answer must come whole from one
// catalog snapshot. Run under ThreadSanitizer by `make test-tsan`; the bounds
// are iteration counts, never times.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "catalog/catalog.h"
#include "catalog/catalog_holder.h"
#include "gen_seeds/corpus.h"
#include "gtest/gtest.h"
#include "newsmeta/v1/article.pb.h"
#include "newsmeta/v1/article_service.pb.h"
#include "query/article_queries.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;
using ::newsmeta::v1::GetArticleRequest;
using ::newsmeta::v1::ListArticlesRequest;
using ::newsmeta::v1::ListArticlesResponse;
using ::newsmeta::v1::StreamArticlesRequest;

// Catalog `k` holds the first kBaseSize + k * kStep generated articles, each
// with category "variant-k", so an answer tells which catalog it came from.
constexpr int kVariants = 4;
constexpr int kBaseSize = 40;
constexpr int kStep = 10;
constexpr int kSwaps = 40;
constexpr int kReaders = 4;
constexpr int kMinRoundsPerReader = 3;

std::string Category(int variant) { return absl::StrCat("variant-", variant); }

std::shared_ptr<const Catalog> BuildVariant(int variant) {
  CorpusOptions options;
  options.count = kBaseSize + (kVariants - 1) * kStep;
  options.seed = 5;
  std::vector<Article> articles;
  for (int i = 0; i < kBaseSize + variant * kStep; ++i) {
    articles.push_back(GenerateArticle(options, i));
    articles.back().set_category(Category(variant));
  }
  return Catalog::Build(std::move(articles)).catalog;
}

// Which variant `category` names, or -1.
int VariantOf(absl::string_view category) {
  for (int k = 0; k < kVariants; ++k) {
    if (category == Category(k)) return k;
  }
  return -1;
}

ListArticlesRequest PageRequest() {
  ListArticlesRequest request;
  request.set_page_size(7);
  request.set_order_by("quality desc");
  return request;
}

StreamArticlesRequest StreamRequest() {
  StreamArticlesRequest request;
  request.set_order_by("publish_time asc");
  request.set_view(v1::ARTICLE_VIEW_FULL);
  return request;
}

// What each variant answers when nothing changes under it.
struct Expected {
  std::string first_page;           // ListArticles wire bytes, no page token
  std::vector<std::string> stream;  // StreamArticles wire bytes, in order
  int size = 0;
};

Expected Answers(std::shared_ptr<const Catalog> catalog) {
  const CatalogHolder holder(std::move(catalog));
  Expected expected;
  EXPECT_TRUE(
      ListArticlesWire(holder, PageRequest(), &expected.first_page).ok());
  auto stream = ArticleStream::Open(holder, StreamRequest());
  EXPECT_TRUE(stream.ok()) << stream.status();
  while (const std::optional<absl::string_view> bytes = (*stream)->Next()) {
    expected.stream.emplace_back(*bytes);
  }
  expected.size = static_cast<int>(holder.Get()->size());
  return expected;
}

class Reader {
 public:
  Reader(const CatalogHolder& holder, const std::vector<Expected>& expected,
         const std::string& shared_name)
      : holder_(holder), expected_(expected), shared_name_(shared_name) {}

  // One round: a full paging, a stream and a get.
  void Round() {
    PageThrough();
    DrainStream();
    Get();
    ++rounds_;
  }

  int rounds() const { return rounds_; }
  const std::vector<std::string>& failures() const { return failures_; }

 private:
  void Fail(std::string what) {
    if (failures_.size() < 10) failures_.push_back(std::move(what));
  }

  // Pages of one paging may come from different catalogs (a reload between
  // two pages), but each page is whole from one.
  void PageThrough() {
    ListArticlesRequest request = PageRequest();
    for (int page = 0; page < 100; ++page) {
      std::string bytes;
      const absl::Status status = ListArticlesWire(holder_, request, &bytes);
      if (!status.ok()) return Fail(absl::StrCat("list: ", status.ToString()));
      ListArticlesResponse response;
      if (!response.ParseFromString(bytes)) return Fail("list: unparsable");
      if (response.articles().empty()) return Fail("list: empty page");
      const int variant = VariantOf(response.articles(0).category());
      if (variant < 0) return Fail("list: unknown category");
      for (const Article& article : response.articles()) {
        if (VariantOf(article.category()) != variant) {
          return Fail(absl::StrCat("list: page ", page, " mixes catalogs"));
        }
      }
      if (response.total_size() != expected_[variant].size) {
        return Fail(absl::StrCat("list: total_size ", response.total_size(),
                                 " from catalog ", variant));
      }
      if (page == 0 && bytes != expected_[variant].first_page) {
        return Fail(absl::StrCat("list: first page differs from catalog ",
                                 variant, "'s"));
      }
      if (response.next_page_token().empty()) return;
      request.set_page_token(response.next_page_token());
    }
    Fail("list: more than 100 pages");
  }

  // A stream keeps the snapshot it opened on: every article, in order.
  void DrainStream() {
    auto stream = ArticleStream::Open(holder_, StreamRequest());
    if (!stream.ok()) {
      return Fail(absl::StrCat("stream: ", stream.status().ToString()));
    }
    std::vector<std::string> got;
    while (const std::optional<absl::string_view> bytes = (*stream)->Next()) {
      got.emplace_back(*bytes);
      if (got.size() > 1000) return Fail("stream: endless");
    }
    if (got.empty()) return Fail("stream: empty");
    Article first;
    if (!first.ParseFromString(got[0])) return Fail("stream: unparsable");
    const int variant = VariantOf(first.category());
    if (variant < 0) return Fail("stream: unknown category");
    if (got != expected_[variant].stream) {
      Fail(absl::StrCat("stream: ", got.size(),
                        " articles differ from catalog ", variant, "'s ",
                        expected_[variant].stream.size()));
    }
  }

  // The first kBaseSize articles are in every catalog.
  void Get() {
    GetArticleRequest request;
    request.set_name(shared_name_);
    std::string bytes;
    const absl::Status status = GetArticleWire(holder_, request, &bytes);
    if (!status.ok()) return Fail(absl::StrCat("get: ", status.ToString()));
    Article article;
    if (!article.ParseFromString(bytes)) return Fail("get: unparsable");
    if (article.name() != shared_name_ || VariantOf(article.category()) < 0) {
      Fail(absl::StrCat("get: wrong article ", article.name()));
    }
  }

  const CatalogHolder& holder_;
  const std::vector<Expected>& expected_;
  const std::string shared_name_;
  int rounds_ = 0;
  std::vector<std::string> failures_;
};

TEST(ConcurrencyTest, ReloadDuringQueriesAnswersFromOneSnapshot) {
  std::vector<Expected> expected;
  for (int k = 0; k < kVariants; ++k)
    expected.push_back(Answers(BuildVariant(k)));
  for (int k = 1; k < kVariants; ++k) {
    ASSERT_NE(expected[k].first_page, expected[0].first_page);
  }
  std::string shared_name;
  {
    Article article;
    ASSERT_TRUE(article.ParseFromString(expected[0].stream[0]));
    shared_name = article.name();
  }

  CatalogHolder holder(BuildVariant(0));
  std::atomic<bool> swapping{true};
  std::vector<Reader> readers;
  readers.reserve(kReaders);
  for (int i = 0; i < kReaders; ++i) {
    readers.emplace_back(holder, expected, shared_name);
  }
  std::vector<std::thread> threads;
  for (Reader& reader : readers) {
    threads.emplace_back([&reader, &swapping] {
      // Runs while the swaps go on, and at least a few rounds.
      while (swapping.load() || reader.rounds() < kMinRoundsPerReader) {
        reader.Round();
      }
    });
  }
  // Each swap builds a new catalog, as a reload does, and publishes it.
  for (int swap = 1; swap <= kSwaps; ++swap) {
    holder.Set(BuildVariant(swap % kVariants));
  }
  swapping = false;
  for (std::thread& thread : threads) thread.join();

  for (int i = 0; i < kReaders; ++i) {
    SCOPED_TRACE(absl::StrCat("reader ", i));
    EXPECT_GE(readers[i].rounds(), kMinRoundsPerReader);
    EXPECT_TRUE(readers[i].failures().empty())
        << readers[i].failures().size()
        << " failures, the first: " << readers[i].failures()[0];
  }
}

// Streams opened before a swap go on reading the catalog they opened on,
// while the holder has moved on and the old catalog is owned by them alone.
TEST(ConcurrencyTest, StreamsKeepTheirSnapshotAfterASwap) {
  const Expected old_answers = Answers(BuildVariant(1));
  CatalogHolder holder(BuildVariant(1));
  std::vector<std::unique_ptr<ArticleStream>> streams;
  for (int i = 0; i < 8; ++i) {
    auto stream = ArticleStream::Open(holder, StreamRequest());
    ASSERT_TRUE(stream.ok()) << stream.status();
    streams.push_back(*std::move(stream));
  }
  std::thread swapper([&holder] {
    for (int swap = 0; swap < 20; ++swap) {
      holder.Set(BuildVariant(swap % 2 == 0 ? 2 : 3));
    }
  });
  std::vector<std::thread> threads;
  std::vector<std::vector<std::string>> got(streams.size());
  for (size_t i = 0; i < streams.size(); ++i) {
    threads.emplace_back([&streams, &got, i] {
      while (const std::optional<absl::string_view> bytes =
                 streams[i]->Next()) {
        got[i].emplace_back(*bytes);
      }
    });
  }
  swapper.join();
  for (std::thread& thread : threads) thread.join();
  for (size_t i = 0; i < streams.size(); ++i) {
    EXPECT_EQ(got[i], old_answers.stream) << "stream " << i;
  }
}

}  // namespace
}  // namespace newsmeta
