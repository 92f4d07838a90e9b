#include "reload/catalog_reloader.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "loader/snapshot.h"
#include "util/release_memory.h"

namespace newsmeta {

CatalogReloader::CatalogReloader(CatalogReloaderOptions options,
                                 Publish publish, Report report)
    : options_(std::move(options)),
      publish_(std::move(publish)),
      report_(std::move(report)) {}

CatalogReloader::~CatalogReloader() { Stop(); }

void CatalogReloader::Start() {
  {
    absl::MutexLock lock(&mutex_);
    pending_reasons_.push_back("start");
    pending_changes_.full = true;
    pending_changes_.paths.clear();
  }
  thread_ = std::thread(&CatalogReloader::Run, this);
}

void CatalogReloader::RequestReload(absl::string_view reason) {
  SeedChanges full;
  full.full = true;
  RequestReload(reason, full);
}

void CatalogReloader::RequestReload(absl::string_view reason,
                                    const SeedChanges& changes) {
  absl::MutexLock lock(&mutex_);
  if (pending_reasons_.empty()) {
    pending_changes_ = changes;
  } else {
    MergeSeedChanges(changes, &pending_changes_);
  }
  for (const std::string& pending : pending_reasons_) {
    if (pending == reason) return;
  }
  pending_reasons_.emplace_back(reason);
}

void CatalogReloader::Stop() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  cancel_ = true;
  if (thread_.joinable()) thread_.join();
  if (cache_releaser_.joinable()) cache_releaser_.join();
}

void CatalogReloader::Run() {
  for (int64_t generation = 1;; ++generation) {
    std::string reason;
    SeedChanges changes;
    {
      absl::MutexLock lock(&mutex_);
      mutex_.Await(absl::Condition(
          +[](CatalogReloader* self)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mutex_) {
                 return self->stopping_ || !self->pending_reasons_.empty();
               },
          this));
      if (stopping_) return;
      reason = absl::StrJoin(pending_reasons_, ", ");
      pending_reasons_.clear();
      changes = std::move(pending_changes_);
      pending_changes_ = SeedChanges();
    }
    LoadOnce(generation, std::move(reason), std::move(changes));
  }
}

void CatalogReloader::LoadOnce(int64_t generation, std::string reason,
                               SeedChanges changes) {
  const absl::Time start = absl::Now();
  LoadReport report;
  report.generation = generation;
  report.reason = std::move(reason);
  report.previous = published_;
  report.changes = std::move(changes);

  if (generation == 1 && !options_.snapshot.empty()) {
    SnapshotInfo info;
    absl::StatusOr<std::shared_ptr<const SegmentedCatalog>> restored =
        LoadSnapshotCatalog(options_.snapshot, &info);
    if (restored.ok()) {
      report.source = absl::StrCat(
          "snapshot ", options_.snapshot,
          info.text_index_rebuilt
              ? " (its text index, made by another tokenizer version, built "
                "again)"
              : "");
      report.catalog = *std::move(restored);
      Finish(std::move(report), start);
      // The folder may have changed since the snapshot was written: learn
      // the snapshot's articles, then catch up with the folder at once as a
      // walk applied as a delta (every file read; an article the same as
      // the snapshot's is left alone), after which changes are deltas.
      absl::flat_hash_set<std::string> folders;
      for (SeedFolder& folder : ListSeedFolders(options_.seeds)) {
        folders.insert(std::move(folder.relative));
      }
      if (!folders.empty() && options_.deltas) {
        incremental_.LearnCatalog(published_, std::move(folders));
        RequestReload("catching up with the seeds after the snapshot");
      }
      return;
    }
    report.snapshot_error = restored.status();
  }

  report.source = "seeds";
  // A merge pass after a whole load made the state anew: nothing to merge.
  if (report.reason == kMergingSegments && !CanLoadDelta()) return;
  if ((!report.changes.full && LoadDelta(report.changes.paths, &report)) ||
      (report.changes.full && generation > 1 && LoadWalkedDelta(&report)) ||
      (generation > 1 && RelearnAndWalk(&report))) {
    RefuseIfStrict(&report);
    Finish(std::move(report), start);
    return;
  }
  if (cancel_) return;
  LoaderOptions loader = options_.loader;
  loader.cancel = &cancel_;
  loader.serialize = true;
  loader.cache = cache_.get();
  if (!report.changes.full) loader.changed_paths = &report.changes.paths;
  absl::StatusOr<LoadResult> loaded = LoadSeedFolder(options_.seeds, loader);
  if (!loaded.ok() && absl::IsCancelled(loaded.status())) return;
  if (!loaded.ok()) {
    report.status = loaded.status();
    cache_->Clear();
    incremental_.Invalidate();
  } else {
    report.walked = loaded->walked;
    report.files_checked = loaded->files_checked;
    report.files_parsed = loaded->files_parsed;
    report.files_reused = loaded->files_reused;
    incremental_.Learn(loaded->serialized, *cache_);
    // In segments of a bounded size, so that no merge copies more than
    // one.
    const size_t segment_articles =
        incremental_.SegmentArticles(loaded->serialized.size());
    SegmentedBuildResult built =
        BuildSegmentedCatalog(std::move(loaded->serialized), segment_articles);
    report.catalog = std::move(built.catalog);
    cache_->Attach(report.catalog);
    report.rejections = std::move(loaded->rejections);
    for (absl::Status& rejection : built.rejections) {
      report.rejections.push_back(std::move(rejection));
    }
    incremental_.Attach(report.catalog, report.rejections);
    report.delta_state_bytes =
        static_cast<int64_t>(incremental_.memory_usage().Total());
    RefuseIfStrict(&report);
  }
  Finish(std::move(report), start);
}

void CatalogReloader::RefuseIfStrict(LoadReport* report) const {
  if (!options_.strict || report->rejections.empty()) return;
  report->status = absl::FailedPreconditionError(absl::StrCat(
      "--strict: ", report->rejections.size(),
      " seed files were rejected, so this catalog is not served",
      published_ == nullptr
          ? ""
          : absl::StrCat("; still serving version ", published_->version())));
}

bool CatalogReloader::CanLoadDelta() const {
  // Under --strict too: the state follows the folder whether or not its
  // catalog was served (a refused one is what the next change starts from).
  return options_.deltas && incremental_.valid() && published_ != nullptr;
}

bool CatalogReloader::RelearnAndWalk(LoadReport* report) {
  if (!options_.deltas || published_ == nullptr || cancel_) return false;
  absl::flat_hash_set<std::string> folders;
  for (SeedFolder& folder : ListSeedFolders(options_.seeds)) {
    folders.insert(std::move(folder.relative));
  }
  if (!folders.contains("")) return false;  // the seeds folder is not there
  std::string why = report->delta_refused.empty()
                        ? std::string("the state was forgotten")
                        : report->delta_refused;
  incremental_.LearnCatalog(published_, std::move(folders));
  report->delta_refused.clear();
  if (!LoadWalkedDelta(report)) return false;
  report->relearned_after = std::move(why);
  return true;
}

bool CatalogReloader::LoadWalkedDelta(LoadReport* report) {
  if (!CanLoadDelta()) return false;
  absl::StatusOr<SeedListing> listing = ListSeedFiles(options_.seeds);
  if (!listing.ok() || cancel_) return false;
  std::optional<std::vector<std::string>> changed =
      incremental_.ChangedFiles(*listing, &report->delta_refused);
  if (!changed || !LoadDelta(*changed, report, &listing->folders)) {
    return false;
  }
  report->walked = true;
  report->files_checked = static_cast<int64_t>(listing->files.size());
  return true;
}

std::vector<SeedFileUpdate> CatalogReloader::ReadSeeds(
    const std::vector<std::string>& paths, size_t begin, size_t end) const {
  std::vector<SeedFileUpdate> updates(end - begin);
  std::atomic<size_t> next{begin};
  const auto work = [&] {
    for (size_t i = next++; i < end && !cancel_; i = next++) {
      updates[i - begin] = {
          paths[i], LoadNamedSeed(options_.seeds, paths[i], options_.loader)};
    }
  };
  // A few files on this thread; more (a walk's) on one thread per core.
  constexpr size_t kFilesPerThread = 64;
  const size_t cores =
      std::max(1, options_.loader.threads > 0
                      ? options_.loader.threads
                      : static_cast<int>(std::thread::hardware_concurrency()));
  const size_t threads =
      std::min(cores, (end - begin + kFilesPerThread - 1) / kFilesPerThread);
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (std::thread& helper : helpers) helper.join();
  return updates;
}

bool CatalogReloader::LoadDelta(
    const std::vector<std::string>& paths, LoadReport* report,
    const absl::flat_hash_set<std::string>* walked_folders) {
  if (!CanLoadDelta()) return false;
  const IncrementalCatalog::ReadSeed read = [this](const std::string& path) {
    return LoadNamedSeed(options_.seeds, path, options_.loader);
  };
  // In chunks, so that a walk that names every file (after a snapshot, or
  // a ConfigMap swap) holds a chunk's parsed articles at a time.
  const size_t chunk_files = std::max<size_t>(1, options_.delta_chunk_files);
  incremental_.StartChange(published_);
  int64_t parsed = 0;
  std::optional<IncrementalCatalog::Applied> applied;
  for (size_t begin = 0; begin == 0 || begin < paths.size();
       begin += chunk_files) {
    const size_t end = std::min(paths.size(), begin + chunk_files);
    std::vector<SeedFileUpdate> updates = ReadSeeds(paths, begin, end);
    if (cancel_) return false;
    for (const SeedFileUpdate& update : updates) {
      if (!update.seed.gone) ++parsed;
    }
    std::string why;
    std::optional<IncrementalCatalog::Applied> chunk =
        incremental_.Apply(updates, read, &why, walked_folders);
    updates = std::vector<SeedFileUpdate>();
    if (!chunk) {
      report->delta_refused = why;
      return false;
    }
    const bool merged = chunk->merged_deltas || chunk->purged;  // this chunk
    if (applied) {
      chunk->articles_added += applied->articles_added;
      chunk->articles_deleted += applied->articles_deleted;
      chunk->articles_relinked += applied->articles_relinked;
      chunk->merged_deltas = chunk->merged_deltas || applied->merged_deltas;
      chunk->purged = chunk->purged || applied->purged;
      chunk->merged_articles =
          std::max(chunk->merged_articles, applied->merged_articles);
    }
    applied = std::move(chunk);
    // A merge within a change of many chunks let go of the segments it
    // merged (the change's own, which no call holds): their pages go back
    // before the next chunk's, so the change holds one merge's copy.
    if (end < paths.size() && merged) ReleaseFreedMemory();
  }
  // The loader's cache describes the folder as the last whole load saw it:
  // the next whole load walks and reads every file again. It is freed on a
  // thread of its own, so this change is served at once.
  if (cache_->size() > 0) {
    if (cache_releaser_.joinable()) cache_releaser_.join();
    cache_releaser_ =
        std::thread([old = std::move(cache_)]() mutable { old.reset(); });
    cache_ = std::make_unique<SeedCache>();
  }
  report->delta = true;
  report->walked = false;
  report->files_checked = static_cast<int64_t>(paths.size());
  report->files_parsed = parsed;
  report->articles_added = applied->articles_added;
  report->articles_deleted = applied->articles_deleted;
  report->articles_relinked = applied->articles_relinked;
  report->merged_deltas = applied->merged_deltas;
  report->purged = applied->purged;
  report->merged_articles = applied->merged_articles;
  report->merge_due = applied->merge_due;
  report->rejections = std::move(applied->rejections);
  report->catalog = std::move(applied->catalog);
  return true;
}

void CatalogReloader::Finish(LoadReport report, absl::Time start) {
  report.took = absl::Now() - start;
  report.finished = absl::Now();
  if (report.status.ok()) {
    published_ = report.catalog;
    publish_(report.catalog);
  }
  // A merge still due is made by a change of nothing, next (with whatever
  // changes come meanwhile): one merge per catalog published, each holding
  // at most one segment's copy, until none is due.
  const bool merge =
      report.status.ok() && report.merge_due && options_.merge_when_due;
  // A merge or a walk's change let go of many articles' memory (the
  // segments the catalog before held, once no call holds them): malloc
  // keeps it for later allocations unless asked to give it back. Merges of
  // deltas too: under a steady feed they free a few deltas every few
  // changes, and without a trim the freed pages added up (a 1M feed's
  // VmRSS grew 3-6x its new articles' bytes after a restore's deltas).
  const bool freed_much =
      report.status.ok() &&
      (report.purged || report.walked || report.merged_deltas);
  report_(report);
  report = LoadReport();  // the catalog before, and the change's articles
  if (freed_much) ReleaseFreedMemory();
  if (merge) RequestReload(kMergingSegments, SeedChanges());
}

}  // namespace newsmeta
