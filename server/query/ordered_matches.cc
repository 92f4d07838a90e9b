#include "query/ordered_matches.h"

#include <algorithm>
#include <tuple>

namespace newsmeta {
namespace {

// -1, 0 or 1 as `a` sorts before, with or after `b` on one key, ascending.
int CompareKey(const Position& a, const Position& b, SortKey key) {
  switch (key) {
    case SortKey::kPublishTime:
      return a.time < b.time ? -1 : b.time < a.time ? 1 : 0;
    case SortKey::kQuality:
      return a.quality < b.quality ? -1 : b.quality < a.quality ? 1 : 0;
    case SortKey::kHeat:
      return a.heat < b.heat ? -1 : b.heat < a.heat ? 1 : 0;
  }
  return 0;
}

}  // namespace

bool ComesBefore(const Position& a, const Position& b,
                 const std::vector<SortSpec>& specs) {
  for (const SortSpec& spec : specs) {
    const int order = CompareKey(a, b, spec.key);
    if (order != 0) return spec.descending ? order > 0 : order < 0;
  }
  const bool descending = !specs.empty() && specs.back().descending;
  return descending ? a.name > b.name : a.name < b.name;
}

Position PositionOf(const SegmentedCatalog& catalog, ArticleRef article) {
  return PositionOf(catalog.segment(article.segment), article.index);
}

OrderedMatches::OrderedMatches(const SegmentedCatalog& catalog,
                               const Query& query,
                               const std::optional<Position>& after)
    : catalog_(&catalog), query_(&query) {
  const uint32_t segments = catalog.segment_count();
  if (IsTimeOrdered(query)) {
    descending_ = query.order[0].descending;
    cursors_.reserve(segments);
    for (uint32_t s = 0; s < segments; ++s) {
      cursors_.emplace_back(catalog.segment(s), query, after, nullptr,
                            catalog.deleted(s));
    }
    at_start_ = !after.has_value();
    return;
  }
  std::vector<Position> positions;
  for (uint32_t s = 0; s < segments; ++s) {
    QueryCursor all(catalog.segment(s), query, std::nullopt, nullptr,
                    catalog.deleted(s));
    for (std::optional<ArticleIndex> index = all.Next(); index;
         index = all.Next()) {
      sorted_.push_back({s, *index});
    }
  }
  positions.reserve(sorted_.size());
  for (const ArticleRef article : sorted_) {
    positions.push_back(PositionOf(catalog, article));
  }
  std::vector<size_t> order(sorted_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return ComesBefore(positions[a], positions[b], query.order);
  });
  std::vector<ArticleRef> sorted(order.size());
  for (size_t i = 0; i < order.size(); ++i) sorted[i] = sorted_[order[i]];
  sorted_ = std::move(sorted);
  if (after) {
    // The first match that comes after `after`.
    next_ = std::partition_point(order.begin(), order.end(),
                                 [&](size_t i) {
                                   return !ComesBefore(*after, positions[i],
                                                       query.order);
                                 }) -
            order.begin();
  }
}

bool OrderedMatches::HeadFirst(uint32_t a, uint32_t b) const {
  const bool before = catalog_->Before({a, *heads_[a]}, {b, *heads_[b]});
  return descending_ ? !before : before;
}

std::optional<ArticleRef> OrderedMatches::Next() {
  if (cursors_.empty()) {
    if (next_ >= sorted_.size()) return std::nullopt;
    return sorted_[next_++];
  }
  at_start_ = false;
  if (cursors_.size() == 1) {
    const std::optional<ArticleIndex> index = cursors_[0].Next();
    if (!index) return std::nullopt;
    return ArticleRef{0, *index};
  }
  if (!heads_filled_) {
    heads_.reserve(cursors_.size());
    for (QueryCursor& cursor : cursors_) heads_.push_back(cursor.Next());
    heads_filled_ = true;
  }
  // The first head in the walk's order (live names are unique, so two heads
  // never tie).
  std::optional<uint32_t> best;
  for (uint32_t s = 0; s < heads_.size(); ++s) {
    if (heads_[s] && (!best || HeadFirst(s, *best))) best = s;
  }
  if (!best) return std::nullopt;
  const ArticleRef found{*best, *heads_[*best]};
  heads_[*best] = cursors_[*best].Next();
  return found;
}

size_t OrderedMatches::TotalSize() const {
  if (cursors_.empty()) return sorted_.size();
  size_t total = 0;
  for (uint32_t s = 0; s < cursors_.size(); ++s) {
    total += at_start_
                 ? cursors_[s].CountRemaining()
                 : QueryCursor(catalog_->segment(s), *query_, std::nullopt,
                               cursors_[s].text_matches(), catalog_->deleted(s))
                       .CountRemaining();
  }
  return total;
}

}  // namespace newsmeta
