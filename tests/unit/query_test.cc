// Tests of QueryCursor: filters, boundaries, order, positions, and a
// comparison with a brute-force filter on a randomized catalog.
#include "query/query.h"

#include <algorithm>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "catalog/catalog.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "newsmeta/v1/article.pb.h"
#include "query/cursor.h"
#include "test_util.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Sort keys of a query in publish-time order.
std::vector<SortSpec> ByTime(bool descending) {
  return {SortSpec{SortKey::kPublishTime, descending}};
}
std::vector<SortSpec> NewestFirst() { return ByTime(true); }
std::vector<SortSpec> OldestFirst() { return ByTime(false); }

// The position (publish_time, name); the other sort values stay 0.
Position At(absl::Time time, const std::string& name) {
  Position position;
  position.time = time;
  position.name = name;
  return position;
}

Article MakeArticle(const std::string& name, absl::Time time,
                    const std::vector<std::string>& topics = {},
                    const std::string& domain = "") {
  Article article;
  article.set_name(name);
  SetTime(time, article.mutable_publish_time());
  for (const std::string& topic : topics) article.add_topics(topic);
  article.mutable_provider()->set_domain(domain);
  article.set_source_file(absl::StrCat(name.substr(9), ".md"));
  return article;
}

Article MakeArticle(const std::string& name, const std::string& time,
                    const std::vector<std::string>& topics = {},
                    const std::string& domain = "") {
  return MakeArticle(name, Rfc3339(time), topics, domain);
}

// Everything Next() returns, by name; checks CountRemaining on the way.
std::vector<std::string> Matches(const Catalog& catalog, const Query& query,
                                 const std::optional<Position>& after = {}) {
  QueryCursor cursor(catalog, query, after);
  std::vector<std::string> names;
  const size_t expected_count = cursor.CountRemaining();
  while (const std::optional<ArticleIndex> index = cursor.Next()) {
    names.push_back(catalog.article(*index).name());
    if (names.size() > catalog.size()) break;  // Never loop forever.
  }
  EXPECT_EQ(expected_count, names.size());
  EXPECT_EQ(cursor.CountRemaining(), 0u);
  EXPECT_EQ(cursor.Next(), std::nullopt);
  return names;
}

Query TopicQuery(std::vector<std::string> topics,
                 std::vector<SortSpec> order = OldestFirst()) {
  Query query;
  query.topics = std::move(topics);
  query.order = std::move(order);
  return query;
}

class QueryTest : public testing::Test {
 protected:
  static std::shared_ptr<const Catalog> Build(std::vector<Article> articles) {
    Catalog::BuildResult result = Catalog::Build(std::move(articles));
    EXPECT_THAT(result.rejections, IsEmpty());
    return result.catalog;
  }

  const absl::Time july_ = Rfc3339("2023-07-01T00:00:00Z");
  const absl::Time august_ = Rfc3339("2023-08-01T00:00:00Z");
};

// Articles around the July 2023 boundaries, all about "AI".
class QueryBoundaryTest : public QueryTest {
 protected:
  QueryBoundaryTest()
      : catalog_(Build({
            MakeArticle(Name(0xa1), "2023-07-01T00:00:00Z", {"AI"}),
            MakeArticle(Name(0xa2), "2023-08-01T00:00:00Z", {"AI"}),
            MakeArticle(Name(0xa3), "2023-07-31T23:59:59.999999999Z", {"AI"}),
            MakeArticle(Name(0xa4), "2023-06-30T23:59:59.999999999Z", {"AI"}),
            MakeArticle(Name(0xa5), "2023-07-01T01:00:00+02:00", {"AI"}),
            MakeArticle(Name(0xa6), "2023-07-15T12:00:00Z", {"AI"}),
            MakeArticle(Name(0xa7), "2023-07-31T23:30:00-02:00", {"AI"}),
            MakeArticle(Name(0xa8), "2023-07-15T12:00:00Z", {"Chips"}),
        })) {}

  Query JulyQuery(std::vector<SortSpec> order = OldestFirst()) const {
    Query query = TopicQuery({"ai"}, order);
    query.start_time = july_;
    query.end_time = august_;
    return query;
  }

  std::shared_ptr<const Catalog> catalog_;
};

TEST_F(QueryBoundaryTest, DateRangeStartIsInclusive) {
  const std::vector<std::string> names = Matches(*catalog_, JulyQuery());
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.front(), Name(0xa1));
}

TEST_F(QueryBoundaryTest, DateRangeEndIsExclusive) {
  const std::vector<std::string> names = Matches(*catalog_, JulyQuery());
  EXPECT_THAT(names, testing::Not(testing::Contains(Name(0xa2))));
  EXPECT_EQ(names.back(), Name(0xa3));
}

TEST_F(QueryBoundaryTest, DateRangeMatchesExactlyTheArticlesInside) {
  EXPECT_THAT(Matches(*catalog_, JulyQuery()),
              ElementsAre(Name(0xa1), Name(0xa6), Name(0xa3)));
  EXPECT_THAT(Matches(*catalog_, JulyQuery(NewestFirst())),
              ElementsAre(Name(0xa3), Name(0xa6), Name(0xa1)));
}

TEST_F(QueryBoundaryTest, OffsetsAreAppliedBeforeComparing) {
  // 2023-07-01T01:00:00+02:00 is 2023-06-30T23:00:00Z: June, not July.
  EXPECT_THAT(Matches(*catalog_, JulyQuery()),
              testing::Not(testing::Contains(Name(0xa5))));
  // 2023-07-31T23:30:00-02:00 is 2023-08-01T01:30:00Z: August.
  EXPECT_THAT(Matches(*catalog_, JulyQuery()),
              testing::Not(testing::Contains(Name(0xa7))));
  Query june = TopicQuery({"ai"});
  june.start_time = Rfc3339("2023-06-30T00:00:00Z");
  june.end_time = july_;
  EXPECT_THAT(Matches(*catalog_, june), ElementsAre(Name(0xa5), Name(0xa4)));
}

TEST_F(QueryBoundaryTest, OnlyStartOrOnlyEnd) {
  Query from_august = TopicQuery({"ai"});
  from_august.start_time = august_;
  EXPECT_THAT(Matches(*catalog_, from_august),
              ElementsAre(Name(0xa2), Name(0xa7)));
  Query before_july = TopicQuery({"ai"});
  before_july.end_time = july_;
  EXPECT_THAT(Matches(*catalog_, before_july),
              ElementsAre(Name(0xa5), Name(0xa4)));
}

TEST_F(QueryBoundaryTest, RangeWithoutTopicUsesTheWholeCatalog) {
  Query query;
  query.start_time = Rfc3339("2023-07-15T12:00:00Z");
  query.end_time = Rfc3339("2023-07-15T12:00:00.000000001Z");
  query.order = OldestFirst();
  EXPECT_THAT(Matches(*catalog_, query), ElementsAre(Name(0xa6), Name(0xa8)));
  query.order = NewestFirst();
  EXPECT_THAT(Matches(*catalog_, query), ElementsAre(Name(0xa8), Name(0xa6)));
}

TEST_F(QueryBoundaryTest, EmptyRangeMatchesNothing) {
  Query query = TopicQuery({"ai"});
  query.start_time = Rfc3339("2023-07-02T00:00:00Z");
  query.end_time = Rfc3339("2023-07-03T00:00:00Z");
  EXPECT_THAT(Matches(*catalog_, query), IsEmpty());
  query.topics.clear();
  EXPECT_THAT(Matches(*catalog_, query), IsEmpty());
}

TEST_F(QueryTest, UnknownTopicMatchesNothing) {
  const auto catalog = Build({
      MakeArticle(Name(1), "2023-07-01T00:00:00Z", {"AI"}, "wsj.com"),
  });
  EXPECT_THAT(Matches(*catalog, TopicQuery({"robots"})), IsEmpty());
  Query query = TopicQuery({"robots"});
  query.provider_domains = {"wsj.com"};
  EXPECT_THAT(Matches(*catalog, query), IsEmpty());
  Query unknown_domain;
  unknown_domain.provider_domains = {"ft.com"};
  EXPECT_THAT(Matches(*catalog, unknown_domain), IsEmpty());
}

TEST_F(QueryTest, SeveralTopicsMatchAnyWithoutDuplicates) {
  const auto catalog = Build({
      MakeArticle(Name(1), "2023-07-01T00:00:00Z", {"AI", "Chips"}),
      MakeArticle(Name(2), "2023-07-02T00:00:00Z", {"Chips"}),
      MakeArticle(Name(3), "2023-07-03T00:00:00Z", {"Robots"}),
      MakeArticle(Name(4), "2023-07-04T00:00:00Z", {"chips", "ai", "AI"}),
      MakeArticle(Name(5), "2023-07-05T00:00:00Z", {"AI"}),
      MakeArticle(Name(6), "2023-07-05T00:00:00Z", {"Chips", "AI"}),
  });
  EXPECT_THAT(Matches(*catalog, TopicQuery({"ai", "chips"})),
              ElementsAre(Name(1), Name(2), Name(4), Name(5), Name(6)));
  EXPECT_THAT(Matches(*catalog, TopicQuery({"ai", "chips"}, NewestFirst())),
              ElementsAre(Name(6), Name(5), Name(4), Name(2), Name(1)));
  EXPECT_THAT(
      Matches(*catalog, TopicQuery({"ai", "chips", "nothing", "robots"})),
      ElementsAre(Name(1), Name(2), Name(3), Name(4), Name(5), Name(6)));
}

TEST_F(QueryTest, TopicAndProviderMustBothMatch) {
  const auto catalog = Build({
      MakeArticle(Name(1), "2023-07-01T00:00:00Z", {"AI"}, "WSJ.com"),
      MakeArticle(Name(2), "2023-07-02T00:00:00Z", {"AI"}, "ft.com"),
      MakeArticle(Name(3), "2023-07-03T00:00:00Z", {"Chips"}, "wsj.com"),
      MakeArticle(Name(4), "2023-07-04T00:00:00Z", {"AI"}, ""),
      MakeArticle(Name(5), "2023-07-05T00:00:00Z", {"ai"}, " wsj.com "),
      MakeArticle(Name(6), "2023-07-06T00:00:00Z", {"AI"}, "nyt.com"),
  });
  Query query = TopicQuery({"ai"});
  query.provider_domains = {"wsj.com"};
  EXPECT_THAT(Matches(*catalog, query), ElementsAre(Name(1), Name(5)));
  query.provider_domains = {"ft.com", "wsj.com"};
  EXPECT_THAT(Matches(*catalog, query), ElementsAre(Name(1), Name(2), Name(5)));
  query.order = NewestFirst();
  EXPECT_THAT(Matches(*catalog, query), ElementsAre(Name(5), Name(2), Name(1)));
}

TEST_F(QueryTest, ProviderOnlyMatchesEveryTopic) {
  const auto catalog = Build({
      MakeArticle(Name(1), "2023-07-01T00:00:00Z", {"AI"}, "WSJ.com"),
      MakeArticle(Name(2), "2023-07-02T00:00:00Z", {}, "wsj.com"),
      MakeArticle(Name(3), "2023-07-03T00:00:00Z", {"Chips"}, "ft.com"),
      MakeArticle(Name(4), "2023-07-04T00:00:00Z", {"Chips"}, ""),
  });
  Query query;
  query.order = OldestFirst();
  query.provider_domains = {"wsj.com"};
  EXPECT_THAT(Matches(*catalog, query), ElementsAre(Name(1), Name(2)));
  query.provider_domains = {"ft.com", "wsj.com"};
  EXPECT_THAT(Matches(*catalog, query), ElementsAre(Name(1), Name(2), Name(3)));
  query.order = NewestFirst();
  EXPECT_THAT(Matches(*catalog, query), ElementsAre(Name(3), Name(2), Name(1)));
}

TEST_F(QueryTest, NoFilterMatchesEveryArticle) {
  const auto catalog = Build({
      MakeArticle(Name(2), "2023-07-02T00:00:00Z", {"AI"}, "wsj.com"),
      MakeArticle(Name(1), "2023-07-01T00:00:00Z"),
      MakeArticle(Name(3), "2023-07-03T00:00:00Z", {}, "ft.com"),
  });
  Query query;
  // The default order is publish_time desc.
  ASSERT_EQ(query.order.size(), 1u);
  EXPECT_EQ(query.order[0].key, SortKey::kPublishTime);
  EXPECT_TRUE(query.order[0].descending);
  EXPECT_THAT(Matches(*catalog, query), ElementsAre(Name(3), Name(2), Name(1)));
  query.order = OldestFirst();
  EXPECT_THAT(Matches(*catalog, query), ElementsAre(Name(1), Name(2), Name(3)));
}

TEST_F(QueryTest, TiesOnTimeAreBrokenByNameInTheSameDirection) {
  const auto catalog = Build({
      MakeArticle(Name(0x30), "2023-07-01T00:00:00Z", {"AI"}),
      MakeArticle(Name(0x10), "2023-07-01T00:00:00Z", {"AI"}),
      MakeArticle(Name(0x40), "2023-06-01T00:00:00Z", {"AI"}),
      MakeArticle(Name(0x20), "2023-07-01T00:00:00Z", {"Chips"}),
      MakeArticle(Name(0x01), "2023-08-01T00:00:00Z", {"Chips"}),
  });
  EXPECT_THAT(
      Matches(*catalog, TopicQuery({"ai", "chips"})),
      ElementsAre(Name(0x40), Name(0x10), Name(0x20), Name(0x30), Name(0x01)));
  EXPECT_THAT(
      Matches(*catalog, TopicQuery({"ai", "chips"}, NewestFirst())),
      ElementsAre(Name(0x01), Name(0x30), Name(0x20), Name(0x10), Name(0x40)));
  Query all;
  all.order = NewestFirst();
  EXPECT_THAT(
      Matches(*catalog, all),
      ElementsAre(Name(0x01), Name(0x30), Name(0x20), Name(0x10), Name(0x40)));
}

TEST_F(QueryTest, CountRemainingFollowsNext) {
  const auto catalog = Build({
      MakeArticle(Name(1), "2023-07-01T00:00:00Z", {"AI", "Chips"}, "a.com"),
      MakeArticle(Name(2), "2023-07-02T00:00:00Z", {"Chips"}, "b.com"),
      MakeArticle(Name(3), "2023-07-03T00:00:00Z", {"AI"}, "a.com"),
      MakeArticle(Name(4), "2023-07-04T00:00:00Z", {"AI"}, "b.com"),
  });
  Query query = TopicQuery({"ai", "chips"});
  query.provider_domains = {"a.com"};
  QueryCursor cursor(*catalog, query);
  EXPECT_EQ(cursor.CountRemaining(), 2u);
  EXPECT_EQ(cursor.CountRemaining(), 2u);  // Counting does not move it.
  ASSERT_EQ(cursor.Next(), std::optional<ArticleIndex>(0));
  EXPECT_EQ(cursor.CountRemaining(), 1u);
  ASSERT_EQ(cursor.Next(), std::optional<ArticleIndex>(2));
  EXPECT_EQ(cursor.CountRemaining(), 0u);
  EXPECT_EQ(cursor.Next(), std::nullopt);

  Query single = TopicQuery({"ai"});
  QueryCursor single_cursor(*catalog, single);
  EXPECT_EQ(single_cursor.CountRemaining(), 3u);
  single_cursor.Next();
  EXPECT_EQ(single_cursor.CountRemaining(), 2u);
}

class QueryAfterTest : public QueryTest {
 protected:
  QueryAfterTest()
      : catalog_(Build({
            MakeArticle(Name(0x10), "2023-07-01T00:00:00Z", {"AI"}),
            MakeArticle(Name(0x20), "2023-07-02T00:00:00Z", {"AI"}),
            MakeArticle(Name(0x30), "2023-07-02T00:00:00Z", {"Chips"}),
            MakeArticle(Name(0x40), "2023-07-02T00:00:00Z", {"AI"}),
            MakeArticle(Name(0x50), "2023-07-03T00:00:00Z", {"AI"}),
        })) {}

  const absl::Time day2_ = Rfc3339("2023-07-02T00:00:00Z");
  std::shared_ptr<const Catalog> catalog_;
};

TEST_F(QueryAfterTest, AscendingStartsAfterThePosition) {
  Query query;
  query.order = OldestFirst();
  EXPECT_THAT(Matches(*catalog_, query, At(day2_, Name(0x20))),
              ElementsAre(Name(0x30), Name(0x40), Name(0x50)));
  EXPECT_THAT(Matches(*catalog_, TopicQuery({"ai"}), At(day2_, Name(0x20))),
              ElementsAre(Name(0x40), Name(0x50)));
  // A position no article has: between two ties.
  EXPECT_THAT(Matches(*catalog_, TopicQuery({"ai"}), At(day2_, Name(0x35))),
              ElementsAre(Name(0x40), Name(0x50)));
  // Before and after everything.
  EXPECT_THAT(Matches(*catalog_, TopicQuery({"ai"}),
                      At(day2_ - absl::Hours(48), Name(0))),
              ElementsAre(Name(0x10), Name(0x20), Name(0x40), Name(0x50)));
  EXPECT_THAT(Matches(*catalog_, TopicQuery({"ai"}),
                      At(Rfc3339("2023-07-03T00:00:00Z"), Name(0x50))),
              IsEmpty());
}

TEST_F(QueryAfterTest, DescendingStartsBeforeThePosition) {
  Query query;
  query.order = NewestFirst();
  EXPECT_THAT(Matches(*catalog_, query, At(day2_, Name(0x40))),
              ElementsAre(Name(0x30), Name(0x20), Name(0x10)));
  EXPECT_THAT(Matches(*catalog_, TopicQuery({"ai"}, NewestFirst()),
                      At(day2_, Name(0x40))),
              ElementsAre(Name(0x20), Name(0x10)));
  EXPECT_THAT(Matches(*catalog_, TopicQuery({"ai"}, NewestFirst()),
                      At(day2_, Name(0x35))),
              ElementsAre(Name(0x20), Name(0x10)));
  EXPECT_THAT(Matches(*catalog_, TopicQuery({"ai"}, NewestFirst()),
                      At(Rfc3339("2023-07-01T00:00:00Z"), Name(0x10))),
              IsEmpty());
}

TEST_F(QueryAfterTest, PositionOutsideTheRangeKeepsTheRange) {
  Query query;
  query.order = OldestFirst();
  query.start_time = day2_;
  query.end_time = day2_ + absl::Seconds(1);
  // A position before the range: the range still bounds the result.
  EXPECT_THAT(Matches(*catalog_, query, At(day2_ - absl::Hours(30), Name(0))),
              ElementsAre(Name(0x20), Name(0x30), Name(0x40)));
  // A position after the range: nothing.
  EXPECT_THAT(Matches(*catalog_, query, At(day2_ + absl::Hours(30), Name(0))),
              IsEmpty());
  query.order = NewestFirst();
  EXPECT_THAT(Matches(*catalog_, query, At(day2_ + absl::Hours(30), Name(0))),
              ElementsAre(Name(0x40), Name(0x30), Name(0x20)));
  EXPECT_THAT(Matches(*catalog_, query, At(day2_ - absl::Hours(30), Name(0))),
              IsEmpty());
}

// A randomized catalog checked against a brute-force filter.
class QueryRandomTest : public QueryTest {
 protected:
  static constexpr int kArticles = 3000;

  QueryRandomTest() {
    std::mt19937 rng(20230701);
    const std::vector<std::string> topics = {
        "AI",    " ai ",    "Ai",      "Chips",  "chips", "Robots",
        "Space", "Climate", "Markets", "Health", "SPACE"};
    const std::vector<std::string> domains = {
        "wsj.com", "WSJ.com", "ft.com", " ft.com", "nyt.com", "bbc.co.uk", ""};
    std::set<std::string> names;
    std::vector<Article> articles;
    while (static_cast<int>(articles.size()) < kArticles) {
      const uint64_t high = rng();
      const uint64_t low = rng();
      const std::string name = Name((high << 32 | low) & 0xffffffffffull);
      if (!names.insert(name).second) continue;
      // 400 distinct seconds for 3000 articles: many ties; a few nanosecond
      // offsets too.
      absl::Time time = july_ + absl::Minutes(rng() % 400);
      if (rng() % 10 == 0) time += absl::Nanoseconds(rng() % 3);
      std::vector<std::string> article_topics;
      const int topic_count = rng() % 4;
      for (int i = 0; i < topic_count; ++i) {
        article_topics.push_back(topics[rng() % topics.size()]);
      }
      articles.push_back(MakeArticle(name, time, article_topics,
                                     domains[rng() % domains.size()]));
    }
    all_ = articles;
    catalog_ = Build(std::move(articles));
  }

  // The expected result of `query` after `after`, computed the slow way.
  std::vector<std::string> BruteForce(const Query& query,
                                      const std::optional<Position>& after) {
    const bool descending = query.order.at(0).descending;
    std::vector<std::pair<absl::Time, std::string>> matches;
    for (const Article& article : all_) {
      const absl::Time time = ToAbslTime(article.publish_time());
      if (query.start_time && time < *query.start_time) continue;
      if (query.end_time && time >= *query.end_time) continue;
      if (!query.topics.empty()) {
        bool any = false;
        for (const std::string& topic : article.topics()) {
          any |= std::count(query.topics.begin(), query.topics.end(),
                            NormalizeKey(topic)) > 0;
        }
        if (!any) continue;
      }
      if (!query.provider_domains.empty() &&
          std::count(query.provider_domains.begin(),
                     query.provider_domains.end(),
                     NormalizeKey(article.provider().domain())) == 0) {
        continue;
      }
      const std::pair<absl::Time, std::string> key(time, article.name());
      if (after) {
        const std::pair<absl::Time, std::string> position(after->time,
                                                          after->name);
        if (!descending && !(key > position)) {
          continue;
        }
        if (descending && !(key < position)) {
          continue;
        }
      }
      matches.push_back(key);
    }
    std::sort(matches.begin(), matches.end());
    if (descending) {
      std::reverse(matches.begin(), matches.end());
    }
    std::vector<std::string> names;
    for (const auto& match : matches) names.push_back(match.second);
    return names;
  }

  absl::Time RandomTime(std::mt19937& rng) {
    // Mostly a time some article has (the boundary cases), sometimes not.
    if (rng() % 3 != 0) {
      return ToAbslTime(all_[rng() % all_.size()].publish_time());
    }
    const int minutes = static_cast<int>(rng() % 420) - 10;
    const int seconds = rng() % 2 * 30;
    return july_ + absl::Minutes(minutes) + absl::Seconds(seconds);
  }

  std::vector<Article> all_;
  std::shared_ptr<const Catalog> catalog_;
};

TEST_F(QueryRandomTest, CatalogKeepsEveryArticleWithManyTies) {
  ASSERT_EQ(catalog_->size(), static_cast<size_t>(kArticles));
  size_t ties = 0;
  for (ArticleIndex i = 1; i < catalog_->size(); ++i) {
    ties += catalog_->publish_time(i) == catalog_->publish_time(i - 1);
  }
  EXPECT_GT(ties, 2000u);
}

TEST_F(QueryRandomTest, CursorMatchesBruteForceOnRandomQueries) {
  std::mt19937 rng(42);
  const std::vector<std::string> topic_keys = {"ai",     "chips",   "robots",
                                               "space",  "climate", "markets",
                                               "health", "unknown"};
  const std::vector<std::string> domain_keys = {"wsj.com", "ft.com", "nyt.com",
                                                "bbc.co.uk", "unknown.org"};
  int non_empty = 0;
  for (int round = 0; round < 600; ++round) {
    Query query;
    const int topic_count = rng() % 4;
    for (int i = 0; i < topic_count; ++i) {
      query.topics.push_back(topic_keys[rng() % topic_keys.size()]);
    }
    const int domain_count = rng() % 3;
    for (int i = 0; i < domain_count; ++i) {
      query.provider_domains.push_back(domain_keys[rng() % domain_keys.size()]);
    }
    std::sort(query.topics.begin(), query.topics.end());
    query.topics.erase(std::unique(query.topics.begin(), query.topics.end()),
                       query.topics.end());
    std::sort(query.provider_domains.begin(), query.provider_domains.end());
    query.provider_domains.erase(std::unique(query.provider_domains.begin(),
                                             query.provider_domains.end()),
                                 query.provider_domains.end());
    if (rng() % 2) query.start_time = RandomTime(rng);
    if (rng() % 2) query.end_time = RandomTime(rng);
    query.order = rng() % 2 ? NewestFirst() : OldestFirst();
    std::optional<Position> after;
    if (rng() % 2) {
      if (rng() % 2) {
        const Article& article = all_[rng() % all_.size()];
        after = At(ToAbslTime(article.publish_time()), article.name());
      } else {
        const absl::Time time = RandomTime(rng);
        const uint64_t id =
            (static_cast<uint64_t>(rng()) << 8) & 0xffffffffffull;
        after = At(time, Name(id));
      }
    }
    SCOPED_TRACE(absl::StrCat(
        "round ", round, ": ", CanonicalQueryText(query),
        after ? absl::StrCat(" after ",
                             absl::FormatTime(absl::RFC3339_full, after->time,
                                              absl::UTCTimeZone()),
                             " ", after->name)
              : std::string()));

    const std::vector<std::string> expected = BruteForce(query, after);
    const std::vector<std::string> actual = Matches(*catalog_, query, after);
    ASSERT_EQ(actual, expected);
    non_empty += !expected.empty();
  }
  // The random queries did exercise the cursor.
  EXPECT_GT(non_empty, 300);
}

TEST_F(QueryRandomTest, CursorWithoutPositionMatchesBruteForceForEachTopic) {
  for (const char* topic :
       {"ai", "chips", "robots", "space", "climate", "markets", "health"}) {
    for (const bool descending : {false, true}) {
      const Query query = TopicQuery({topic}, ByTime(descending));
      const std::vector<std::string> expected = BruteForce(query, std::nullopt);
      EXPECT_FALSE(expected.empty()) << topic;
      EXPECT_EQ(Matches(*catalog_, query), expected) << topic;
    }
  }
}

}  // namespace
}  // namespace newsmeta
