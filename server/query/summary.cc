#include "query/summary.h"

#include <algorithm>
#include <map>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "query/cursor.h"
#include "util/errors.h"

namespace newsmeta {
namespace {

// Keeps the `top_n` largest counts, largest first, ties by key.
std::vector<Summary::Count> Top(
    const absl::flat_hash_map<std::string, int64_t>& counts, int top_n) {
  std::vector<Summary::Count> all;
  all.reserve(counts.size());
  for (const auto& [key, count] : counts) all.push_back({key, "", count});
  const auto before = [](const Summary::Count& a, const Summary::Count& b) {
    return a.count != b.count ? a.count > b.count : a.key < b.key;
  };
  const size_t keep = std::min(all.size(), static_cast<size_t>(top_n));
  std::partial_sort(all.begin(), all.begin() + keep, all.end(), before);
  all.resize(keep);
  return all;
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

absl::StatusOr<Summary> Summarize(const Catalog& catalog, const Query& query,
                                  int top_n, HistogramInterval interval) {
  absl::flat_hash_map<std::string, int64_t> topic_counts;
  absl::flat_hash_map<std::string, int64_t> provider_counts;
  std::map<absl::Time, int64_t> buckets;
  Summary summary;
  std::vector<std::string> keys;
  QueryCursor cursor(catalog, query);
  for (std::optional<ArticleIndex> index = cursor.Next(); index;
       index = cursor.Next()) {
    ++summary.total_size;
    const newsmeta::v1::Article& article = catalog.article(*index);
    keys.clear();
    for (const std::string& topic : article.topics()) {
      keys.push_back(NormalizeKey(topic));
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (std::string& key : keys) ++topic_counts[std::move(key)];
    if (!catalog.domain_key(*index).empty()) {
      ++provider_counts[catalog.domain_key(*index)];
    }
    if (interval != HistogramInterval::kNone) {
      ++buckets[BucketStart(catalog.publish_time(*index), interval)];
    }
  }
  summary.topics = Top(topic_counts, top_n);
  for (Summary::Count& count : summary.topics) {
    count.key = std::string(catalog.TopicName(count.key));
  }
  summary.providers = Top(provider_counts, top_n);
  for (Summary::Count& count : summary.providers) {
    count.name = std::string(catalog.ProviderName(count.key));
  }
  if (buckets.empty()) return summary;
  const absl::Time first = buckets.begin()->first;
  const absl::Time last = buckets.rbegin()->first;
  const int64_t total_buckets = BucketCount(first, last, interval);
  if (total_buckets > kMaxHistogramBuckets) {
    return InvalidField(
        "histogram_interval", "TOO_MANY_HISTOGRAM_BUCKETS",
        absl::StrCat("histogram_interval: the histogram would have ",
                     total_buckets, " buckets, more than ",
                     kMaxHistogramBuckets,
                     "; narrow the time range or choose a wider interval"),
        {{"buckets", absl::StrCat(total_buckets)},
         {"limit", absl::StrCat(kMaxHistogramBuckets)}});
  }
  summary.histogram.reserve(total_buckets);
  for (absl::Time start = first; start <= last;
       start = NextBucketStart(start, interval)) {
    const auto it = buckets.find(start);
    summary.histogram.push_back({start, it == buckets.end() ? 0 : it->second});
  }
  return summary;
}

}  // namespace newsmeta
