#include "query/summary.h"

#include <algorithm>
#include <map>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/types/span.h"
#include "query/cursor.h"
#include "util/errors.h"
#include "util/status_macros.h"

namespace newsmeta {
namespace {

// Keeps the `top_n` largest of `counts` (key and count; zero counts left
// out), largest first, ties by key.
std::vector<Summary::Count> Top(
    const absl::flat_hash_map<absl::string_view, int64_t>& counts, int top_n) {
  std::vector<std::pair<int64_t, absl::string_view>> all;
  all.reserve(counts.size());
  for (const auto& [key, count] : counts) {
    if (count > 0) all.emplace_back(count, key);
  }
  const auto before = [](const std::pair<int64_t, absl::string_view>& a,
                         const std::pair<int64_t, absl::string_view>& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  };
  const size_t keep = std::min(all.size(), static_cast<size_t>(top_n));
  std::partial_sort(all.begin(), all.begin() + keep, all.end(), before);
  std::vector<Summary::Count> top;
  top.reserve(keep);
  for (size_t i = 0; i < keep; ++i) {
    top.push_back({std::string(all[i].second), "", all[i].first});
  }
  return top;
}

int64_t BucketCount(absl::Time first, absl::Time last,
                    HistogramInterval interval) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilDay first_day = absl::ToCivilDay(first, utc);
  const absl::CivilDay last_day = absl::ToCivilDay(last, utc);
  switch (interval) {
    case HistogramInterval::kDay:
      return last_day - first_day + 1;
    case HistogramInterval::kWeek:
      return (last_day - first_day) / 7 + 1;
    case HistogramInterval::kMonth:
      return absl::CivilMonth(last_day) - absl::CivilMonth(first_day) + 1;
    case HistogramInterval::kNone:
      break;
  }
  return 0;
}

absl::Status CheckBucketCount(int64_t total_buckets) {
  if (total_buckets <= kMaxHistogramBuckets) return absl::OkStatus();
  return InvalidField(
      "histogram_interval", "TOO_MANY_HISTOGRAM_BUCKETS",
      absl::StrCat("histogram_interval: the histogram would have ",
                   total_buckets, " buckets, more than ", kMaxHistogramBuckets,
                   "; narrow the time range or choose a wider interval"),
      {{"buckets", absl::StrCat(total_buckets)},
       {"limit", absl::StrCat(kMaxHistogramBuckets)}});
}

// Counts the histogram of `run` (indexes ascending, so publish times
// ascending) into `buckets`: one binary search per bucket, from the bucket
// of its first article to that of its last.
absl::Status HistogramOfRun(const Catalog& catalog,
                            absl::Span<const ArticleIndex> run,
                            HistogramInterval interval,
                            std::map<absl::Time, int64_t>* buckets) {
  if (run.empty()) return absl::OkStatus();
  const absl::Time first =
      BucketStart(catalog.publish_time(run.front()), interval);
  const absl::Time last =
      BucketStart(catalog.publish_time(run.back()), interval);
  RETURN_IF_ERROR(CheckBucketCount(BucketCount(first, last, interval)));
  const ArticleIndex* begin = run.data();
  const ArticleIndex* const end = run.data() + run.size();
  for (absl::Time start = first; start <= last;) {
    const absl::Time next = NextBucketStart(start, interval);
    const ArticleIndex* bucket_end = std::partition_point(
        begin, end,
        [&](ArticleIndex index) { return catalog.publish_time(index) < next; });
    if (bucket_end != begin) (*buckets)[start] += bucket_end - begin;
    begin = bucket_end;
    start = next;
  }
  return absl::OkStatus();
}

// Counts the matches of `query` in one segment: the total, each topic and
// provider domain (by key, into `topics` and `providers`), and the
// histogram's buckets.
absl::Status SummarizeSegment(
    const Catalog& catalog, const DeletionSet* deleted, const Query& query,
    HistogramInterval interval, Summary* summary,
    absl::flat_hash_map<absl::string_view, int64_t>* topics,
    absl::flat_hash_map<absl::string_view, int64_t>* providers,
    std::map<absl::Time, int64_t>* buckets) {
  std::vector<int64_t> topic_counts(catalog.topic_count());
  std::vector<int64_t> provider_counts(catalog.domain_count());
  // The bucket of the last match: matches come in time order, so most fall
  // in the same bucket as the one before and need no calendar arithmetic.
  absl::Time bucket_start = absl::InfiniteFuture();
  absl::Time bucket_end = absl::InfiniteFuture();
  int64_t* bucket_count = nullptr;
  const auto count_article = [&](ArticleIndex index) {
    for (const uint32_t topic : catalog.TopicIds(index)) {
      ++topic_counts[topic];
    }
    if (catalog.DomainId(index) != Catalog::kNoDomain) {
      ++provider_counts[catalog.DomainId(index)];
    }
  };
  QueryCursor cursor(catalog, query, std::nullopt, nullptr, deleted);
  // When the matches are one posting list's run (say, a topic alone), count
  // straight over it, and find each histogram bucket's end by binary search
  // in it (times ascend with the index).
  const std::optional<absl::Span<const ArticleIndex>> run = cursor.SingleRun();
  if (run) {
    summary->total_size += static_cast<int64_t>(run->size());
    for (const ArticleIndex index : *run) count_article(index);
    if (interval != HistogramInterval::kNone) {
      RETURN_IF_ERROR(HistogramOfRun(catalog, *run, interval, buckets));
    }
  }
  for (std::optional<ArticleIndex> index = run ? std::nullopt : cursor.Next();
       index; index = cursor.Next()) {
    ++summary->total_size;
    count_article(*index);
    if (interval != HistogramInterval::kNone) {
      const absl::Time time = catalog.publish_time(*index);
      if (time < bucket_start || time >= bucket_end) {
        bucket_start = BucketStart(time, interval);
        bucket_end = NextBucketStart(bucket_start, interval);
        bucket_count = &(*buckets)[bucket_start];
      }
      ++*bucket_count;
    }
  }
  for (uint32_t id = 0; id < topic_counts.size(); ++id) {
    if (topic_counts[id] > 0) {
      (*topics)[catalog.topic_key(id)] += topic_counts[id];
    }
  }
  for (uint32_t id = 0; id < provider_counts.size(); ++id) {
    if (provider_counts[id] > 0) {
      (*providers)[catalog.domain_key_of(id)] += provider_counts[id];
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Time BucketStart(absl::Time time, HistogramInterval interval) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilDay day = absl::ToCivilDay(time, utc);
  switch (interval) {
    case HistogramInterval::kWeek:
      // absl::Weekday counts from Monday = 0.
      return absl::FromCivil(day - static_cast<int>(absl::GetWeekday(day)),
                             utc);
    case HistogramInterval::kMonth:
      return absl::FromCivil(absl::CivilMonth(day), utc);
    default:
      return absl::FromCivil(day, utc);
  }
}

absl::Time NextBucketStart(absl::Time start, HistogramInterval interval) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilDay day = absl::ToCivilDay(start, utc);
  switch (interval) {
    case HistogramInterval::kWeek:
      return absl::FromCivil(day + 7, utc);
    case HistogramInterval::kMonth:
      return absl::FromCivil(absl::CivilMonth(day) + 1, utc);
    default:
      return absl::FromCivil(day + 1, utc);
  }
}

absl::StatusOr<int> EffectiveTopN(int64_t requested) {
  if (requested < 0) {
    return InvalidField(
        "top_n", "INVALID_TOP_N",
        absl::StrCat("top_n must not be negative, got ", requested,
                     "; use 0 for the default of ", kDefaultTopN),
        {{"top_n", absl::StrCat(requested)}});
  }
  if (requested == 0) return kDefaultTopN;
  return static_cast<int>(std::min<int64_t>(requested, kMaxTopN));
}

absl::StatusOr<Summary> Summarize(const SegmentedCatalog& catalog,
                                  const Query& query, int top_n,
                                  HistogramInterval interval) {
  Summary summary;
  // By key, over every segment (the keys point into the segments).
  absl::flat_hash_map<absl::string_view, int64_t> topics;
  absl::flat_hash_map<absl::string_view, int64_t> providers;
  std::map<absl::Time, int64_t> buckets;
  for (uint32_t s = 0; s < catalog.segment_count(); ++s) {
    RETURN_IF_ERROR(SummarizeSegment(catalog.segment(s), catalog.deleted(s),
                                     query, interval, &summary, &topics,
                                     &providers, &buckets));
  }
  summary.topics = Top(topics, top_n);
  for (Summary::Count& count : summary.topics) {
    count.key = std::string(catalog.TopicName(count.key));
  }
  summary.providers = Top(providers, top_n);
  for (Summary::Count& count : summary.providers) {
    count.name = std::string(catalog.ProviderName(count.key));
  }
  if (buckets.empty()) return summary;
  const absl::Time first = buckets.begin()->first;
  const absl::Time last = buckets.rbegin()->first;
  const int64_t total_buckets = BucketCount(first, last, interval);
  RETURN_IF_ERROR(CheckBucketCount(total_buckets));
  summary.histogram.reserve(total_buckets);
  for (absl::Time start = first; start <= last;
       start = NextBucketStart(start, interval)) {
    const auto it = buckets.find(start);
    summary.histogram.push_back({start, it == buckets.end() ? 0 : it->second});
  }
  return summary;
}

}  // namespace newsmeta
