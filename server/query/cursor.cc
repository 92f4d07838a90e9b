#include "query/cursor.h"

#include <algorithm>
#include <utility>

namespace newsmeta {
Position PositionOf(const Catalog& catalog, ArticleIndex index) {
  const ArticleFields& article = catalog.fields(index);
  return {catalog.publish_time(index), article.quality, article.heat,
          std::string(article.name)};
}

QueryCursor::QueryCursor(const Catalog& catalog, const Query& query,
                         const std::optional<Position>& after,
                         TextMatches text_matches, const DeletionSet* deleted)
    : catalog_(&catalog),
      query_(&query),
      descending_(IsTimeOrdered(query) && query.order[0].descending),
      text_matches_(std::move(text_matches)),
      deleted_(deleted == nullptr || deleted->empty() ? nullptr : deleted) {
  const FilterHints hints = ExtractHints(query.filter);
  std::optional<absl::Time> start = query.start_time;
  std::optional<absl::Time> end = query.end_time;
  if (hints.start_time && (!start || *hints.start_time > *start)) {
    start = hints.start_time;
  }
  if (hints.end_time && (!end || *hints.end_time < *end)) end = hints.end_time;
  lo_ = start ? catalog.LowerBound(*start) : 0;
  hi_ = end ? catalog.LowerBound(*end)
            : static_cast<ArticleIndex>(catalog.size());
  if (after) {
    if (descending_) {
      hi_ = std::min(hi_, catalog.LowerBound(after->time, after->name));
    } else {
      lo_ = std::max(lo_, catalog.UpperBound(after->time, after->name));
    }
  }
  hi_ = std::max(lo_, hi_);
  check_filter_ = !(query.filter.kind == FilterExpr::Kind::kAnd &&
                    query.filter.children.empty());

  // Candidate sets: the required ones first, then those the filter implies
  // (which Matches checks anyway, so they only ever drive the walk).
  absl::InlinedVector<RunSet, 3> required;
  if (!query.topics.empty()) {
    required.push_back(RunsFor(query.topics, &Catalog::TopicPostings));
  }
  if (!query.provider_domains.empty()) {
    required.push_back(
        RunsFor(query.provider_domains, &Catalog::DomainPostings));
  }
  if (!query.text.empty()) {
    if (text_matches_ == nullptr) {
      const TextIndex& index = catalog.text_index();
      text_matches_ = std::make_shared<const std::vector<ArticleIndex>>(
          index.Match(query.text, static_cast<uint32_t>(catalog.size()),
                      [&catalog](uint32_t doc) {
                        const ArticleFields& article = catalog.fields(doc);
                        return std::make_pair(article.title, article.excerpt);
                      }));
    }
    const std::vector<ArticleIndex>* list = text_matches_.get();
    required.push_back(RunsOf(&list, 1));
  }
  absl::InlinedVector<RunSet, 2> implied;
  for (const auto& keys : hints.topic_sets) {
    implied.push_back(RunsFor(keys, &Catalog::TopicPostings));
  }
  for (const auto& keys : hints.domain_sets) {
    implied.push_back(RunsFor(keys, &Catalog::DomainPostings));
  }
  const auto size = [](const RunSet& set) {
    size_t total = 0;
    for (const Run& run : set) total += run.end - run.begin;
    return total;
  };
  // The smallest set drives; a full range [lo, hi) is the fallback.
  std::optional<size_t> best;
  size_t best_size = hi_ - lo_;
  const size_t candidates = required.size() + implied.size();
  for (size_t i = 0; i < candidates; ++i) {
    const RunSet& set =
        i < required.size() ? required[i] : implied[i - required.size()];
    if (size(set) <= best_size) {
      best = i;
      best_size = size(set);
    }
  }
  for (size_t i = 0; i < required.size(); ++i) {
    if (best && *best == i) continue;
    checks_.push_back(std::move(required[i]));
  }
  if (best) {
    use_runs_ = true;
    runs_ = *best < required.size()
                ? std::move(required[*best])
                : std::move(implied[*best - required.size()]);
  }
}

QueryCursor::RunSet QueryCursor::RunsOf(
    const std::vector<ArticleIndex>* const* lists, size_t count) const {
  RunSet runs;
  for (size_t i = 0; i < count; ++i) {
    const std::vector<ArticleIndex>* list = lists[i];
    if (list == nullptr) continue;
    const ArticleIndex* begin =
        std::lower_bound(list->data(), list->data() + list->size(), lo_);
    const ArticleIndex* end =
        std::lower_bound(begin, list->data() + list->size(), hi_);
    if (begin != end) runs.push_back({begin, end});
  }
  return runs;
}

QueryCursor::RunSet QueryCursor::RunsFor(
    const std::vector<std::string>& keys,
    const std::vector<ArticleIndex>* (Catalog::*postings)(absl::string_view)
        const) const {
  absl::InlinedVector<const std::vector<ArticleIndex>*, 4> lists;
  for (const std::string& key : keys)
    lists.push_back((catalog_->*postings)(key));
  return RunsOf(lists.data(), lists.size());
}

bool QueryCursor::Accepts(ArticleIndex index) const {
  for (const RunSet& set : checks_) {
    const bool member =
        std::any_of(set.begin(), set.end(), [&](const Run& run) {
          return std::binary_search(run.begin, run.end, index);
        });
    if (!member) return false;
  }
  return !check_filter_ || Matches(query_->filter, catalog_->fields(index));
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
    if (deleted_ != nullptr && deleted_->Contains(index)) continue;
    if (Accepts(index)) return index;
  }
}

std::optional<absl::Span<const ArticleIndex>> QueryCursor::SingleRun() const {
  if (!checks_.empty() || check_filter_ || !use_runs_ || deleted_ != nullptr) {
    return std::nullopt;
  }
  if (runs_.empty()) return absl::Span<const ArticleIndex>();
  if (runs_.size() != 1) return std::nullopt;
  return absl::Span<const ArticleIndex>(runs_[0].begin,
                                        runs_[0].end - runs_[0].begin);
}

size_t QueryCursor::DeletedIn(const Run& run) const {
  if (run.begin == run.end) return 0;
  const std::vector<uint32_t>& deleted = deleted_->sorted();
  // The deleted articles between the run's first and last, each looked up
  // in the run, or the run's articles each looked up in the set: whichever
  // is fewer.
  const auto first =
      std::lower_bound(deleted.begin(), deleted.end(), *run.begin);
  const auto last = std::upper_bound(first, deleted.end(), run.end[-1]);
  const size_t run_size = static_cast<size_t>(run.end - run.begin);
  size_t count = 0;
  if (static_cast<size_t>(last - first) < run_size) {
    for (auto it = first; it != last; ++it) {
      count += std::binary_search(run.begin, run.end, *it) ? 1 : 0;
    }
  } else {
    for (const ArticleIndex* it = run.begin; it != run.end; ++it) {
      count += deleted_->Contains(*it) ? 1 : 0;
    }
  }
  return count;
}

size_t QueryCursor::CountRemaining() const {
  const bool unchecked = checks_.empty() && !check_filter_;
  if (unchecked && !use_runs_) {
    return hi_ - lo_ - (deleted_ == nullptr ? 0 : deleted_->CountIn(lo_, hi_));
  }
  if (unchecked && runs_.size() == 1) {
    return runs_[0].end - runs_[0].begin -
           (deleted_ == nullptr ? 0 : DeletedIn(runs_[0]));
  }
  QueryCursor copy = *this;
  size_t count = 0;
  while (copy.Next()) ++count;
  return count;
}

}  // namespace newsmeta
