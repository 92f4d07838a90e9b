// A query over the catalog: which articles, in which order.
#ifndef NEWSMETA_SERVER_QUERY_QUERY_H_
#define NEWSMETA_SERVER_QUERY_QUERY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "filter/filter.h"
#include "text/text_query.h"

namespace newsmeta {

enum class SortKey { kPublishTime, kQuality, kHeat };

struct SortSpec {
  SortKey key = SortKey::kPublishTime;
  bool descending = true;
};

struct Query {
  // Match any of these topics (NormalizeKey form, sorted, unique); empty
  // matches every article.
  std::vector<std::string> topics;
  // publish_time >= start_time, when set.
  std::optional<absl::Time> start_time;
  // publish_time < end_time, when set.
  std::optional<absl::Time> end_time;
  // Match any of these provider domains (NormalizeKey form, sorted, unique).
  std::vector<std::string> provider_domains;
  // AIP-160 filter as the caller wrote it (trimmed), and parsed; an empty
  // source parses to an AND of nothing, which matches every article.
  std::string filter_source;
  FilterExpr filter{FilterExpr::Kind::kAnd, {}, {}};
  // Full-text search as the caller wrote it (trimmed), and parsed.
  std::string text_source;
  TextQuery text;
  // Sort keys, most significant first; never empty. Ties on every key are
  // broken by name, in the direction of the last key.
  std::vector<SortSpec> order = {SortSpec{}};
};

// True when `query` sorts by publish time alone, the order of the catalog's
// indexes, so that matches can be produced lazily.
bool IsTimeOrdered(const Query& query);

// A canonical text of `query`: equal for equal queries, on every replica.
std::string CanonicalQueryText(const Query& query);

// A 64-bit fingerprint of every field of `query` (as CanonicalQueryText
// names them): equal for equal queries on every replica and build, different
// for different ones but for hash collisions. Cheap: a binary encoding of the
// fields (times as integers) through StableHash64.
uint64_t QueryFingerprint(const Query& query);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_QUERY_QUERY_H_
