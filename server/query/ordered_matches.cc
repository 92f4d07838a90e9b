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

OrderedMatches::OrderedMatches(const Catalog& catalog, const Query& query,
                               const std::optional<Position>& after)
    : catalog_(&catalog), query_(&query) {
  if (IsTimeOrdered(query)) {
    cursor_.emplace(catalog, query, after);
    at_start_ = !after.has_value();
    return;
  }
  QueryCursor all(catalog, query);
  std::vector<Position> positions;
  for (std::optional<ArticleIndex> index = all.Next(); index;
       index = all.Next()) {
    sorted_.push_back(*index);
  }
  positions.reserve(sorted_.size());
  for (ArticleIndex index : sorted_) {
    positions.push_back(PositionOf(catalog, index));
  }
  std::vector<size_t> order(sorted_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return ComesBefore(positions[a], positions[b], query.order);
  });
  std::vector<ArticleIndex> sorted(order.size());
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

std::optional<ArticleIndex> OrderedMatches::Next() {
  if (cursor_) {
    at_start_ = false;
    return cursor_->Next();
  }
  if (next_ >= sorted_.size()) return std::nullopt;
  return sorted_[next_++];
}

size_t OrderedMatches::TotalSize() const {
  if (cursor_) {
    if (at_start_) return cursor_->CountRemaining();
    return QueryCursor(*catalog_, *query_, std::nullopt,
                       cursor_->text_matches())
        .CountRemaining();
  }
  return sorted_.size();
}

}  // namespace newsmeta
