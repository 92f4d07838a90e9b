// Tests of SummarizeArticles' domain code (buckets, counts, histograms, top_n)
// and of BatchGetArticles, including the error details they attach.
#include "query/summary.h"

#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "catalog/article_name.h"
#include "catalog/catalog.h"
#include "catalog/catalog_holder.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "newsmeta/v1/article.pb.h"
#include "newsmeta/v1/article_service.pb.h"
#include "query/article_queries.h"
#include "query/query.h"
#include "test_util.h"
#include "util/errors.h"

namespace newsmeta {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::newsmeta::v1::Article;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

// ---------------------------------------------------------------------------
// Helpers.

absl::Time Utc(int year, int month, int day, int hour = 0, int minute = 0,
               int second = 0) {
  return absl::FromCivil(
      absl::CivilSecond(year, month, day, hour, minute, second),
      absl::UTCTimeZone());
}

Article MakeArticle(const std::string& url, absl::Time time,
                    const std::vector<std::string>& topics = {},
                    const std::string& domain = "",
                    const std::string& provider = "") {
  Article article;
  article.set_name(ArticleNameForUrl(url));
  article.set_original_url(url);
  article.set_title(absl::StrCat("Story at ", url));
  SetTime(time, article.mutable_publish_time());
  for (const std::string& topic : topics) article.add_topics(topic);
  article.mutable_provider()->set_domain(domain);
  article.mutable_provider()->set_name(provider);
  article.set_source_file(absl::StrCat(ArticleIdForUrl(url), ".md"));
  return article;
}

std::shared_ptr<const Catalog> Build(std::vector<Article> articles) {
  Catalog::BuildResult result = Catalog::Build(std::move(articles));
  EXPECT_THAT(result.rejections, IsEmpty());
  return result.catalog;
}

// The google.rpc.ErrorInfo payload of `status` (empty when there is none,
// after a failure).
google::rpc::ErrorInfo ErrorInfoOf(const absl::Status& status) {
  google::rpc::ErrorInfo info;
  const absl::optional<absl::Cord> payload =
      status.GetPayload("type.googleapis.com/google.rpc.ErrorInfo");
  EXPECT_TRUE(payload.has_value()) << "no ErrorInfo in " << status;
  if (payload) {
    EXPECT_TRUE(info.ParseFromString(std::string(*payload))) << status;
  }
  return info;
}

std::map<std::string, std::string> MetadataOf(
    const google::rpc::ErrorInfo& info) {
  return std::map<std::string, std::string>(info.metadata().begin(),
                                            info.metadata().end());
}

// The fields named by the google.rpc.BadRequest payload of `status`.
std::vector<std::string> BadFieldsOf(const absl::Status& status) {
  std::vector<std::string> fields;
  const absl::optional<absl::Cord> payload =
      status.GetPayload("type.googleapis.com/google.rpc.BadRequest");
  EXPECT_TRUE(payload.has_value()) << "no BadRequest in " << status;
  if (!payload) return fields;
  google::rpc::BadRequest bad_request;
  EXPECT_TRUE(bad_request.ParseFromString(std::string(*payload))) << status;
  for (const auto& violation : bad_request.field_violations()) {
    fields.push_back(violation.field());
    EXPECT_EQ(violation.description(), std::string(status.message()));
  }
  return fields;
}

// (key, count) of each entry, for compact comparisons.
std::vector<std::pair<std::string, int64_t>> Counts(
    const std::vector<Summary::Count>& counts) {
  std::vector<std::pair<std::string, int64_t>> pairs;
  for (const Summary::Count& count : counts) {
    pairs.emplace_back(count.key, count.count);
  }
  return pairs;
}

std::vector<std::pair<absl::Time, int64_t>> Buckets(const Summary& summary) {
  std::vector<std::pair<absl::Time, int64_t>> pairs;
  for (const Summary::Bucket& bucket : summary.histogram) {
    pairs.emplace_back(bucket.start, bucket.count);
  }
  return pairs;
}

// Five articles over five days of January 2024 (a Monday to a Friday):
//   a1 01-01 10:00 AI, Chips          Reuters.com "Reuters"
//   a2 01-01 23:00 ai, Energy         reuters.com "Reuters Wire"
//   a3 01-04 05:00 Energy, Économie   ft.com      "Financial Times"
//   a4 01-04 06:00 Chips, AI, ai      (no provider)
//   a5 01-05 00:00 economie           ft.com      "FT"
// Given newest first, so that "first seen" means catalog order.
std::shared_ptr<const Catalog> WeekCatalog() {
  return Build({
      MakeArticle("https://ex.com/a5", Utc(2024, 1, 5), {"economie"}, "ft.com",
                  "FT"),
      MakeArticle("https://ex.com/a4", Utc(2024, 1, 4, 6),
                  {"Chips", "AI", "ai"}),
      MakeArticle("https://ex.com/a3", Utc(2024, 1, 4, 5),
                  {"Energy", "Économie"}, "ft.com", "Financial Times"),
      MakeArticle("https://ex.com/a2", Utc(2024, 1, 1, 23), {"ai", "Energy"},
                  "reuters.com", "Reuters Wire"),
      MakeArticle("https://ex.com/a1", Utc(2024, 1, 1, 10), {"AI", "Chips"},
                  "Reuters.com", "Reuters"),
  });
}

Summary SummarizeOk(const Catalog& catalog, const Query& query, int top_n,
                    HistogramInterval interval) {
  absl::StatusOr<Summary> summary =
      Summarize(SegmentedCatalog(catalog), query, top_n, interval);
  EXPECT_TRUE(summary.ok()) << summary.status();
  return summary.ok() ? *std::move(summary) : Summary{};
}

// ---------------------------------------------------------------------------
// Buckets.

TEST(SummaryTest, DayBucketStartsAtUtcMidnight) {
  const HistogramInterval day = HistogramInterval::kDay;
  EXPECT_EQ(BucketStart(Utc(2024, 3, 10, 15, 30), day), Utc(2024, 3, 10));
  EXPECT_EQ(BucketStart(Utc(2024, 3, 10), day), Utc(2024, 3, 10));
  EXPECT_EQ(BucketStart(Utc(2024, 3, 11) - absl::Nanoseconds(1), day),
            Utc(2024, 3, 10));
  EXPECT_EQ(NextBucketStart(Utc(2024, 3, 10), day), Utc(2024, 3, 11));
  EXPECT_EQ(NextBucketStart(Utc(2024, 2, 28), day), Utc(2024, 2, 29));
  EXPECT_EQ(NextBucketStart(Utc(2024, 12, 31), day), Utc(2025, 1, 1));
}

TEST(SummaryTest, DayBucketBefore1970IsTheDayItself) {
  // Rounds down, not towards the epoch.
  EXPECT_EQ(BucketStart(Utc(1969, 12, 31, 23), HistogramInterval::kDay),
            Utc(1969, 12, 31));
  EXPECT_EQ(NextBucketStart(Utc(1969, 12, 31), HistogramInterval::kDay),
            Utc(1970, 1, 1));
}

TEST(SummaryTest, WeekBucketStartsOnTheIsoMonday) {
  const HistogramInterval week = HistogramInterval::kWeek;
  // Sunday 2024-03-10 23:59:59Z is the end of the week of Monday 03-04.
  EXPECT_EQ(BucketStart(Utc(2024, 3, 10, 23, 59, 59), week), Utc(2024, 3, 4));
  // Monday 2024-03-11 00:00Z starts a week.
  EXPECT_EQ(BucketStart(Utc(2024, 3, 11), week), Utc(2024, 3, 11));
  EXPECT_EQ(BucketStart(Utc(2024, 3, 11) - absl::Nanoseconds(1), week),
            Utc(2024, 3, 4));
  // Friday 2021-01-01 belongs to the week of Monday 2020-12-28.
  EXPECT_EQ(BucketStart(Utc(2021, 1, 1, 12), week), Utc(2020, 12, 28));
  EXPECT_EQ(NextBucketStart(Utc(2020, 12, 28), week), Utc(2021, 1, 4));
  EXPECT_EQ(NextBucketStart(Utc(2024, 3, 4), week), Utc(2024, 3, 11));
  // The epoch was a Thursday.
  EXPECT_EQ(BucketStart(absl::UnixEpoch(), week), Utc(1969, 12, 29));
}

TEST(SummaryTest, MonthBucketStartsOnTheFirstOfTheMonth) {
  const HistogramInterval month = HistogramInterval::kMonth;
  EXPECT_EQ(BucketStart(Utc(2024, 1, 31, 12), month), Utc(2024, 1, 1));
  EXPECT_EQ(NextBucketStart(Utc(2024, 1, 1), month), Utc(2024, 2, 1));
  // Leap day.
  EXPECT_EQ(BucketStart(Utc(2024, 2, 29, 23, 59, 59), month), Utc(2024, 2, 1));
  EXPECT_EQ(NextBucketStart(Utc(2024, 2, 1), month), Utc(2024, 3, 1));
  // December to January.
  EXPECT_EQ(BucketStart(Utc(2023, 12, 15), month), Utc(2023, 12, 1));
  EXPECT_EQ(NextBucketStart(Utc(2023, 12, 1), month), Utc(2024, 1, 1));
}

TEST(SummaryTest, BucketsAreUtcWhateverTheTzVariableSays) {
  const char* old = std::getenv("TZ");
  const std::optional<std::string> saved =
      old ? std::optional<std::string>(old) : std::nullopt;
  setenv("TZ", "America/New_York", 1);
  tzset();
  // 2024-03-11T02:00Z is Sunday 22:00 in New York; 2024-03-01T03:00Z is
  // February 29 there. New York changes to daylight time on 2024-03-10 and
  // back on 2024-11-03.
  const absl::Time monday_utc = Utc(2024, 3, 11, 2);
  const absl::Time march_utc = Utc(2024, 3, 1, 3);
  const absl::CivilDay local_day =
      absl::ToCivilDay(monday_utc, absl::LocalTimeZone());
  const absl::Time day = BucketStart(monday_utc, HistogramInterval::kDay);
  const absl::Time week = BucketStart(monday_utc, HistogramInterval::kWeek);
  const absl::Time month = BucketStart(march_utc, HistogramInterval::kMonth);
  const absl::Time next_day =
      NextBucketStart(Utc(2024, 3, 10), HistogramInterval::kDay);
  const absl::Time next_week =
      NextBucketStart(Utc(2024, 3, 4), HistogramInterval::kWeek);
  const absl::Time next_month =
      NextBucketStart(Utc(2024, 11, 1), HistogramInterval::kMonth);
  if (saved) {
    setenv("TZ", saved->c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();

  // The variable did take effect for the local time zone...
  EXPECT_EQ(local_day, absl::CivilDay(2024, 3, 10));
  // ...but not for the buckets.
  EXPECT_EQ(day, Utc(2024, 3, 11));
  EXPECT_EQ(week, Utc(2024, 3, 11));
  EXPECT_EQ(month, Utc(2024, 3, 1));
  EXPECT_EQ(next_day, Utc(2024, 3, 11));
  EXPECT_EQ(next_day - Utc(2024, 3, 10), absl::Hours(24));
  EXPECT_EQ(next_week, Utc(2024, 3, 11));
  EXPECT_EQ(next_month, Utc(2024, 12, 1));
}

// ---------------------------------------------------------------------------
// Counts.

TEST(SummaryTest, CountsEveryMatchTopicsAndProviders) {
  const std::shared_ptr<const Catalog> catalog = WeekCatalog();
  const Summary summary =
      SummarizeOk(*catalog, Query{}, kDefaultTopN, HistogramInterval::kNone);
  EXPECT_EQ(summary.total_size, 5);
  // a4 lists AI twice (as "AI" and "ai") and counts once; ties by key.
  EXPECT_THAT(Counts(summary.topics),
              ElementsAre(Pair("AI", 3), Pair("Chips", 2), Pair("Économie", 2),
                          Pair("Energy", 2)));
  for (const Summary::Count& topic : summary.topics) {
    EXPECT_EQ(topic.name, "") << topic.key;
  }
  // a4 has no provider; "Reuters.com" and "reuters.com" are one domain.
  EXPECT_THAT(Counts(summary.providers),
              ElementsAre(Pair("ft.com", 2), Pair("reuters.com", 2)));
}

TEST(SummaryTest, TopicTiesAreOrderedByFoldedKey) {
  // "Économie" folds to "economie", which sorts before "energy", though its
  // UTF-8 bytes sort after "Energy".
  const std::shared_ptr<const Catalog> catalog = WeekCatalog();
  const Summary summary =
      SummarizeOk(*catalog, Query{}, kDefaultTopN, HistogramInterval::kNone);
  ASSERT_EQ(summary.topics.size(), 4u);
  EXPECT_EQ(summary.topics[2].key, "Économie");
  EXPECT_EQ(summary.topics[3].key, "Energy");
}

TEST(SummaryTest, TopNKeepsTheMostFrequent) {
  const std::shared_ptr<const Catalog> catalog = WeekCatalog();
  const Summary two =
      SummarizeOk(*catalog, Query{}, 2, HistogramInterval::kNone);
  EXPECT_EQ(two.total_size, 5);
  EXPECT_THAT(Counts(two.topics), ElementsAre(Pair("AI", 3), Pair("Chips", 2)));
  EXPECT_THAT(Counts(two.providers),
              ElementsAre(Pair("ft.com", 2), Pair("reuters.com", 2)));
  const Summary one =
      SummarizeOk(*catalog, Query{}, 1, HistogramInterval::kNone);
  EXPECT_THAT(Counts(one.topics), ElementsAre(Pair("AI", 3)));
  EXPECT_THAT(Counts(one.providers), ElementsAre(Pair("ft.com", 2)));
}

TEST(SummaryTest, MoreFrequentProviderComesFirstWhateverItsDomain) {
  const std::shared_ptr<const Catalog> catalog = Build({
      MakeArticle("https://ex.com/1", Utc(2024, 1, 1), {"A"}, "zeta.com", "Z"),
      MakeArticle("https://ex.com/2", Utc(2024, 1, 2), {"B"}, "zeta.com", "Z"),
      MakeArticle("https://ex.com/3", Utc(2024, 1, 3), {"B"}, "alpha.com", "A"),
      MakeArticle("https://ex.com/4", Utc(2024, 1, 4), {"C"}, "mid.com", "M"),
  });
  const Summary summary =
      SummarizeOk(*catalog, Query{}, kDefaultTopN, HistogramInterval::kNone);
  EXPECT_THAT(Counts(summary.providers),
              ElementsAre(Pair("zeta.com", 2), Pair("alpha.com", 1),
                          Pair("mid.com", 1)));
  EXPECT_THAT(Counts(summary.topics),
              ElementsAre(Pair("B", 2), Pair("A", 1), Pair("C", 1)));
}

TEST(SummaryTest, TopicIsSpelledAsFirstSeenInCatalogOrder) {
  // The earliest article's spelling wins, whatever the input order.
  const std::shared_ptr<const Catalog> lower_first = Build({
      MakeArticle("https://ex.com/late", Utc(2024, 1, 2), {"AI"}),
      MakeArticle("https://ex.com/early", Utc(2024, 1, 1), {"ai"}),
  });
  EXPECT_THAT(
      Counts(SummarizeOk(*lower_first, Query{}, 10, HistogramInterval::kNone)
                 .topics),
      ElementsAre(Pair("ai", 2)));
  const std::shared_ptr<const Catalog> upper_first = Build({
      MakeArticle("https://ex.com/early", Utc(2024, 1, 1), {"AI"}),
      MakeArticle("https://ex.com/late", Utc(2024, 1, 2), {"ai"}),
  });
  EXPECT_THAT(
      Counts(SummarizeOk(*upper_first, Query{}, 10, HistogramInterval::kNone)
                 .topics),
      ElementsAre(Pair("AI", 2)));
}

TEST(SummaryTest, SpellingsAndNamesComeFromTheWholeCatalog) {
  // Only a2 and a3 match; a2 spells AI "ai" and names Reuters "Reuters
  // Wire", but a1, earlier and not a match, spelled them first.
  const std::shared_ptr<const Catalog> catalog = WeekCatalog();
  Query query;
  query.topics = {"energy"};
  const Summary summary =
      SummarizeOk(*catalog, query, kDefaultTopN, HistogramInterval::kNone);
  EXPECT_EQ(summary.total_size, 2);
  EXPECT_THAT(
      Counts(summary.topics),
      ElementsAre(Pair("Energy", 2), Pair("AI", 1), Pair("Économie", 1)));
  ASSERT_EQ(summary.providers.size(), 2u);
  EXPECT_EQ(summary.providers[0].key, "ft.com");
  EXPECT_EQ(summary.providers[0].name, "Financial Times");
  EXPECT_EQ(summary.providers[0].count, 1);
  EXPECT_EQ(summary.providers[1].key, "reuters.com");
  EXPECT_EQ(summary.providers[1].name, "Reuters");
  EXPECT_EQ(summary.providers[1].count, 1);
}

TEST(SummaryTest, CountsOnlyTheMatchesOfTheQuery) {
  const std::shared_ptr<const Catalog> catalog = WeekCatalog();
  Query query;
  query.start_time = Utc(2024, 1, 1, 23);              // a2 and later
  query.end_time = Utc(2024, 1, 5);                    // a5 excluded
  query.provider_domains = {"ft.com", "reuters.com"};  // a4 excluded
  const Summary summary =
      SummarizeOk(*catalog, query, kDefaultTopN, HistogramInterval::kDay);
  EXPECT_EQ(summary.total_size, 2);  // a2, a3
  EXPECT_THAT(
      Counts(summary.topics),
      ElementsAre(Pair("Energy", 2), Pair("AI", 1), Pair("Économie", 1)));
  EXPECT_THAT(Buckets(summary),
              ElementsAre(Pair(Utc(2024, 1, 1), 1), Pair(Utc(2024, 1, 2), 0),
                          Pair(Utc(2024, 1, 3), 0), Pair(Utc(2024, 1, 4), 1)));
}

TEST(SummaryTest, NoMatchesGiveZeroTotalsAndNoHistogram) {
  const std::shared_ptr<const Catalog> catalog = WeekCatalog();
  Query query;
  query.topics = {"robots"};
  const Summary summary =
      SummarizeOk(*catalog, query, kDefaultTopN, HistogramInterval::kDay);
  EXPECT_EQ(summary.total_size, 0);
  EXPECT_THAT(summary.topics, IsEmpty());
  EXPECT_THAT(summary.providers, IsEmpty());
  EXPECT_THAT(summary.histogram, IsEmpty());
}

// Summarize counts a query whose matches are one posting list (one topic or
// one provider domain, with or without a time range) straight over that
// list; the answer must be the one of a scan of every article.
TEST(SummaryTest, OnePostingListGivesTheSameSummaryAsAFullScan) {
  const std::vector<std::string> topics = {"AI", "Energy", "Chips", "Économie"};
  const std::vector<std::string> domains = {"ft.com", "reuters.com", ""};
  std::vector<Article> articles;
  for (int i = 0; i < 300; ++i) {
    // Spread over about 14 months, several a day, unevenly.
    const absl::Time time =
        Utc(2023, 1, 1) + absl::Hours((i * 7919) % (420 * 24));
    std::vector<std::string> mine = {topics[i % topics.size()]};
    if (i % 3 == 0) mine.push_back(topics[(i / 3) % topics.size()]);
    const std::string& domain = domains[(i / 2) % domains.size()];
    articles.push_back(MakeArticle(absl::StrCat("https://ex.com/s", i), time,
                                   mine, domain, domain.empty() ? "" : "P"));
  }
  const std::shared_ptr<const Catalog> catalog = Build(std::move(articles));

  std::vector<Query> queries(5);
  queries[0].topics = {"energy"};
  queries[1].topics = {"economie"};
  queries[1].start_time = Utc(2023, 3, 10);
  queries[1].end_time = Utc(2023, 11, 2);
  queries[2].provider_domains = {"ft.com"};
  queries[3].topics = {"robots"};  // no posting list at all
  queries[4].topics = {"ai"};
  queries[4].start_time = Utc(2030, 1, 1);  // nothing in range
  for (const HistogramInterval interval :
       {HistogramInterval::kNone, HistogramInterval::kDay,
        HistogramInterval::kWeek, HistogramInterval::kMonth}) {
    for (size_t q = 0; q < queries.size(); ++q) {
      const Query& query = queries[q];
      SCOPED_TRACE(
          absl::StrCat("query ", q, ", interval ", static_cast<int>(interval)));
      // The scan: every article, checked field by field.
      int64_t total = 0;
      std::map<std::string, int64_t> topic_counts;
      std::map<std::string, int64_t> domain_counts;
      std::map<absl::Time, int64_t> buckets;
      for (ArticleIndex i = 0; i < catalog->size(); ++i) {
        const absl::Time time = catalog->publish_time(i);
        if (query.start_time && time < *query.start_time) continue;
        if (query.end_time && time >= *query.end_time) continue;
        bool topic_ok = query.topics.empty();
        for (const uint32_t id : catalog->TopicIds(i)) {
          topic_ok |= !query.topics.empty() &&
                      catalog->topic_key(id) == query.topics[0];
        }
        const bool domain_ok =
            query.provider_domains.empty() ||
            catalog->domain_key(i) == query.provider_domains[0];
        if (!topic_ok || !domain_ok) continue;
        ++total;
        for (const uint32_t id : catalog->TopicIds(i)) {
          ++topic_counts[catalog->topic_name(id)];
        }
        if (!catalog->domain_key(i).empty()) {
          ++domain_counts[std::string(catalog->domain_key(i))];
        }
        if (interval != HistogramInterval::kNone) {
          ++buckets[BucketStart(time, interval)];
        }
      }
      const Summary summary = SummarizeOk(*catalog, query, kMaxTopN, interval);
      EXPECT_EQ(summary.total_size, total);
      std::map<std::string, int64_t> got_topics;
      for (const Summary::Count& count : summary.topics) {
        got_topics[count.key] = count.count;
      }
      EXPECT_EQ(got_topics, topic_counts);
      std::map<std::string, int64_t> got_domains;
      for (const Summary::Count& count : summary.providers) {
        got_domains[count.key] = count.count;
      }
      EXPECT_EQ(got_domains, domain_counts);
      std::vector<std::pair<absl::Time, int64_t>> expected_buckets;
      if (!buckets.empty()) {
        for (absl::Time start = buckets.begin()->first;
             start <= buckets.rbegin()->first;
             start = NextBucketStart(start, interval)) {
          const auto it = buckets.find(start);
          expected_buckets.emplace_back(start,
                                        it == buckets.end() ? 0 : it->second);
        }
      }
      EXPECT_EQ(Buckets(summary), expected_buckets);
    }
  }
}

// ---------------------------------------------------------------------------
// Histograms.

TEST(SummaryTest, DayHistogramRunsFromFirstToLastMatchWithEmptyDays) {
  const std::shared_ptr<const Catalog> catalog = WeekCatalog();
  const Summary summary =
      SummarizeOk(*catalog, Query{}, kDefaultTopN, HistogramInterval::kDay);
  EXPECT_THAT(Buckets(summary),
              ElementsAre(Pair(Utc(2024, 1, 1), 2), Pair(Utc(2024, 1, 2), 0),
                          Pair(Utc(2024, 1, 3), 0), Pair(Utc(2024, 1, 4), 2),
                          Pair(Utc(2024, 1, 5), 1)));
}

TEST(SummaryTest, WeekHistogramCrossesTheYearOnIsoWeeks) {
  const std::shared_ptr<const Catalog> catalog = Build({
      // Thursday and Sunday of the week of Monday 2020-12-28.
      MakeArticle("https://ex.com/thu", Utc(2020, 12, 31, 12)),
      MakeArticle("https://ex.com/sun", Utc(2021, 1, 3, 23, 59, 59)),
      // Monday 2021-01-18, two empty weeks later.
      MakeArticle("https://ex.com/mon", Utc(2021, 1, 18)),
  });
  const Summary summary =
      SummarizeOk(*catalog, Query{}, kDefaultTopN, HistogramInterval::kWeek);
  EXPECT_EQ(summary.total_size, 3);
  EXPECT_THAT(
      Buckets(summary),
      ElementsAre(Pair(Utc(2020, 12, 28), 2), Pair(Utc(2021, 1, 4), 0),
                  Pair(Utc(2021, 1, 11), 0), Pair(Utc(2021, 1, 18), 1)));
}

TEST(SummaryTest, MonthHistogramIncludesEmptyMonths) {
  const std::shared_ptr<const Catalog> catalog = Build({
      MakeArticle("https://ex.com/dec", Utc(2023, 12, 31, 23, 59, 59)),
      MakeArticle("https://ex.com/jan", Utc(2024, 1, 31, 12)),
      MakeArticle("https://ex.com/jan2", Utc(2024, 1, 1)),
      MakeArticle("https://ex.com/apr", Utc(2024, 4, 1)),
  });
  const Summary summary =
      SummarizeOk(*catalog, Query{}, kDefaultTopN, HistogramInterval::kMonth);
  EXPECT_THAT(Buckets(summary),
              ElementsAre(Pair(Utc(2023, 12, 1), 1), Pair(Utc(2024, 1, 1), 2),
                          Pair(Utc(2024, 2, 1), 0), Pair(Utc(2024, 3, 1), 0),
                          Pair(Utc(2024, 4, 1), 1)));
}

TEST(SummaryTest, NoHistogramWithoutAnInterval) {
  const std::shared_ptr<const Catalog> catalog = WeekCatalog();
  const Summary summary =
      SummarizeOk(*catalog, Query{}, kDefaultTopN, HistogramInterval::kNone);
  EXPECT_EQ(summary.total_size, 5);
  EXPECT_THAT(summary.histogram, IsEmpty());
}

TEST(SummaryTest, DaysOverCenturiesAreTooManyBuckets) {
  const std::shared_ptr<const Catalog> catalog = Build({
      MakeArticle("https://ex.com/1800", Utc(1800, 1, 1, 12)),
      MakeArticle("https://ex.com/2100", Utc(2100, 1, 1, 12)),
  });
  const int64_t days =
      absl::CivilDay(2100, 1, 1) - absl::CivilDay(1800, 1, 1) + 1;
  ASSERT_EQ(days, 109574);
  const absl::StatusOr<Summary> summary =
      Summarize(SegmentedCatalog(*catalog), Query{}, kDefaultTopN,
                HistogramInterval::kDay);
  ASSERT_EQ(summary.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(summary.status().message()),
              HasSubstr("histogram would have 109574 buckets"));
  const google::rpc::ErrorInfo info = ErrorInfoOf(summary.status());
  EXPECT_EQ(info.reason(), "TOO_MANY_HISTOGRAM_BUCKETS");
  EXPECT_EQ(info.domain(), "newsmeta.v1");
  EXPECT_THAT(MetadataOf(info), UnorderedElementsAre(Pair("buckets", "109574"),
                                                     Pair("limit", "100000")));
  EXPECT_THAT(BadFieldsOf(summary.status()), ElementsAre("histogram_interval"));

  // Wider intervals over the same range are fine.
  const Summary months =
      SummarizeOk(*catalog, Query{}, kDefaultTopN, HistogramInterval::kMonth);
  ASSERT_EQ(months.histogram.size(), 300u * 12 + 1);
  EXPECT_EQ(months.histogram.front().start, Utc(1800, 1, 1));
  EXPECT_EQ(months.histogram.front().count, 1);
  EXPECT_EQ(months.histogram.back().start, Utc(2100, 1, 1));
  EXPECT_EQ(months.histogram.back().count, 1);
  EXPECT_EQ(months.histogram[1].count, 0);
}

TEST(SummaryTest, TooManyBucketsMessageNamesTheField) {
  // util/errors.h: the message of an InvalidField error "must name the
  // field", as every other INVALID_ARGUMENT of the API does.
  const std::shared_ptr<const Catalog> catalog = Build({
      MakeArticle("https://ex.com/1800", Utc(1800, 1, 1, 12)),
      MakeArticle("https://ex.com/2100", Utc(2100, 1, 1, 12)),
  });
  const absl::StatusOr<Summary> summary =
      Summarize(SegmentedCatalog(*catalog), Query{}, kDefaultTopN,
                HistogramInterval::kDay);
  ASSERT_EQ(summary.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(summary.status().message()),
              HasSubstr("histogram_interval"));
}

TEST(SummaryTest, HistogramOfExactlyTheMaximumBucketsIsAllowed) {
  const absl::CivilDay first(2000, 1, 1);
  const auto catalog_until = [&](int64_t days_after) {
    return Build({
        MakeArticle("https://ex.com/first",
                    absl::FromCivil(first, absl::UTCTimeZone())),
        MakeArticle("https://ex.com/last",
                    absl::FromCivil(first + days_after, absl::UTCTimeZone()) +
                        absl::Hours(5)),
    });
  };
  const Summary most = SummarizeOk(*catalog_until(kMaxHistogramBuckets - 1),
                                   Query{}, 10, HistogramInterval::kDay);
  EXPECT_EQ(kMaxHistogramBuckets, 100000);
  ASSERT_EQ(most.histogram.size(), 100000u);
  EXPECT_EQ(most.histogram.back().start,
            absl::FromCivil(first + 99999, absl::UTCTimeZone()));
  EXPECT_EQ(most.histogram.back().count, 1);

  const absl::StatusOr<Summary> one_more =
      Summarize(SegmentedCatalog(*catalog_until(kMaxHistogramBuckets)), Query{},
                10, HistogramInterval::kDay);
  ASSERT_EQ(one_more.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MetadataOf(ErrorInfoOf(one_more.status()))["buckets"], "100001");
}

// ---------------------------------------------------------------------------
// top_n.

TEST(SummaryTest, EffectiveTopNDefaultsCoercesAndRejectsNegatives) {
  EXPECT_EQ(EffectiveTopN(0).value(), 10);
  EXPECT_EQ(EffectiveTopN(1).value(), 1);
  EXPECT_EQ(EffectiveTopN(1000).value(), 1000);
  EXPECT_EQ(EffectiveTopN(1001).value(), 1000);
  EXPECT_EQ(EffectiveTopN(5000).value(), 1000);

  const absl::StatusOr<int> negative = EffectiveTopN(-1);
  ASSERT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(negative.status().message()), HasSubstr("top_n"));
  const google::rpc::ErrorInfo info = ErrorInfoOf(negative.status());
  EXPECT_EQ(info.reason(), "INVALID_TOP_N");
  EXPECT_EQ(info.domain(), "newsmeta.v1");
  EXPECT_THAT(MetadataOf(info), UnorderedElementsAre(Pair("top_n", "-1")));
  EXPECT_THAT(BadFieldsOf(negative.status()), ElementsAre("top_n"));
}

TEST(SummaryTest, SummarizeArticlesAnswersTheRequest) {
  CatalogHolder holder;
  holder.Set(WeekCatalog());
  newsmeta::v1::SummarizeArticlesRequest request;
  request.add_topics(" ÉNERGY ");  // folds to "energy"
  request.set_histogram_interval(newsmeta::v1::HISTOGRAM_INTERVAL_DAY);
  newsmeta::v1::SummarizeArticlesResponse response;
  const absl::Status status = SummarizeArticles(holder, request, &response);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(response.total_size(), 2);
  ASSERT_EQ(response.topic_counts_size(), 3);
  EXPECT_EQ(response.topic_counts(0).topic(), "Energy");
  EXPECT_EQ(response.topic_counts(0).count(), 2);
  ASSERT_EQ(response.provider_counts_size(), 2);
  EXPECT_EQ(response.provider_counts(1).domain(), "reuters.com");
  EXPECT_EQ(response.provider_counts(1).name(), "Reuters");
  ASSERT_EQ(response.histogram_size(), 4);
  EXPECT_EQ(response.histogram(0).start_time().seconds(),
            absl::ToUnixSeconds(Utc(2024, 1, 1)));
  EXPECT_EQ(response.histogram(3).start_time().seconds(),
            absl::ToUnixSeconds(Utc(2024, 1, 4)));
  EXPECT_EQ(response.histogram(1).count(), 0);

  request.set_top_n(-3);
  newsmeta::v1::SummarizeArticlesResponse rejected;
  const absl::Status negative = SummarizeArticles(holder, request, &rejected);
  EXPECT_EQ(negative.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadFieldsOf(negative), ElementsAre("top_n"));
}

// ---------------------------------------------------------------------------
// BatchGetArticles.

class BatchGetTest : public testing::Test {
 protected:
  BatchGetTest() {
    std::vector<Article> articles;
    for (const char* id : {"a", "b", "c"}) {
      Article article =
          MakeArticle(absl::StrCat("https://ex.com/", id), Utc(2024, 1, 1),
                      {"AI"}, "ex.com", "Example");
      newsmeta::v1::RelatedLink* link = article.add_related();
      link->set_title("Related");
      link->set_web_url("https://elsewhere.example/x");
      article.set_secured("c2VjcmV0");
      article.set_body(absl::StrCat("Body of ", id));
      (*article.mutable_extra_fields()->mutable_fields())["color"]
          .set_string_value("blue");
      articles.push_back(article);
      names_.push_back(article.name());
    }
    catalog_ = Build(std::move(articles));
    holder_.Set(catalog_);
  }

  newsmeta::v1::BatchGetArticlesRequest Request(
      const std::vector<std::string>& names) const {
    newsmeta::v1::BatchGetArticlesRequest request;
    for (const std::string& name : names) request.add_names(name);
    return request;
  }

  static std::vector<std::string> NamesOf(
      const newsmeta::v1::BatchGetArticlesResponse& response) {
    std::vector<std::string> names;
    for (const Article& article : response.articles()) {
      names.push_back(article.name());
    }
    return names;
  }

  std::shared_ptr<const Catalog> catalog_;
  CatalogHolder holder_;
  // Names of a, b, c.
  std::vector<std::string> names_;
};

TEST_F(BatchGetTest, AnswersInRequestOrderWithRepeats) {
  const std::vector<std::string> asked = {names_[2], names_[0], names_[2],
                                          names_[1]};
  newsmeta::v1::BatchGetArticlesResponse response;
  const absl::Status status =
      BatchGetArticles(holder_, Request(asked), &response);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(NamesOf(response), asked);
}

TEST_F(BatchGetTest, DefaultViewIsFull) {
  newsmeta::v1::BatchGetArticlesResponse response;
  ASSERT_TRUE(BatchGetArticles(holder_, Request({names_[1]}), &response).ok());
  ASSERT_EQ(response.articles_size(), 1);
  const Article& article = response.articles(0);
  EXPECT_TRUE(MessageDifferencer::Equals(article, *catalog_->Find(names_[1])));
  EXPECT_EQ(article.related_size(), 1);
  EXPECT_EQ(article.secured(), "c2VjcmV0");
  EXPECT_EQ(article.body(), "Body of b");
  EXPECT_EQ(article.extra_fields().fields().at("color").string_value(), "blue");
}

TEST_F(BatchGetTest, BasicViewLeavesOutRelatedSecuredBodyAndExtraFields) {
  newsmeta::v1::BatchGetArticlesRequest request =
      Request({names_[0], names_[0]});
  request.set_view(newsmeta::v1::ARTICLE_VIEW_BASIC);
  newsmeta::v1::BatchGetArticlesResponse response;
  ASSERT_TRUE(BatchGetArticles(holder_, request, &response).ok());
  ASSERT_EQ(response.articles_size(), 2);
  for (const Article& article : response.articles()) {
    EXPECT_EQ(article.name(), names_[0]);
    EXPECT_EQ(article.title(), "Story at https://ex.com/a");
    EXPECT_THAT(article.topics(), ElementsAre("AI"));
    EXPECT_EQ(article.related_size(), 0);
    EXPECT_EQ(article.secured(), "");
    EXPECT_EQ(article.body(), "");
    EXPECT_FALSE(article.has_extra_fields());
  }
}

TEST_F(BatchGetTest, UnknownNameFailsTheWholeCallWithNotFound) {
  const std::string unknown = ArticleNameForUrl("https://ex.com/missing");
  newsmeta::v1::BatchGetArticlesResponse response;
  const absl::Status status = BatchGetArticles(
      holder_, Request({names_[0], unknown, names_[1]}), &response);
  ASSERT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(status.message()), HasSubstr(unknown));
  EXPECT_THAT(std::string(status.message()), HasSubstr("names[1]"));
  // All or nothing: the known names before it are not answered.
  EXPECT_EQ(response.articles_size(), 0);
  const google::rpc::ErrorInfo info = ErrorInfoOf(status);
  EXPECT_EQ(info.reason(), "ARTICLE_NOT_FOUND");
  EXPECT_EQ(info.domain(), "newsmeta.v1");
  EXPECT_THAT(
      MetadataOf(info),
      UnorderedElementsAre(Pair("name", unknown), Pair("field", "names[1]")));
}

TEST_F(BatchGetTest, FirstUnknownNameIsTheOneReported) {
  const std::string first = ArticleNameForUrl("https://ex.com/missing1");
  const std::string second = ArticleNameForUrl("https://ex.com/missing2");
  newsmeta::v1::BatchGetArticlesResponse response;
  const absl::Status status = BatchGetArticles(
      holder_, Request({names_[0], names_[1], first, second}), &response);
  ASSERT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(MetadataOf(ErrorInfoOf(status))["name"], first);
  EXPECT_EQ(MetadataOf(ErrorInfoOf(status))["field"], "names[2]");
  EXPECT_EQ(response.articles_size(), 0);
}

TEST_F(BatchGetTest, MalformedNameIsInvalidArgumentNamingItsIndex) {
  newsmeta::v1::BatchGetArticlesResponse response;
  const absl::Status status = BatchGetArticles(
      holder_, Request({names_[0], names_[1], "articles/NOT-HEX-AT-ALL"}),
      &response);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("names[2]"));
  EXPECT_EQ(response.articles_size(), 0);
  const google::rpc::ErrorInfo info = ErrorInfoOf(status);
  EXPECT_EQ(info.reason(), "INVALID_ARTICLE_NAME");
  EXPECT_EQ(info.domain(), "newsmeta.v1");
  EXPECT_THAT(MetadataOf(info), UnorderedElementsAre(Pair(
                                    "names[2]", "articles/NOT-HEX-AT-ALL")));
  EXPECT_THAT(BadFieldsOf(status), ElementsAre("names[2]"));
}

TEST_F(BatchGetTest, MalformedNameWinsOverAnEarlierUnknownOne) {
  // Every name is validated before any is looked up.
  const std::string unknown = ArticleNameForUrl("https://ex.com/missing");
  newsmeta::v1::BatchGetArticlesResponse response;
  const absl::Status status =
      BatchGetArticles(holder_, Request({unknown, ""}), &response);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorInfoOf(status).reason(), "MISSING_ARTICLE_NAME");
  EXPECT_THAT(BadFieldsOf(status), ElementsAre("names[1]"));
}

TEST_F(BatchGetTest, EmptyNamesIsInvalidArgument) {
  newsmeta::v1::BatchGetArticlesResponse response;
  const absl::Status status = BatchGetArticles(holder_, Request({}), &response);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("names"));
  const google::rpc::ErrorInfo info = ErrorInfoOf(status);
  EXPECT_EQ(info.reason(), "MISSING_NAMES");
  EXPECT_EQ(info.domain(), "newsmeta.v1");
  EXPECT_THAT(BadFieldsOf(status), ElementsAre("names"));
}

TEST_F(BatchGetTest, AtMost1000Names) {
  std::vector<std::string> thousand(1000, names_[0]);
  newsmeta::v1::BatchGetArticlesResponse response;
  const absl::Status ok =
      BatchGetArticles(holder_, Request(thousand), &response);
  ASSERT_TRUE(ok.ok()) << ok;
  EXPECT_EQ(response.articles_size(), 1000);

  thousand.push_back(names_[1]);
  newsmeta::v1::BatchGetArticlesResponse too_many;
  const absl::Status status =
      BatchGetArticles(holder_, Request(thousand), &too_many);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("1001"));
  EXPECT_EQ(too_many.articles_size(), 0);
  const google::rpc::ErrorInfo info = ErrorInfoOf(status);
  EXPECT_EQ(info.reason(), "TOO_MANY_NAMES");
  EXPECT_EQ(info.domain(), "newsmeta.v1");
  EXPECT_THAT(MetadataOf(info), UnorderedElementsAre(Pair("count", "1001"),
                                                     Pair("limit", "1000")));
  EXPECT_THAT(BadFieldsOf(status), ElementsAre("names"));
}

TEST_F(BatchGetTest, UndefinedViewIsInvalidArgument) {
  newsmeta::v1::BatchGetArticlesRequest request = Request({names_[0]});
  request.set_view(static_cast<newsmeta::v1::ArticleView>(7));
  newsmeta::v1::BatchGetArticlesResponse response;
  const absl::Status status = BatchGetArticles(holder_, request, &response);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorInfoOf(status).reason(), "INVALID_VIEW");
  EXPECT_THAT(BadFieldsOf(status), ElementsAre("view"));
  EXPECT_EQ(response.articles_size(), 0);
}

TEST_F(BatchGetTest, UnavailableWhileNoCatalogIsLoaded) {
  const CatalogHolder empty;
  newsmeta::v1::BatchGetArticlesResponse response;
  const absl::Status status =
      BatchGetArticles(empty, Request({names_[0]}), &response);
  ASSERT_EQ(status.code(), absl::StatusCode::kUnavailable);
  const google::rpc::ErrorInfo info = ErrorInfoOf(status);
  EXPECT_EQ(info.reason(), "CATALOG_LOADING");
  EXPECT_EQ(info.domain(), "newsmeta.v1");
  EXPECT_EQ(response.articles_size(), 0);
}

}  // namespace
}  // namespace newsmeta
