// The matches of a query in the query's own order (any sort keys), over every
// segment of a catalog.
#ifndef NEWSMETA_SERVER_QUERY_ORDERED_MATCHES_H_
#define NEWSMETA_SERVER_QUERY_ORDERED_MATCHES_H_

#include <optional>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "catalog/segmented_catalog.h"
#include "query/cursor.h"
#include "query/query.h"

namespace newsmeta {

// True when `a` comes before `b` in the order `specs` (ties on every key
// broken by name, in the direction of the last key).
bool ComesBefore(const Position& a, const Position& b,
                 const std::vector<SortSpec>& specs);

// The position of a segmented catalog's article.
Position PositionOf(const SegmentedCatalog& catalog, ArticleRef article);

class OrderedMatches {
 public:
  // Starts at the first match, or after `after`. Queries in publish-time
  // order are walked lazily, one cursor per segment merged by (publish_time,
  // name); other orders collect the matches (found through the indexes) and
  // sort them. `catalog` and `query` must outlive this.
  OrderedMatches(const SegmentedCatalog& catalog, const Query& query,
                 const std::optional<Position>& after = std::nullopt);

  // The next match in order, or nullopt at the end.
  std::optional<ArticleRef> Next();

  // Number of matches of the whole query, wherever this started.
  size_t TotalSize() const;

 private:
  // Whether segment a's head comes before segment b's in the walk.
  bool HeadFirst(uint32_t a, uint32_t b) const;

  const SegmentedCatalog* catalog_;
  const Query* query_;
  // Time order: a cursor per segment, and the next match each has found
  // (filled on the first Next, when there are several).
  // (Inlined: a catalog of one segment allocates nothing for them.)
  absl::InlinedVector<QueryCursor, 1> cursors_;
  absl::InlinedVector<std::optional<ArticleIndex>, 2> heads_;
  bool heads_filled_ = false;
  bool descending_ = false;
  std::vector<ArticleRef> sorted_;  // other orders
  size_t next_ = 0;
  // The cursors start at the first match and Next has not moved them yet:
  // they can count the whole query themselves.
  bool at_start_ = false;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_QUERY_ORDERED_MATCHES_H_
