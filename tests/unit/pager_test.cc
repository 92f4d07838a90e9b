// Tests of ListPage and EffectivePageSize: page sizes, paging through a
// result, and page tokens.
#include "query/pager.h"

#include <algorithm>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "catalog/catalog.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "newsmeta/v1/article.pb.h"
#include "query/cursor.h"
#include "query/query.h"
#include "test_util.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const absl::Time kJuly =
    absl::FromCivil(absl::CivilDay(2023, 7, 1), absl::UTCTimeZone());

Article MakeArticle(const std::string& name, absl::Time time,
                    const std::vector<std::string>& topics = {},
                    const std::string& domain = "") {
  Article article;
  article.set_name(name);
  article.mutable_publish_time()->set_seconds(absl::ToUnixSeconds(time));
  for (const std::string& topic : topics) article.add_topics(topic);
  article.mutable_provider()->set_domain(domain);
  article.set_source_file(absl::StrCat(name.substr(9), ".md"));
  return article;
}

// Sort keys of a query in publish-time order.
std::vector<SortSpec> ByTime(bool descending) {
  return {SortSpec{SortKey::kPublishTime, descending}};
}
std::vector<SortSpec> NewestFirst() { return ByTime(true); }
std::vector<SortSpec> OldestFirst() { return ByTime(false); }

std::shared_ptr<const Catalog> Build(std::vector<Article> articles) {
  Catalog::BuildResult result = Catalog::Build(std::move(articles));
  EXPECT_THAT(result.rejections, IsEmpty());
  return result.catalog;
}

// Every match of `query`, in order, by name.
std::vector<std::string> FullResult(const Catalog& catalog,
                                    const Query& query) {
  QueryCursor cursor(catalog, query);
  std::vector<std::string> names;
  while (const std::optional<ArticleIndex> index = cursor.Next()) {
    names.push_back(catalog.article(*index).name());
  }
  return names;
}

std::vector<std::string> PageNames(const Catalog& catalog, const Page& page) {
  std::vector<std::string> names;
  for (const ArticleRef article : page.articles) {
    names.push_back(catalog.article(article.index).name());
  }
  return names;
}

// The page's articles' indexes in the one catalog it was listed from.
std::vector<ArticleIndex> IndexesOf(const Page& page) {
  std::vector<ArticleIndex> indexes;
  for (const ArticleRef article : page.articles) {
    EXPECT_EQ(article.segment, 0u);
    indexes.push_back(article.index);
  }
  return indexes;
}

// 300 articles over 60 distinct minutes (ties of 5), topics "AI" (2 of 3)
// and "Chips" (1 of 2), domains wsj.com and ft.com; given in a shuffled order.
std::vector<Article> TestArticles(uint32_t shuffle_seed) {
  std::vector<Article> articles;
  std::mt19937 rng(7);
  std::set<uint64_t> ids;
  for (int i = 0; i < 300; ++i) {
    uint64_t id;
    do {
      id = rng() % 0xffffff;
    } while (!ids.insert(id).second);
    std::vector<std::string> topics;
    if (i % 3 != 0) topics.push_back(i % 2 ? "AI" : " ai ");
    if (i % 2 == 0) topics.push_back("Chips");
    articles.push_back(MakeArticle(Name(id), kJuly + absl::Minutes(i % 60),
                                   topics, i % 4 == 0 ? "ft.com" : "wsj.com"));
  }
  std::mt19937 shuffle(shuffle_seed);
  std::shuffle(articles.begin(), articles.end(), shuffle);
  return articles;
}

Query AiQuery(std::vector<SortSpec> order = NewestFirst()) {
  Query query;
  query.topics = {"ai"};
  query.order = std::move(order);
  return query;
}

TEST(PagerPageSizeTest, EffectivePageSizeDefaultsTo50) {
  EXPECT_EQ(kDefaultPageSize, 50);
  const absl::StatusOr<int> size = EffectivePageSize(0);
  ASSERT_TRUE(size.ok()) << size.status();
  EXPECT_EQ(*size, 50);
}

TEST(PagerPageSizeTest, EffectivePageSizeKeepsValuesUpToTheMaximum) {
  EXPECT_EQ(EffectivePageSize(1).value(), 1);
  EXPECT_EQ(EffectivePageSize(7).value(), 7);
  EXPECT_EQ(EffectivePageSize(999).value(), 999);
  EXPECT_EQ(EffectivePageSize(1000).value(), 1000);
}

TEST(PagerPageSizeTest, EffectivePageSizeCoercesLargeValuesToTheMaximum) {
  EXPECT_EQ(kMaxPageSize, 1000);
  EXPECT_EQ(EffectivePageSize(1001).value(), 1000);
  EXPECT_EQ(EffectivePageSize(2147483647).value(), 1000);
  EXPECT_EQ(EffectivePageSize(int64_t{1} << 40).value(), 1000);
}

TEST(PagerPageSizeTest, EffectivePageSizeRejectsNegativeValues) {
  for (const int64_t requested :
       {int64_t{-1}, int64_t{-50}, int64_t{-2147483647} - 1}) {
    const absl::StatusOr<int> size = EffectivePageSize(requested);
    EXPECT_EQ(size.status().code(), absl::StatusCode::kInvalidArgument)
        << requested;
    EXPECT_THAT(std::string(size.status().message()), HasSubstr("page_size"));
  }
}

class PagerTest : public testing::Test {
 protected:
  PagerTest() : catalog_(Build(TestArticles(1))) {}

  // Pages through `query` with `page_size`, checking every page, and returns
  // the names in the order the pages gave them.
  std::vector<std::string> PageThrough(const Catalog& catalog,
                                       const Query& query, int page_size) {
    const size_t total = FullResult(catalog, query).size();
    std::vector<std::string> names;
    std::string token;
    for (int pages = 0;; ++pages) {
      if (pages > 1000) {
        ADD_FAILURE() << "too many pages";
        break;
      }
      const absl::StatusOr<Page> page =
          ListPage(SegmentedCatalog(catalog), query, page_size, token);
      if (!page.ok()) {
        ADD_FAILURE() << page.status();
        break;
      }
      EXPECT_EQ(page->total_size, static_cast<int64_t>(total));
      EXPECT_LE(page->articles.size(), static_cast<size_t>(page_size));
      const std::vector<std::string> page_names = PageNames(catalog, *page);
      names.insert(names.end(), page_names.begin(), page_names.end());
      if (page->next_page_token.empty()) {
        // Empty only at the end.
        EXPECT_EQ(names.size(), total);
        break;
      }
      // A page with a token is full and leaves something to read.
      EXPECT_EQ(page->articles.size(), static_cast<size_t>(page_size));
      EXPECT_LT(names.size(), total);
      token = page->next_page_token;
    }
    return names;
  }

  std::shared_ptr<const Catalog> catalog_;
};

TEST_F(PagerTest, TestCatalogHasTiesAndEnoughMatches) {
  const std::vector<std::string> all = FullResult(*catalog_, AiQuery());
  EXPECT_EQ(all.size(), 200u);
  EXPECT_EQ(catalog_->publish_time(0), catalog_->publish_time(4));
}

TEST_F(PagerTest, PagingYieldsTheFullResultWithoutDuplicatesOrGaps) {
  for (const bool descending : {true, false}) {
    for (const int page_size : {1, 7, 50}) {
      SCOPED_TRACE(
          absl::StrCat("page_size ", page_size, descending ? " desc" : " asc"));
      const Query query = AiQuery(ByTime(descending));
      const std::vector<std::string> expected = FullResult(*catalog_, query);
      const std::vector<std::string> paged =
          PageThrough(*catalog_, query, page_size);
      EXPECT_EQ(paged, expected);
      EXPECT_EQ(std::set<std::string>(paged.begin(), paged.end()).size(),
                paged.size());
    }
  }
}

TEST_F(PagerTest, PagingWorksWithTopicsDomainsAndRanges) {
  Query query;
  query.topics = {"ai", "chips"};
  query.provider_domains = {"wsj.com"};
  query.start_time = kJuly + absl::Minutes(5);
  query.end_time = kJuly + absl::Minutes(50);
  query.order = OldestFirst();
  const std::vector<std::string> expected = FullResult(*catalog_, query);
  ASSERT_GT(expected.size(), 50u);
  for (const int page_size : {1, 7, 50}) {
    EXPECT_EQ(PageThrough(*catalog_, query, page_size), expected)
        << "page_size " << page_size;
  }
  Query everything;
  EXPECT_EQ(PageThrough(*catalog_, everything, 7),
            FullResult(*catalog_, everything));
  EXPECT_EQ(FullResult(*catalog_, everything).size(), 300u);
}

TEST_F(PagerTest, TokenIsEmptyWhenTheLastPageIsExactlyFull) {
  // 200 matches: 4 full pages of 50, the 4th without a token.
  std::string token;
  for (int page_number = 1; page_number <= 4; ++page_number) {
    const absl::StatusOr<Page> page =
        ListPage(SegmentedCatalog(*catalog_), AiQuery(), 50, token);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->articles.size(), 50u);
    EXPECT_EQ(page->total_size, 200);
    if (page_number < 4) {
      EXPECT_FALSE(page->next_page_token.empty()) << page_number;
    } else {
      EXPECT_EQ(page->next_page_token, "");
    }
    token = page->next_page_token;
  }
}

TEST_F(PagerTest, SmallResultFitsOnePageWithoutToken) {
  Query query = AiQuery();
  // Minute 1 holds 5 articles, all about AI.
  query.start_time = kJuly + absl::Minutes(1);
  query.end_time = kJuly + absl::Minutes(2);
  const absl::StatusOr<Page> page =
      ListPage(SegmentedCatalog(*catalog_), query, 50, "");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->total_size, static_cast<int64_t>(page->articles.size()));
  EXPECT_EQ(PageNames(*catalog_, *page), FullResult(*catalog_, query));
  EXPECT_EQ(page->articles.size(), 5u);
  EXPECT_EQ(page->next_page_token, "");
}

TEST_F(PagerTest, NoMatchesGiveAnEmptyPageWithoutToken) {
  Query query;
  query.topics = {"robots"};
  const absl::StatusOr<Page> page =
      ListPage(SegmentedCatalog(*catalog_), query, 50, "");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(page->articles, IsEmpty());
  EXPECT_EQ(page->next_page_token, "");
  EXPECT_EQ(page->total_size, 0);
}

TEST_F(PagerTest, PageSizeMayChangeBetweenPages) {
  const Query query = AiQuery();
  const std::vector<std::string> expected = FullResult(*catalog_, query);
  std::vector<std::string> names;
  std::string token;
  const std::vector<int> sizes = {7, 50, 1, 13, 1000};
  for (const int page_size : sizes) {
    const absl::StatusOr<Page> page =
        ListPage(SegmentedCatalog(*catalog_), query, page_size, token);
    ASSERT_TRUE(page.ok()) << page.status();
    const std::vector<std::string> page_names = PageNames(*catalog_, *page);
    names.insert(names.end(), page_names.begin(), page_names.end());
    token = page->next_page_token;
  }
  EXPECT_EQ(token, "");
  EXPECT_EQ(names, expected);
}

TEST_F(PagerTest, GarbageTokenIsInvalidArgument) {
  const Page first =
      ListPage(SegmentedCatalog(*catalog_), AiQuery(), 7, "").value();
  ASSERT_FALSE(first.next_page_token.empty());
  std::string truncated = first.next_page_token;
  truncated.resize(truncated.size() / 2);
  // Character 10 of the base64 text encodes bytes 7 and 8 of the token:
  // inside the query fingerprint.
  std::string tampered = first.next_page_token;
  tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
  for (const std::string& token :
       {std::string("garbage"), std::string("!!!not base64!!!"),
        absl::WebSafeBase64Escape("nm1|0123456789abcdef|1|2|articles/x"),
        absl::WebSafeBase64Escape("hello"), truncated, tampered,
        first.next_page_token + "AAAA"}) {
    const absl::StatusOr<Page> page =
        ListPage(SegmentedCatalog(*catalog_), AiQuery(), 7, token);
    EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument)
        << token;
    EXPECT_THAT(std::string(page.status().message()), HasSubstr("page_token"))
        << token;
  }
}

TEST_F(PagerTest, TokenFromADifferentQueryIsInvalidArgument) {
  Query base = AiQuery();
  base.start_time = kJuly;
  const Page first = ListPage(SegmentedCatalog(*catalog_), base, 7, "").value();
  ASSERT_FALSE(first.next_page_token.empty());

  Query other_topic = base;
  other_topic.topics = {"chips"};
  Query more_topics = base;
  more_topics.topics = {"ai", "chips"};
  Query other_order = base;
  other_order.order = OldestFirst();
  Query other_start = base;
  other_start.start_time = kJuly + absl::Seconds(1);
  Query no_start = base;
  no_start.start_time.reset();
  Query with_end = base;
  with_end.end_time = kJuly + absl::Hours(5);
  Query with_domain = base;
  with_domain.provider_domains = {"wsj.com"};
  for (const Query& query : {other_topic, more_topics, other_order, other_start,
                             no_start, with_end, with_domain}) {
    SCOPED_TRACE(CanonicalQueryText(query));
    const absl::StatusOr<Page> page =
        ListPage(SegmentedCatalog(*catalog_), query, 7, first.next_page_token);
    EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(page.status().message()), HasSubstr("page_token"));
  }
  // The same query still accepts it.
  EXPECT_TRUE(
      ListPage(SegmentedCatalog(*catalog_), base, 7, first.next_page_token)
          .ok());
}

TEST_F(PagerTest, TokenWorksOnAReplicaBuiltInAnotherOrder) {
  const std::shared_ptr<const Catalog> replica = Build(TestArticles(99));
  ASSERT_EQ(replica->size(), catalog_->size());
  const Query query = AiQuery();
  const Page first =
      ListPage(SegmentedCatalog(*catalog_), query, 7, "").value();
  const Page second =
      ListPage(SegmentedCatalog(*catalog_), query, 7, first.next_page_token)
          .value();

  const absl::StatusOr<Page> second_on_replica =
      ListPage(SegmentedCatalog(*replica), query, 7, first.next_page_token);
  ASSERT_TRUE(second_on_replica.ok()) << second_on_replica.status();
  EXPECT_EQ(PageNames(*replica, *second_on_replica),
            PageNames(*catalog_, second));
  EXPECT_EQ(second_on_replica->next_page_token, second.next_page_token);
  EXPECT_EQ(second_on_replica->total_size, second.total_size);

  // Alternating between the two replicas still reads everything once.
  std::vector<std::string> names;
  std::string token;
  for (int i = 0; i < 100; ++i) {
    const Catalog& catalog = i % 2 ? *replica : *catalog_;
    const Page page =
        ListPage(SegmentedCatalog(catalog), query, 7, token).value();
    const std::vector<std::string> page_names = PageNames(catalog, page);
    names.insert(names.end(), page_names.begin(), page_names.end());
    token = page.next_page_token;
    if (token.empty()) break;
  }
  EXPECT_EQ(token, "");
  EXPECT_EQ(names, FullResult(*catalog_, query));
}

TEST_F(PagerTest, TokensKeepNanosecondsAndTimesBefore1970) {
  // Ties within a nanosecond, and negative Unix seconds with nanos.
  std::vector<Article> articles;
  const absl::Time base = absl::UnixEpoch() - absl::Seconds(2);
  for (int i = 0; i < 40; ++i) {
    const absl::Time time =
        base + absl::Nanoseconds(i % 4) + absl::Milliseconds(700 * (i % 5));
    Article article = MakeArticle(Name(0x1000 + 37 * i % 101), time);
    const int64_t seconds = absl::ToUnixSeconds(time);
    article.mutable_publish_time()->set_seconds(seconds);
    article.mutable_publish_time()->set_nanos(static_cast<int32_t>(
        (time - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
    articles.push_back(article);
  }
  const std::shared_ptr<const Catalog> catalog = Build(std::move(articles));
  ASSERT_EQ(catalog->size(), 40u);
  ASSERT_LT(catalog->publish_time(0), absl::UnixEpoch());
  for (const bool descending : {true, false}) {
    Query query;
    query.order = ByTime(descending);
    for (const int page_size : {1, 3}) {
      EXPECT_EQ(PageThrough(*catalog, query, page_size),
                FullResult(*catalog, query))
          << page_size;
    }
  }
}

TEST_F(PagerTest, FirstPageStartsAtTheFirstMatch) {
  Query query;
  query.order = OldestFirst();
  const Page page = ListPage(SegmentedCatalog(*catalog_), query, 3, "").value();
  ASSERT_EQ(page.articles.size(), 3u);
  EXPECT_THAT(IndexesOf(page), ElementsAre(0u, 1u, 2u));
  query.order = NewestFirst();
  const Page newest =
      ListPage(SegmentedCatalog(*catalog_), query, 2, "").value();
  EXPECT_THAT(IndexesOf(newest), ElementsAre(299u, 298u));
}

// Big articles (seeds may be 4 MiB each): a FULL page stops before its
// articles pass the byte budget, with a token for the rest, so no response
// exceeds what a gRPC client receives by default (4 MiB).
TEST(PagerByteBudgetTest, PageStopsBeforeTheBudgetAndTheNextPageGoesOn) {
  std::vector<Article> articles;
  for (int i = 0; i < 10; ++i) {
    Article article = MakeArticle(absl::StrFormat("articles/%016x", i),
                                  kJuly + absl::Minutes(i));
    // Bodies of 1, 2, ... 10 KiB, all FULL-only.
    article.set_body(std::string(1024 * (i + 1), 'b'));
    articles.push_back(std::move(article));
  }
  const std::shared_ptr<const Catalog> catalog = Build(std::move(articles));
  Query query;
  query.order = OldestFirst();
  const std::vector<std::string> expected = FullResult(*catalog, query);
  const PageByteBudget budget{newsmeta::v1::ARTICLE_VIEW_FULL, 12 * 1024};

  std::vector<std::string> names;
  std::vector<size_t> page_sizes;
  std::string token;
  do {
    const absl::StatusOr<Page> page =
        ListPage(SegmentedCatalog(*catalog), query, 1000, token, budget);
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_FALSE(page->articles.empty());
    int64_t bytes = 0;
    for (const ArticleRef article : page->articles) {
      bytes += RepeatedElementBytes(
          catalog->ArticleBytes(article.index, budget.view).size());
    }
    // Over the budget only when one article alone is.
    if (page->articles.size() > 1) {
      EXPECT_LE(bytes, budget.max_bytes);
    }
    EXPECT_EQ(page->total_size, 10);
    const std::vector<std::string> page_names = PageNames(*catalog, *page);
    names.insert(names.end(), page_names.begin(), page_names.end());
    page_sizes.push_back(page->articles.size());
    token = page->next_page_token;
  } while (!token.empty() && page_sizes.size() < 20);
  EXPECT_EQ(token, "");
  EXPECT_EQ(names, expected);
  // Bodies of 1+2+3+4 KiB fit in 12 KiB with the rest of their articles,
  // then 5+6, then one at a time from 7 KiB on.
  EXPECT_THAT(page_sizes, ElementsAre(4, 2, 1, 1, 1, 1));

  // The BASIC view carries no body: one page.
  const absl::StatusOr<Page> basic =
      ListPage(SegmentedCatalog(*catalog), query, 1000, "",
               PageByteBudget{newsmeta::v1::ARTICLE_VIEW_BASIC, 12 * 1024});
  ASSERT_TRUE(basic.ok());
  EXPECT_EQ(basic->articles.size(), 10u);
  EXPECT_EQ(basic->next_page_token, "");
}

TEST(PagerByteBudgetTest, AnArticleOverTheBudgetHasAPageOfItsOwn) {
  std::vector<Article> articles;
  for (int i = 0; i < 3; ++i) {
    Article article = MakeArticle(absl::StrFormat("articles/%016x", i),
                                  kJuly + absl::Minutes(i));
    article.set_body(std::string(i == 1 ? 20000 : 10, 'b'));
    articles.push_back(std::move(article));
  }
  const std::shared_ptr<const Catalog> catalog = Build(std::move(articles));
  Query query;
  query.order = OldestFirst();
  const PageByteBudget budget{newsmeta::v1::ARTICLE_VIEW_FULL, 10000};
  std::vector<size_t> page_sizes;
  std::string token;
  do {
    const absl::StatusOr<Page> page =
        ListPage(SegmentedCatalog(*catalog), query, 50, token, budget);
    ASSERT_TRUE(page.ok()) << page.status();
    page_sizes.push_back(page->articles.size());
    token = page->next_page_token;
  } while (!token.empty() && page_sizes.size() < 10);
  EXPECT_THAT(page_sizes, ElementsAre(1, 1, 1));
}

TEST(PagerByteBudgetTest, RepeatedElementBytesCountsTagAndLength) {
  EXPECT_EQ(RepeatedElementBytes(0), 2);
  EXPECT_EQ(RepeatedElementBytes(127), 129);
  EXPECT_EQ(RepeatedElementBytes(128), 131);
  EXPECT_EQ(RepeatedElementBytes(4 << 20), 1 + 4 + (4 << 20));
}

}  // namespace
}  // namespace newsmeta
