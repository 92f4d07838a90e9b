// Walks the articles that match a query, in the query's order, using the
// catalog's indexes: never the whole catalog when a topic or domain applies.
#ifndef NEWSMETA_SERVER_QUERY_CURSOR_H_
#define NEWSMETA_SERVER_QUERY_CURSOR_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "catalog/catalog.h"
#include "query/query.h"

namespace newsmeta {

// A place in the total order (publish_time, name): the last article a page
// returned.
struct Position {
  absl::Time time;
  std::string name;
};

class QueryCursor {
 public:
  // Starts at the first match, or at the first match after `after` in the
  // query's order. `catalog` must outlive the cursor.
  QueryCursor(const Catalog& catalog, const Query& query,
              const std::optional<Position>& after = std::nullopt);

  // The next match, or nullopt when there is none. Each match is returned
  // once, even when it has several of the query's topics.
  std::optional<ArticleIndex> Next();

  // How many matches Next() has still to return (does not move the cursor).
  size_t CountRemaining() const;

 private:
  // What is left of one posting list: [begin, end).
  struct Run {
    const ArticleIndex* begin;
    const ArticleIndex* end;
  };

  bool MatchesFilter(ArticleIndex index) const;

  const Catalog* catalog_;
  bool descending_;
  // Without posting lists the cursor walks [lo_, hi_) of the catalog.
  bool use_runs_ = false;
  ArticleIndex lo_ = 0;
  ArticleIndex hi_ = 0;
  std::vector<Run> runs_;
  // Provider domains to check per article (when topics chose the runs).
  const std::vector<std::string>* domain_filter_ = nullptr;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_QUERY_CURSOR_H_
