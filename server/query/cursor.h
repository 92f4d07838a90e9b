// Walks the articles that match a query in publish-time order, using the
// catalog's indexes: the smallest applicable candidate set (topic, provider
// domain or text postings) drives the walk, and only its candidates are
// checked against the rest of the query.
#ifndef NEWSMETA_SERVER_QUERY_CURSOR_H_
#define NEWSMETA_SERVER_QUERY_CURSOR_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "catalog/catalog.h"
#include "catalog/deletion_set.h"
#include "query/query.h"

namespace newsmeta {

// A place in a query's order: the sort values and name of the last article a
// page returned.
struct Position {
  absl::Time time;
  int32_t quality = 0;
  int32_t heat = 0;
  std::string name;
};

// The position of the article at `index`.
Position PositionOf(const Catalog& catalog, ArticleIndex index);

class QueryCursor {
 public:
  // Walks by (publish_time, name), descending when the query's only sort key
  // is `publish_time desc`, ascending otherwise. With `after`, starts after
  // that position (time order only). `catalog` and `query` must outlive the
  // cursor. `text_matches`, when given, are the query's text matches as
  // another cursor of the same query found them (text_matches()), which
  // saves intersecting the posting lists again. Articles in `deleted`
  // (when given, it must outlive the cursor) are skipped, as if the catalog
  // did not have them.
  using TextMatches = std::shared_ptr<const std::vector<ArticleIndex>>;
  QueryCursor(const Catalog& catalog, const Query& query,
              const std::optional<Position>& after = std::nullopt,
              TextMatches text_matches = nullptr,
              const DeletionSet* deleted = nullptr);

  // The documents matching the query's text (nullptr without text).
  const TextMatches& text_matches() const { return text_matches_; }

  // When the matches are exactly one posting list's run (nothing else to
  // check and nothing deleted), that run in ascending order; nullopt
  // otherwise. Says nothing of what Next() has already returned: call it on
  // a fresh cursor.
  std::optional<absl::Span<const ArticleIndex>> SingleRun() const;

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
  // Posting lists whose union is a candidate set (mostly one or two: no
  // allocation then).
  using RunSet = absl::InlinedVector<Run, 2>;

  RunSet RunsOf(const std::vector<ArticleIndex>* const* lists,
                size_t count) const;
  RunSet RunsFor(const std::vector<std::string>& keys,
                 const std::vector<ArticleIndex>* (Catalog::*postings)(
                     absl::string_view) const) const;
  bool Accepts(ArticleIndex index) const;
  // How many of the deleted articles lie in `run`.
  size_t DeletedIn(const Run& run) const;

  const Catalog* catalog_;
  const Query* query_;
  bool descending_;
  ArticleIndex lo_ = 0;
  ArticleIndex hi_ = 0;
  // Without runs the cursor walks [lo_, hi_) of the catalog.
  bool use_runs_ = false;
  RunSet runs_;
  // Required candidate sets that do not drive the walk: checked per
  // candidate by binary search.
  std::vector<RunSet> checks_;
  bool check_filter_ = false;
  // Documents matching the text query, shared by copies of the cursor.
  TextMatches text_matches_;
  // nullptr when nothing is deleted.
  const DeletionSet* deleted_ = nullptr;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_QUERY_CURSOR_H_
