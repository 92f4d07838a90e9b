// The live side of WatchArticles: a bounded history of catalog changes that
// every watcher reads through its own cursor, so memory is bounded by the
// history, not by the number of watchers.
#ifndef NEWSMETA_SERVER_WATCH_WATCH_HUB_H_
#define NEWSMETA_SERVER_WATCH_WATCH_HUB_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "catalog/catalog.h"
#include "catalog/segmented_catalog.h"

namespace newsmeta {

struct WatchHubOptions {
  // The history keeps at most this many reloads' changes...
  size_t max_history_entries = 1000;
  // ...and at most about this many bytes of article data (the newest entry
  // is always kept, however large).
  size_t max_history_bytes = 64 << 20;
  // A watcher is cut off (RESOURCE_EXHAUSTED) when the reloads after the
  // one it is sending hold more than this many changes.
  int64_t max_lag_changes = 10000;
};

// One article as a change has it: its FULL wire bytes (BASIC is a prefix of
// `basic_size` bytes), or its BASIC bytes alone (`basic_size` all of them).
struct StoredArticle {
  std::string wire;
  uint32_t basic_size = 0;
};

struct WatchChange {
  std::string name;
  // The article before (its BASIC view: all a watch's query reads, and a
  // removal sends no article, so a takedown's history holds a fraction of
  // the articles) and after the reload (FULL); one is missing for an
  // article added or removed.
  std::optional<StoredArticle> before;
  std::optional<StoredArticle> after;
};

// The changes of one reload that changed the catalog.
struct HistoryEntry {
  int64_t seq = 0;
  std::string from_version;
  std::string to_version;
  // In the diff's order: changed and added (in the new catalog's order),
  // then removed.
  std::vector<WatchChange> changes;
  // Changes of every earlier entry, kept or not.
  int64_t changes_before = 0;
  size_t bytes = 0;
};

// Where a watcher is in the history: it has been through `applied` changes
// of entry `seq` (seq == head means: nothing more to read).
struct HistoryCursor {
  int64_t seq = 0;
  int64_t applied = 0;
};

class WatchHub {
 public:
  // Told about new entries, the heartbeat and the end of the service. Called
  // on the hub's callers' threads, with no hub lock held; must not block.
  class Listener {
   public:
    enum class Reason { kChanged, kHeartbeat, kClosing };
    virtual ~Listener() = default;
    virtual void Wake(Reason reason) = 0;
  };

  explicit WatchHub(WatchHubOptions options = {}) : options_(options) {}

  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  const WatchHubOptions& options() const { return options_; }

  // A new catalog is served: records its diff from the previous one (when
  // its version differs) and wakes the listeners.
  void Publish(std::shared_ptr<const SegmentedCatalog> catalog);
  // One catalog built from scratch.
  void Publish(std::shared_ptr<const Catalog> catalog);

  struct Head {
    // nullptr until Publish is first called.
    std::shared_ptr<const SegmentedCatalog> catalog;
    // The seq the next entry will get: the cursor of a watcher that has
    // `catalog`'s matches.
    int64_t seq = 0;
    bool closing = false;
  };
  Head head() const;

  // The entry `seq`, or nullptr when it is no longer (or not yet) kept.
  std::shared_ptr<const HistoryEntry> Entry(int64_t seq) const;

  // The cursor of a caller that holds the matches of catalog `version`, with
  // `applied` changes of the diff to `next_version` applied (see
  // WatchPoint); nullopt when the hub does not remember that state.
  std::optional<HistoryCursor> Locate(absl::string_view version,
                                      absl::string_view next_version,
                                      int64_t applied) const;

  // How many changes the entries after `cursor`'s hold (0 at the head);
  // nullopt when its entry has left the history.
  std::optional<int64_t> Lag(const HistoryCursor& cursor) const;

  // Listeners are held weakly; an expired one is dropped.
  void AddListener(std::weak_ptr<Listener> listener);
  // Wakes every listener with `reason`.
  void WakeAll(Listener::Reason reason);
  // From now on head().closing is true, and listeners are woken with
  // kClosing.
  void Close();

  // Number of listeners still alive (for the watchers gauge).
  size_t listener_count() const;
  // Entries and bytes kept.
  size_t history_entries() const;
  size_t history_bytes() const;

 private:
  void Trim() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<std::shared_ptr<Listener>> LiveListeners()
      ABSL_LOCKS_EXCLUDED(mu_);

  const WatchHubOptions options_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const SegmentedCatalog> catalog_ ABSL_GUARDED_BY(mu_);
  std::deque<std::shared_ptr<const HistoryEntry>> history_ ABSL_GUARDED_BY(mu_);
  int64_t next_seq_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t total_changes_ ABSL_GUARDED_BY(mu_) = 0;
  size_t history_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::weak_ptr<Listener>> listeners_ ABSL_GUARDED_BY(mu_);
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_WATCH_WATCH_HUB_H_
