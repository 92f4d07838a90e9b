#include "watch/watch_hub.h"

#include <algorithm>
#include <utility>

#include "catalog/catalog_diff.h"

namespace newsmeta {
namespace {

StoredArticle Store(const SegmentedCatalog& catalog, ArticleRef i,
                    newsmeta::v1::ArticleView view) {
  const absl::string_view bytes = catalog.ArticleBytes(i, view);
  const absl::string_view basic =
      catalog.ArticleBytes(i, newsmeta::v1::ARTICLE_VIEW_BASIC);
  return StoredArticle{std::string(bytes), static_cast<uint32_t>(basic.size())};
}

std::shared_ptr<HistoryEntry> MakeEntry(const SegmentedCatalog& before,
                                        const SegmentedCatalog& after) {
  auto entry = std::make_shared<HistoryEntry>();
  entry->from_version = before.version();
  entry->to_version = after.version();
  CatalogDiff diff = DiffCatalogs(before, after);
  std::vector<ArticleRef> upserts = std::move(diff.added);
  upserts.insert(upserts.end(), diff.changed.begin(), diff.changed.end());
  std::sort(
      upserts.begin(), upserts.end(),
      [&after](ArticleRef a, ArticleRef b) { return after.Before(a, b); });
  for (const ArticleRef i : upserts) {
    WatchChange change;
    change.name = std::string(after.fields(i).name);
    if (const std::optional<ArticleRef> old = before.IndexOf(change.name)) {
      change.before = Store(before, *old, newsmeta::v1::ARTICLE_VIEW_BASIC);
    }
    change.after = Store(after, i, newsmeta::v1::ARTICLE_VIEW_FULL);
    entry->changes.push_back(std::move(change));
  }
  for (const ArticleRef i : diff.removed) {
    WatchChange change;
    change.name = std::string(before.fields(i).name);
    change.before = Store(before, i, newsmeta::v1::ARTICLE_VIEW_BASIC);
    entry->changes.push_back(std::move(change));
  }
  for (const WatchChange& change : entry->changes) {
    entry->bytes += change.name.size() + sizeof(WatchChange) +
                    (change.before ? change.before->wire.size() : 0) +
                    (change.after ? change.after->wire.size() : 0);
  }
  return entry;
}

}  // namespace

void WatchHub::Publish(std::shared_ptr<const Catalog> catalog) {
  Publish(catalog == nullptr ? nullptr
                             : SegmentedCatalog::Of(std::move(catalog)));
}

void WatchHub::Publish(std::shared_ptr<const SegmentedCatalog> catalog) {
  std::shared_ptr<const SegmentedCatalog> previous;
  {
    absl::MutexLock lock(&mu_);
    previous = catalog_;
  }
  // The diff is made outside the lock: only the reloader publishes, one
  // catalog at a time.
  std::shared_ptr<HistoryEntry> entry;
  if (previous != nullptr && catalog != nullptr &&
      previous->version() != catalog->version()) {
    entry = MakeEntry(*previous, *catalog);
  }
  {
    absl::MutexLock lock(&mu_);
    catalog_ = std::move(catalog);
    if (entry != nullptr) {
      entry->seq = next_seq_++;
      entry->changes_before = total_changes_;
      total_changes_ += static_cast<int64_t>(entry->changes.size());
      history_bytes_ += entry->bytes;
      history_.push_back(std::move(entry));
      Trim();
    }
  }
  WakeAll(Listener::Reason::kChanged);
}

void WatchHub::Trim() {
  while (history_.size() > 1 &&
         (history_.size() > options_.max_history_entries ||
          history_bytes_ > options_.max_history_bytes)) {
    history_bytes_ -= history_.front()->bytes;
    history_.pop_front();
  }
}

WatchHub::Head WatchHub::head() const {
  absl::MutexLock lock(&mu_);
  return Head{catalog_, next_seq_, closing_};
}

std::shared_ptr<const HistoryEntry> WatchHub::Entry(int64_t seq) const {
  absl::MutexLock lock(&mu_);
  if (history_.empty()) return nullptr;
  const int64_t first = history_.front()->seq;
  if (seq < first || seq >= next_seq_) return nullptr;
  return history_[static_cast<size_t>(seq - first)];
}

std::optional<HistoryCursor> WatchHub::Locate(absl::string_view version,
                                              absl::string_view next_version,
                                              int64_t applied) const {
  absl::MutexLock lock(&mu_);
  if (next_version.empty() || applied == 0) {
    // A state is its content: any point where the catalog had `version`
    // will do; the newest replays the least.
    if (catalog_ != nullptr && catalog_->version() == version) {
      return HistoryCursor{next_seq_, 0};
    }
    for (auto it = history_.rbegin(); it != history_.rend(); ++it) {
      if ((*it)->to_version == version) return HistoryCursor{(*it)->seq + 1, 0};
    }
    if (!history_.empty() && history_.front()->from_version == version) {
      return HistoryCursor{history_.front()->seq, 0};
    }
    return std::nullopt;
  }
  // A diff is a function of its two catalogs: any entry between these
  // versions has the same changes.
  for (auto it = history_.rbegin(); it != history_.rend(); ++it) {
    const HistoryEntry& entry = **it;
    if (entry.from_version == version && entry.to_version == next_version &&
        applied <= static_cast<int64_t>(entry.changes.size())) {
      return HistoryCursor{entry.seq, applied};
    }
  }
  return std::nullopt;
}

std::optional<int64_t> WatchHub::Lag(const HistoryCursor& cursor) const {
  absl::MutexLock lock(&mu_);
  if (cursor.seq >= next_seq_) return 0;
  if (history_.empty() || cursor.seq < history_.front()->seq) {
    return std::nullopt;
  }
  const HistoryEntry& entry =
      *history_[static_cast<size_t>(cursor.seq - history_.front()->seq)];
  // The entry being read does not count: a watcher working through one big
  // reload is not behind.
  return total_changes_ - entry.changes_before -
         static_cast<int64_t>(entry.changes.size());
}

void WatchHub::AddListener(std::weak_ptr<Listener> listener) {
  absl::MutexLock lock(&mu_);
  listeners_.push_back(std::move(listener));
}

std::vector<std::shared_ptr<WatchHub::Listener>> WatchHub::LiveListeners() {
  std::vector<std::shared_ptr<Listener>> live;
  absl::MutexLock lock(&mu_);
  live.reserve(listeners_.size());
  // Drops the expired ones in place.
  size_t kept = 0;
  for (size_t i = 0; i < listeners_.size(); ++i) {
    std::shared_ptr<Listener> listener = listeners_[i].lock();
    if (listener == nullptr) continue;
    live.push_back(std::move(listener));
    if (kept != i) listeners_[kept] = std::move(listeners_[i]);
    ++kept;
  }
  listeners_.resize(kept);
  return live;
}

void WatchHub::WakeAll(Listener::Reason reason) {
  // Woken outside the lock: a listener may read the hub.
  for (const std::shared_ptr<Listener>& listener : LiveListeners()) {
    listener->Wake(reason);
  }
}

void WatchHub::Close() {
  {
    absl::MutexLock lock(&mu_);
    closing_ = true;
  }
  WakeAll(Listener::Reason::kClosing);
}

size_t WatchHub::listener_count() const {
  absl::MutexLock lock(&mu_);
  size_t count = 0;
  for (const std::weak_ptr<Listener>& weak : listeners_) {
    if (!weak.expired()) ++count;
  }
  return count;
}

size_t WatchHub::history_entries() const {
  absl::MutexLock lock(&mu_);
  return history_.size();
}

size_t WatchHub::history_bytes() const {
  absl::MutexLock lock(&mu_);
  return history_bytes_;
}

}  // namespace newsmeta
