// The matches of a query in the query's own order (any sort keys).
#ifndef NEWSMETA_SERVER_QUERY_ORDERED_MATCHES_H_
#define NEWSMETA_SERVER_QUERY_ORDERED_MATCHES_H_

#include <optional>
#include <vector>

#include "catalog/catalog.h"
#include "query/cursor.h"
#include "query/query.h"

namespace newsmeta {

// True when `a` comes before `b` in the order `specs` (ties on every key
// broken by name, in the direction of the last key).
bool ComesBefore(const Position& a, const Position& b,
                 const std::vector<SortSpec>& specs);

class OrderedMatches {
 public:
  // Starts at the first match, or after `after`. Queries in publish-time
  // order are walked lazily; other orders collect the matches (found through
  // the indexes) and sort them. `catalog` and `query` must outlive this.
  OrderedMatches(const Catalog& catalog, const Query& query,
                 const std::optional<Position>& after = std::nullopt);

  // The next match in order, or nullopt at the end.
  std::optional<ArticleIndex> Next();

  // Number of matches of the whole query, wherever this started.
  size_t TotalSize() const;

 private:
  const Catalog* catalog_;
  const Query* query_;
  std::optional<QueryCursor> cursor_;  // time order
  std::vector<ArticleIndex> sorted_;   // other orders
  size_t next_ = 0;
  // cursor_ starts at the first match and Next has not moved it yet: it can
  // count the whole query itself.
  bool at_start_ = false;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_QUERY_ORDERED_MATCHES_H_
