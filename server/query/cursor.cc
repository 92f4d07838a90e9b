#include "query/cursor.h"

#include <algorithm>

namespace newsmeta {

QueryCursor::QueryCursor(const Catalog& catalog, const Query& query,
                         const std::optional<Position>& after)
    : catalog_(&catalog), descending_(query.order == SortOrder::kNewestFirst) {
  lo_ = query.start_time ? catalog.LowerBound(*query.start_time) : 0;
  hi_ = query.end_time ? catalog.LowerBound(*query.end_time)
                       : static_cast<ArticleIndex>(catalog.size());
  if (after) {
    if (descending_) {
      hi_ = std::min(hi_, catalog.LowerBound(after->time, after->name));
    } else {
      lo_ = std::max(lo_, catalog.UpperBound(after->time, after->name));
    }
  }
  hi_ = std::max(lo_, hi_);

  const std::vector<std::string>* keys = nullptr;
  auto postings = &Catalog::TopicPostings;
  if (!query.topics.empty()) {
    keys = &query.topics;
    if (!query.provider_domains.empty()) {
      domain_filter_ = &query.provider_domains;
    }
  } else if (!query.provider_domains.empty()) {
    keys = &query.provider_domains;
    postings = &Catalog::DomainPostings;
  }
  if (keys == nullptr) return;
  use_runs_ = true;
  for (const std::string& key : *keys) {
    const std::vector<ArticleIndex>* list = (catalog.*postings)(key);
    if (list == nullptr) continue;
    const ArticleIndex* begin =
        std::lower_bound(list->data(), list->data() + list->size(), lo_);
    const ArticleIndex* end =
        std::lower_bound(begin, list->data() + list->size(), hi_);
    if (begin != end) runs_.push_back({begin, end});
  }
}

bool QueryCursor::MatchesFilter(ArticleIndex index) const {
  return domain_filter_ == nullptr ||
         std::binary_search(domain_filter_->begin(), domain_filter_->end(),
                            catalog_->domain_key(index));
}

std::optional<ArticleIndex> QueryCursor::Next() {
  while (true) {
    ArticleIndex index = 0;
    if (!use_runs_) {
      if (lo_ >= hi_) return std::nullopt;
      index = descending_ ? --hi_ : lo_++;
    } else {
      // Merge the runs: take the best head, and drop it from every run that
      // has it (an article may be posted under several requested topics).
      bool found = false;
      for (const Run& run : runs_) {
        if (run.begin == run.end) continue;
        const ArticleIndex head = descending_ ? run.end[-1] : *run.begin;
        if (!found || (descending_ ? head > index : head < index)) {
          index = head;
          found = true;
        }
      }
      if (!found) return std::nullopt;
      for (Run& run : runs_) {
        if (run.begin == run.end) continue;
        if (descending_ && run.end[-1] == index) --run.end;
        if (!descending_ && *run.begin == index) ++run.begin;
      }
    }
    if (MatchesFilter(index)) return index;
  }
}

size_t QueryCursor::CountRemaining() const {
  if (!use_runs_) return hi_ - lo_;
  if (runs_.size() == 1 && domain_filter_ == nullptr) {
    return runs_[0].end - runs_[0].begin;
  }
  QueryCursor copy = *this;
  size_t count = 0;
  while (copy.Next()) ++count;
  return count;
}

}  // namespace newsmeta
