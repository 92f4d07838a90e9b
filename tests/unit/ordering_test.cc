// Tests of result orders other than publish time alone: ComesBefore,
// OrderedMatches and paging through them, and of the related-article links
// Catalog::Build sets.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "catalog/article_name.h"
#include "catalog/catalog.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "newsmeta/v1/article.pb.h"
#include "newsmeta/v1/article_service.pb.h"
#include "query/cursor.h"
#include "query/ordered_matches.h"
#include "query/pager.h"
#include "query/query.h"
#include "query/request.h"
#include "test_util.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

const absl::Time kNoon = absl::FromCivil(
    absl::CivilSecond(2024, 5, 1, 12, 0, 0), absl::UTCTimeZone());

Article MakeArticle(uint64_t id, absl::Time time, int quality, int heat,
                    const std::vector<std::string>& topics = {"News"}) {
  Article article;
  article.set_name(Name(id));
  article.mutable_publish_time()->set_seconds(absl::ToUnixSeconds(time));
  article.set_quality(quality);
  article.set_heat(heat);
  for (const std::string& topic : topics) article.add_topics(topic);
  article.set_source_file(absl::StrCat(id, ".md"));
  return article;
}

std::shared_ptr<const Catalog> Build(std::vector<Article> articles) {
  Catalog::BuildResult result = Catalog::Build(std::move(articles));
  EXPECT_THAT(result.rejections, IsEmpty());
  return result.catalog;
}

Position At(absl::Time time, int quality, int heat, uint64_t id) {
  return Position{time, quality, heat, Name(id)};
}

const std::vector<SortSpec> kQualityThenNewest = {
    {SortKey::kQuality, true}, {SortKey::kPublishTime, true}};
const std::vector<SortSpec> kHeatAscending = {{SortKey::kHeat, false}};
const std::vector<SortSpec> kQualityAscThenHeatDesc = {
    {SortKey::kQuality, false}, {SortKey::kHeat, true}};
const std::vector<SortSpec> kQualityDescThenHeatAsc = {
    {SortKey::kQuality, true}, {SortKey::kHeat, false}};

Query QueryIn(std::vector<SortSpec> order) {
  Query query;
  query.order = std::move(order);
  return query;
}

// Every match of `query` in OrderedMatches' order, by name.
std::vector<std::string> Ordered(const Catalog& catalog, const Query& query,
                                 const std::optional<Position>& after = {}) {
  const SegmentedCatalog segmented(catalog);
  OrderedMatches matches(segmented, query, after);
  std::vector<std::string> names;
  while (const std::optional<ArticleRef> article = matches.Next()) {
    names.push_back(catalog.article(article->index).name());
  }
  return names;
}

// Eight articles, given in a scrambled order:
//   id  time      quality heat
//   1   noon      80      -1
//   2   noon+2h   80       5
//   3   noon-1h   90      -1
//   4   noon+2h   80       0
//   5   noon+3h   10       5
//   6   noon+1h   80       5   topic "Other"
//   7   noon      10       0
//   8   noon+2h   80      -1
class OrderingTest : public testing::Test {
 protected:
  OrderingTest()
      : catalog_(Build({
            MakeArticle(5, kNoon + absl::Hours(3), 10, 5),
            MakeArticle(2, kNoon + absl::Hours(2), 80, 5),
            MakeArticle(8, kNoon + absl::Hours(2), 80, -1),
            MakeArticle(1, kNoon, 80, -1),
            MakeArticle(7, kNoon, 10, 0),
            MakeArticle(3, kNoon - absl::Hours(1), 90, -1),
            MakeArticle(6, kNoon + absl::Hours(1), 80, 5, {"Other"}),
            MakeArticle(4, kNoon + absl::Hours(2), 80, 0),
        })) {}

  ArticleIndex IndexOf(uint64_t id) const {
    for (ArticleIndex i = 0; i < catalog_->size(); ++i) {
      if (catalog_->article(i).name() == Name(id)) return i;
    }
    ADD_FAILURE() << "no article " << id;
    return 0;
  }

  std::shared_ptr<const Catalog> catalog_;
};

// ---------------------------------------------------------------------------
// ComesBefore.

TEST_F(OrderingTest, FirstKeyThatDiffersDecides) {
  // Higher quality first, whatever the time.
  EXPECT_TRUE(ComesBefore(At(kNoon, 90, 0, 1),
                          At(kNoon + absl::Hours(1), 80, 0, 2),
                          kQualityThenNewest));
  EXPECT_FALSE(ComesBefore(At(kNoon + absl::Hours(1), 80, 0, 2),
                           At(kNoon, 90, 0, 1), kQualityThenNewest));
  // Equal quality: newer first.
  EXPECT_TRUE(ComesBefore(At(kNoon + absl::Hours(1), 80, 0, 1),
                          At(kNoon, 80, 0, 2), kQualityThenNewest));
  EXPECT_FALSE(ComesBefore(At(kNoon, 80, 0, 2),
                           At(kNoon + absl::Hours(1), 80, 0, 1),
                           kQualityThenNewest));
  // Keys not in the order are ignored: heat differs, name decides.
  EXPECT_TRUE(ComesBefore(At(kNoon, 80, 1, 2), At(kNoon, 80, 999, 1),
                          kQualityThenNewest));
  // Lower heat first; -1 (never rated) before 0.
  EXPECT_TRUE(
      ComesBefore(At(kNoon, 0, -1, 9), At(kNoon, 0, 0, 1), kHeatAscending));
  EXPECT_FALSE(
      ComesBefore(At(kNoon, 0, 0, 1), At(kNoon, 0, -1, 9), kHeatAscending));
  // Lower quality first, then hotter first.
  EXPECT_TRUE(ComesBefore(At(kNoon, 10, 0, 1), At(kNoon, 20, 500, 2),
                          kQualityAscThenHeatDesc));
  EXPECT_TRUE(ComesBefore(At(kNoon, 10, 500, 2), At(kNoon, 10, 0, 1),
                          kQualityAscThenHeatDesc));
}

TEST_F(OrderingTest, FullTiesAreBrokenByNameInTheDirectionOfTheLastKey) {
  const Position low = At(kNoon, 50, 7, 0x10);
  const Position high = At(kNoon, 50, 7, 0x20);
  // Last key descending: names descending.
  EXPECT_TRUE(ComesBefore(high, low, kQualityThenNewest));
  EXPECT_FALSE(ComesBefore(low, high, kQualityThenNewest));
  EXPECT_TRUE(ComesBefore(high, low, kQualityAscThenHeatDesc));
  // Last key ascending: names ascending, even when the first is descending.
  EXPECT_TRUE(ComesBefore(low, high, kHeatAscending));
  EXPECT_FALSE(ComesBefore(high, low, kHeatAscending));
  EXPECT_TRUE(ComesBefore(low, high, kQualityDescThenHeatAsc));
  EXPECT_FALSE(ComesBefore(high, low, kQualityDescThenHeatAsc));
}

TEST_F(OrderingTest, NothingComesBeforeItself) {
  const Position position = At(kNoon, 50, 7, 0x10);
  for (const auto& order : {kQualityThenNewest, kHeatAscending,
                            kQualityAscThenHeatDesc, kQualityDescThenHeatAsc}) {
    EXPECT_FALSE(ComesBefore(position, position, order));
  }
}

// ---------------------------------------------------------------------------
// OrderedMatches, on the fixture's eight articles.

TEST_F(OrderingTest, QualityDescThenNewestWithTiesByNameDescending) {
  // 90: 3; 80 at noon+2h: 8, 4, 2 (names descending); 80 at noon+1h: 6;
  // 80 at noon: 1; 10: 5 (noon+3h), 7 (noon).
  EXPECT_THAT(Ordered(*catalog_, QueryIn(kQualityThenNewest)),
              ElementsAre(Name(3), Name(8), Name(4), Name(2), Name(6), Name(1),
                          Name(5), Name(7)));
}

TEST_F(OrderingTest, HeatAscendingWithTiesByNameAscending) {
  // -1: 1, 3, 8; 0: 4, 7; 5: 2, 5, 6.
  EXPECT_THAT(Ordered(*catalog_, QueryIn(kHeatAscending)),
              ElementsAre(Name(1), Name(3), Name(8), Name(4), Name(7), Name(2),
                          Name(5), Name(6)));
}

TEST_F(OrderingTest, QualityAscThenHeatDescWithTiesByNameDescending) {
  // 10: 5 (heat 5), 7 (0); 80: heat 5: 6, 2; heat 0: 4; heat -1: 8, 1;
  // 90: 3.
  EXPECT_THAT(Ordered(*catalog_, QueryIn(kQualityAscThenHeatDesc)),
              ElementsAre(Name(5), Name(7), Name(6), Name(2), Name(4), Name(8),
                          Name(1), Name(3)));
}

TEST_F(OrderingTest, OnlyMatchesAreOrdered) {
  Query query = QueryIn(kHeatAscending);
  query.topics = {"news"};
  query.start_time = kNoon;
  // Not 3 (before noon) nor 6 (other topic).
  EXPECT_THAT(
      Ordered(*catalog_, query),
      ElementsAre(Name(1), Name(8), Name(4), Name(7), Name(2), Name(5)));
  EXPECT_EQ(OrderedMatches(SegmentedCatalog(*catalog_), query).TotalSize(), 6u);
}

TEST_F(OrderingTest, StartsAfterAGivenPosition) {
  const Query query = QueryIn(kQualityThenNewest);
  // After 4: 2, 6, 1, 5, 7.
  EXPECT_THAT(Ordered(*catalog_, query, PositionOf(*catalog_, IndexOf(4))),
              ElementsAre(Name(2), Name(6), Name(1), Name(5), Name(7)));
  // After the last one: nothing.
  EXPECT_THAT(Ordered(*catalog_, query, PositionOf(*catalog_, IndexOf(7))),
              IsEmpty());
}

TEST_F(OrderingTest, StartsAfterAPositionThatNoArticleHas) {
  const Query query = QueryIn(kQualityThenNewest);
  // Quality 80 at noon+2h named between 4 and 8 (names descending here):
  // after it come 4, 2, ...
  EXPECT_THAT(
      Ordered(*catalog_, query, At(kNoon + absl::Hours(2), 80, 0, 6)),
      ElementsAre(Name(4), Name(2), Name(6), Name(1), Name(5), Name(7)));
  // Quality 85 sits between 3 (90) and the 80s.
  EXPECT_THAT(
      Ordered(*catalog_, QueryIn(kQualityThenNewest), At(kNoon, 85, 0, 99)),
      ElementsAre(Name(8), Name(4), Name(2), Name(6), Name(1), Name(5),
                  Name(7)));
}

TEST_F(OrderingTest, TotalSizeCountsEveryMatchWhereverItStarts) {
  const Query query = QueryIn(kHeatAscending);
  EXPECT_EQ(OrderedMatches(SegmentedCatalog(*catalog_), query).TotalSize(), 8u);
  EXPECT_EQ(OrderedMatches(SegmentedCatalog(*catalog_), query,
                           PositionOf(*catalog_, IndexOf(5)))
                .TotalSize(),
            8u);
}

TEST_F(OrderingTest, TotalSizeOfATimeOrderedQueryCountsEveryMatch) {
  // Newest first: walked lazily, and counted by the cursor itself before it
  // moves; after a Next, or from a position, by a cursor of its own.
  const Query query = QueryIn({SortSpec{}});
  ASSERT_TRUE(IsTimeOrdered(query));
  const SegmentedCatalog segmented(*catalog_);
  OrderedMatches fresh(segmented, query);
  EXPECT_EQ(fresh.TotalSize(), 8u);
  ASSERT_TRUE(fresh.Next());
  ASSERT_TRUE(fresh.Next());
  EXPECT_EQ(fresh.TotalSize(), 8u);
  OrderedMatches later(segmented, query, PositionOf(*catalog_, IndexOf(5)));
  EXPECT_EQ(later.TotalSize(), 8u);
  int rest = 0;
  while (later.Next()) ++rest;
  EXPECT_LT(rest, 8);
}

// ---------------------------------------------------------------------------
// Paging through orders other than publish time.

// 150 articles over 10 instants, with quality in 0..4 and heat in -1..1, so
// that most keys tie; given in a scrambled order.
std::vector<Article> TiedArticles() {
  std::vector<Article> articles;
  for (int i = 0; i < 150; ++i) {
    const uint64_t id = 0x1000 + (i * 7919) % 4096;
    articles.push_back(
        MakeArticle(id, kNoon + absl::Minutes(i % 10), i % 5, (i / 5) % 3 - 1));
  }
  std::reverse(articles.begin(), articles.begin() + 75);
  return articles;
}

// The order a request's order_by asks for, computed by the test.
std::vector<std::string> ExpectedOrder(const Catalog& catalog,
                                       const std::string& order_by) {
  struct Row {
    absl::Time time;
    int quality;
    int heat;
    std::string name;
  };
  std::vector<Row> rows;
  for (ArticleIndex i = 0; i < catalog.size(); ++i) {
    const Article& article = catalog.article(i);
    rows.push_back({absl::FromUnixSeconds(article.publish_time().seconds()),
                    article.quality(), article.heat(), article.name()});
  }
  const auto sort = [&rows](auto key_of, bool name_descending) {
    std::sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
      const auto ka = key_of(a);
      const auto kb = key_of(b);
      if (ka != kb) return ka < kb;
      return name_descending ? a.name > b.name : a.name < b.name;
    });
  };
  const auto minus = [](absl::Time time) { return absl::UnixEpoch() - time; };
  if (order_by == "quality desc, publish_time desc") {
    sort(
        [&](const Row& r) {
          return std::make_tuple(-r.quality, minus(r.time));
        },
        true);
  } else if (order_by == "heat asc") {
    sort([](const Row& r) { return r.heat; }, false);
  } else if (order_by == "quality asc, heat desc") {
    sort([](const Row& r) { return std::make_tuple(r.quality, -r.heat); },
         true);
  } else if (order_by == "heat desc, quality, publish_time asc") {
    sort(
        [](const Row& r) {
          return std::make_tuple(-r.heat, r.quality, r.time);
        },
        false);
  } else {
    ADD_FAILURE() << "no expectation for " << order_by;
  }
  std::vector<std::string> names;
  for (const Row& row : rows) names.push_back(row.name);
  return names;
}

TEST_F(OrderingTest, PagingANonTimeOrderReadsEveryMatchOnceInOrder) {
  const std::shared_ptr<const Catalog> catalog = Build(TiedArticles());
  ASSERT_EQ(catalog->size(), 150u);
  for (const std::string order_by :
       {"quality desc, publish_time desc", "heat asc", "quality asc, heat desc",
        "heat desc, quality, publish_time asc"}) {
    newsmeta::v1::ListArticlesRequest request;
    request.set_order_by(order_by);
    const absl::StatusOr<Query> query = QueryFromRequest(request);
    ASSERT_TRUE(query.ok()) << query.status();
    ASSERT_FALSE(IsTimeOrdered(*query)) << order_by;
    const std::vector<std::string> expected = ExpectedOrder(*catalog, order_by);
    for (const int page_size : {1, 7, 50, 149, 150, 151}) {
      SCOPED_TRACE(absl::StrCat(order_by, ", page_size ", page_size));
      std::vector<std::string> names;
      std::string token;
      int pages = 0;
      while (true) {
        ASSERT_LE(++pages, 151) << "paging does not end";
        const absl::StatusOr<Page> page =
            ListPage(SegmentedCatalog(*catalog), *query, page_size, token);
        ASSERT_TRUE(page.ok()) << page.status();
        EXPECT_EQ(page->total_size, 150);
        for (const ArticleRef article : page->articles) {
          names.push_back(catalog->article(article.index).name());
        }
        if (page->next_page_token.empty()) break;
        EXPECT_EQ(page->articles.size(), static_cast<size_t>(page_size));
        ASSERT_LT(names.size(), 150u) << "token after the last match";
        token = page->next_page_token;
      }
      EXPECT_EQ(pages, (150 + page_size - 1) / page_size);
      EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(),
                names.size());
      EXPECT_THAT(names, ElementsAreArray(expected));
    }
  }
}

TEST_F(OrderingTest, PageTokenOfANonTimeOrderSurvivesRemovedArticles) {
  // A replica without the last article of page 1 and the first of page 2
  // still continues right after page 1's position.
  std::vector<Article> articles = TiedArticles();
  const std::shared_ptr<const Catalog> catalog = Build(articles);
  newsmeta::v1::ListArticlesRequest request;
  request.set_order_by("heat asc");
  const Query query = QueryFromRequest(request).value();
  const Page first =
      ListPage(SegmentedCatalog(*catalog), query, 10, "").value();
  const Page second =
      ListPage(SegmentedCatalog(*catalog), query, 10, first.next_page_token)
          .value();
  ASSERT_EQ(first.articles.size(), 10u);
  ASSERT_EQ(second.articles.size(), 10u);
  const std::string last_of_first =
      catalog->article(first.articles.back().index).name();
  const std::string first_of_second =
      catalog->article(second.articles.front().index).name();
  articles.erase(std::remove_if(articles.begin(), articles.end(),
                                [&](const Article& article) {
                                  return article.name() == last_of_first ||
                                         article.name() == first_of_second;
                                }),
                 articles.end());
  const std::shared_ptr<const Catalog> replica = Build(articles);
  ASSERT_EQ(replica->size(), 148u);

  const absl::StatusOr<Page> resumed =
      ListPage(SegmentedCatalog(*replica), query, 9, first.next_page_token);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->total_size, 148);
  std::vector<std::string> want;
  for (size_t i = 1; i < second.articles.size(); ++i) {
    want.push_back(catalog->article(second.articles[i].index).name());
  }
  std::vector<std::string> got;
  for (const ArticleRef article : resumed->articles) {
    got.push_back(replica->article(article.index).name());
  }
  EXPECT_EQ(got, want);
}

// ---------------------------------------------------------------------------
// Related links.

Article WithUrls(const std::string& original_url, const std::string& web_url,
                 absl::Time time, const std::string& source_file = "") {
  Article article;
  article.set_name(ArticleNameForUrl(original_url));
  article.set_original_url(original_url);
  article.set_web_url(web_url);
  article.mutable_publish_time()->set_seconds(absl::ToUnixSeconds(time));
  article.set_source_file(
      source_file.empty() ? absl::StrCat(ArticleIdForUrl(original_url), ".md")
                          : source_file);
  return article;
}

newsmeta::v1::RelatedLink* AddLink(Article* article,
                                   const std::string& web_url) {
  newsmeta::v1::RelatedLink* link = article->add_related();
  link->set_title(absl::StrCat("Link to ", web_url));
  link->set_web_url(web_url);
  return link;
}

// The `article` of each related link of the article called `name`.
std::vector<std::string> LinkTargets(const Catalog& catalog,
                                     const std::string& name) {
  std::vector<std::string> targets;
  const std::optional<Article> article = catalog.Find(name);
  if (!article.has_value()) {
    ADD_FAILURE() << "no article " << name;
    return targets;
  }
  for (const auto& link : article->related()) targets.push_back(link.article());
  return targets;
}

TEST_F(OrderingTest, RelatedLinkPointsAtTheArticleWithThatOriginalOrWebUrl) {
  const Article a =
      WithUrls("https://a.example/story", "https://www.msn.example/a", kNoon);
  const Article b =
      WithUrls("https://b.example/story", "https://b.example/story", kNoon);
  Article c = WithUrls("https://c.example/story", "", kNoon + absl::Hours(1));
  AddLink(&c, "https://a.example/story");    // a's original_url
  AddLink(&c, "https://www.msn.example/a");  // a's web_url
  AddLink(&c, "https://b.example/story");    // b's, both
  AddLink(&c, "https://c.example/story");    // c itself
  AddLink(&c, "https://unknown.example/x");  // nobody's
  AddLink(&c, "");                           // no URL
  // Only web_url counts: an amp_url that is a's URL links nothing.
  AddLink(&c, "https://amp.example/a")->set_amp_url("https://a.example/story");
  // Links are resolved in every article, whatever the order given.
  Article a_with_link = a;
  AddLink(&a_with_link, "https://c.example/story");
  const std::shared_ptr<const Catalog> catalog = Build({c, a_with_link, b});
  EXPECT_THAT(LinkTargets(*catalog, c.name()),
              ElementsAre(a.name(), a.name(), b.name(), c.name(), "", "", ""));
  EXPECT_THAT(LinkTargets(*catalog, a.name()), ElementsAre(c.name()));
}

TEST_F(OrderingTest, RelatedLinkToADroppedDuplicateIsNotResolved) {
  // Two files with the same originalUrl: the one from a.md is kept, and the
  // web_url only the dropped one had links nothing.
  const Article kept = WithUrls("https://d.example/story",
                                "https://www.msn.example/kept", kNoon, "a.md");
  const Article dropped =
      WithUrls("https://d.example/story", "https://www.msn.example/dropped",
               kNoon, "b.md");
  Article linking =
      WithUrls("https://e.example/story", "", kNoon + absl::Hours(1));
  AddLink(&linking, "https://www.msn.example/dropped");
  AddLink(&linking, "https://www.msn.example/kept");
  Catalog::BuildResult result = Catalog::Build({dropped, linking, kept});
  ASSERT_EQ(result.rejections.size(), 1u);
  ASSERT_EQ(result.catalog->size(), 2u);
  EXPECT_EQ(result.catalog->Find(kept.name())->source_file(), "a.md");
  EXPECT_THAT(LinkTargets(*result.catalog, linking.name()),
              ElementsAre("", kept.name()));
}

}  // namespace
}  // namespace newsmeta
