// Counts over every article that matches a query (SummarizeArticles).
#ifndef NEWSMETA_SERVER_QUERY_SUMMARY_H_
#define NEWSMETA_SERVER_QUERY_SUMMARY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "catalog/segmented_catalog.h"
#include "query/query.h"

namespace newsmeta {

enum class HistogramInterval { kNone, kDay, kWeek, kMonth };

inline constexpr int kDefaultTopN = 10;
inline constexpr int kMaxTopN = 1000;
// A histogram longer than this is refused (e.g. days over centuries).
inline constexpr int64_t kMaxHistogramBuckets = 100000;

struct Summary {
  struct Count {
    std::string key;   // topic as first spelled, or provider domain
    std::string name;  // provider name; empty for topics
    int64_t count = 0;
  };
  struct Bucket {
    absl::Time start;
    int64_t count = 0;
  };
  int64_t total_size = 0;
  std::vector<Count> topics;      // most frequent first, ties by key
  std::vector<Count> providers;   // most frequent first, ties by domain
  std::vector<Bucket> histogram;  // oldest first, empty buckets included
};

// Start of the UTC bucket that holds `time`: midnight of its day, of the
// Monday of its ISO week, or of the first day of its month.
absl::Time BucketStart(absl::Time time, HistogramInterval interval);
// Start of the bucket after the one starting at `start`.
absl::Time NextBucketStart(absl::Time start, HistogramInterval interval);

// The top_n value to use: 0 means the default, larger values than the
// maximum are coerced, negative ones are INVALID_ARGUMENT.
absl::StatusOr<int> EffectiveTopN(int64_t requested);

absl::StatusOr<Summary> Summarize(const SegmentedCatalog& catalog,
                                  const Query& query, int top_n,
                                  HistogramInterval interval);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_QUERY_SUMMARY_H_
