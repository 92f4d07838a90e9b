// A query over the catalog: which articles, in which order.
#ifndef NEWSMETA_SERVER_QUERY_QUERY_H_
#define NEWSMETA_SERVER_QUERY_QUERY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace newsmeta {

enum class SortOrder { kNewestFirst, kOldestFirst };

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
  // By (publish_time, name), in this direction.
  SortOrder order = SortOrder::kNewestFirst;
};

// A canonical text of `query`: equal for equal queries, on every replica.
std::string CanonicalQueryText(const Query& query);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_QUERY_QUERY_H_
