// Loads the catalog from the seeds folder at start and again on request, in
// the background, publishing each new catalog atomically.
#ifndef NEWSMETA_SERVER_RELOAD_CATALOG_RELOADER_H_
#define NEWSMETA_SERVER_RELOAD_CATALOG_RELOADER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "catalog/catalog.h"
#include "catalog/segmented_catalog.h"
#include "loader/seed_loader.h"
#include "reload/incremental_catalog.h"
#include "reload/seed_changes.h"

namespace newsmeta {

struct CatalogReloaderOptions {
  std::string seeds;
  // When set, the load at start reads this snapshot (loader/snapshot.h)
  // instead of the seeds; when the snapshot is refused, it loads the seeds.
  // After a start from the snapshot, the reloader catches up with the seeds
  // at once (a walk applied as a delta); reloads always read the seeds.
  std::string snapshot;
  LoaderOptions loader;
  // When set, a load that rejects any seed file is not published: at start
  // the server has no catalog; on reload the previous catalog stays (changes
  // are still applied as deltas: the next one that leaves no rejection is
  // published, with every change since).
  bool strict = false;
  // Whether changes are applied as deltas (else every load is a whole one:
  // for tests of the whole load).
  bool deltas = true;
  // How changes applied as deltas are merged.
  IncrementalCatalogOptions incremental;
  // A delta of more files than this (a walk's) is read and applied in
  // chunks of this many, so that it holds a chunk's parsed articles at a
  // time.
  size_t delta_chunk_files = 4096;
  // Whether a merge still due after a change is made at once, as a change
  // of nothing (else it waits for the next change).
  bool merge_when_due = true;
};

// The reason of a reload that only merges segments.
inline constexpr char kMergingSegments[] = "merging segments";

// What one load did.
struct LoadReport {
  // 1 for the load at start, then 2, 3, ... for each reload.
  int64_t generation = 0;
  // Why it ran: "start", or the reasons given to RequestReload.
  std::string reason;
  // OK when `catalog` was published. FAILED_PRECONDITION when --strict
  // refused it for rejected files; the loader's error (e.g. NOT_FOUND for a
  // missing folder) when nothing could be loaded. Never CANCELLED: a load
  // cut short by Stop() is not reported.
  absl::Status status;
  // The catalog loaded, published when `status` is OK; nullptr when loading
  // failed.
  std::shared_ptr<const SegmentedCatalog> catalog;
  // The catalog published before this load; nullptr at start.
  std::shared_ptr<const SegmentedCatalog> previous;
  // Files (and duplicate articles) left out, each naming the file and why.
  std::vector<absl::Status> rejections;
  // Where the catalog came from: "seeds", or "snapshot FILE".
  std::string source;
  // Why the snapshot given was refused (the seeds were loaded instead); OK
  // when none was given or it was used.
  absl::Status snapshot_error;
  // What the requests asked to load: the whole folder, or named paths.
  SeedChanges changes;
  // Whether the loader walked the whole folder (false: it stat'ed only the
  // named paths and the files the previous load could not settle), and how
  // many names it stat'ed (see LoadResult).
  bool walked = false;
  int64_t files_checked = 0;
  // Whether the change was applied as a delta (IncrementalCatalog: the named
  // files read, their articles added as a delta segment and the ones they
  // replace deleted); when it could not be, why (the load then rebuilt the
  // catalog from the whole folder).
  bool delta = false;
  std::string delta_refused;
  int64_t articles_added = 0;
  int64_t articles_deleted = 0;
  // Unchanged articles emitted again in the delta because a related link of
  // theirs resolves to another article now (IncrementalCatalog::Applied).
  int64_t articles_relinked = 0;
  // What the state that applies deltas holds (IncrementalCatalog::
  // memory_usage), after a whole load; 0 otherwise.
  int64_t delta_state_bytes = 0;
  // Whether this load merged delta segments into one, or rewrote a segment
  // without its deleted articles (IncrementalCatalog::Applied).
  bool merged_deltas = false;
  bool purged = false;
  // The most articles one merge of this load wrote (IncrementalCatalog::
  // Applied::merged_articles; a change read in chunks may merge in each).
  int64_t merged_articles = 0;
  // Whether another merge is due: the reloader makes it next, as a change
  // of nothing whose reason is kMergingSegments.
  bool merge_due = false;
  // Set when the delta was applied after learning the catalog served again
  // (CatalogReloader::RelearnAndWalk): why the state could not follow.
  std::string relearned_after;
  // Seed files parsed, and reused unchanged from the previous load without
  // parsing (only files that changed are parsed again).
  int64_t files_parsed = 0;
  int64_t files_reused = 0;
  absl::Duration took;
  absl::Time finished;
};

class CatalogReloader {
 public:
  // Called from the reloader's thread, in this order for each load:
  // `publish` when a catalog is to be served, then `report`.
  using Publish = std::function<void(std::shared_ptr<const SegmentedCatalog>)>;
  using Report = std::function<void(const LoadReport&)>;

  CatalogReloader(CatalogReloaderOptions options, Publish publish,
                  Report report);
  // Stop()s.
  ~CatalogReloader();

  CatalogReloader(const CatalogReloader&) = delete;
  CatalogReloader& operator=(const CatalogReloader&) = delete;

  // Starts the background thread, which loads at once.
  void Start();

  // Asks for another load of the whole folder. Requests made while one is
  // waiting are merged into it; a request made while a load runs starts one
  // more afterwards, so the last change is always loaded.
  void RequestReload(absl::string_view reason);
  // Asks for a load of what `changes` names (the whole folder when
  // `changes.full`). Merged as above: the union of the paths; a full request
  // makes the merged one full.
  void RequestReload(absl::string_view reason, const SeedChanges& changes);

  // Cancels a load in progress and waits for the thread to end.
  void Stop();

 private:
  void Run();
  void LoadOnce(int64_t generation, std::string reason, SeedChanges changes);
  // The files at paths[begin, end), read (on several threads when many).
  std::vector<SeedFileUpdate> ReadSeeds(const std::vector<std::string>& paths,
                                        size_t begin, size_t end) const;
  // Whether the state allows a delta at all.
  bool CanLoadDelta() const;
  // Under --strict, a report with rejections: FAILED_PRECONDITION, so the
  // catalog is not published.
  void RefuseIfStrict(LoadReport* report) const;
  // Applies the changes of the files at `paths` as a delta; false when they
  // need a whole load.
  // `walked_folders`: as IncrementalCatalog::Apply has them.
  bool LoadDelta(
      const std::vector<std::string>& paths, LoadReport* report,
      const absl::flat_hash_set<std::string>* walked_folders = nullptr);
  // Walks the folder and applies what changed since the state (new, gone
  // and restamped files) as a delta; false when that needs a whole load.
  bool LoadWalkedDelta(LoadReport* report);
  // When the state cannot follow the folder (forgotten after a failed load,
  // or a delta it refused): learns the catalog served again and catches up
  // by a walk applied as a delta, every file read and those that give the
  // article served left alone (as after a snapshot): a whole load's reading
  // without two catalogs in memory. False when that too needs a whole load.
  bool RelearnAndWalk(LoadReport* report);
  // Publishes the catalog of an OK report, then reports.
  void Finish(LoadReport report, absl::Time start);

  const CatalogReloaderOptions options_;
  const Publish publish_;
  const Report report_;
  std::atomic<bool> cancel_{false};
  // Only the thread touches these.
  std::shared_ptr<const SegmentedCatalog> published_;
  std::unique_ptr<SeedCache> cache_ = std::make_unique<SeedCache>();
  IncrementalCatalog incremental_{options_.incremental};
  // Frees a loader cache let go of (see LoadDelta); joined by Stop and
  // before the next one.
  std::thread cache_releaser_;

  absl::Mutex mutex_;
  std::vector<std::string> pending_reasons_ ABSL_GUARDED_BY(mutex_);
  SeedChanges pending_changes_ ABSL_GUARDED_BY(mutex_);
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_RELOAD_CATALOG_RELOADER_H_
