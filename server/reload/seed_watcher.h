// Watches a seeds folder for changes with inotify (Linux).
#ifndef NEWSMETA_SERVER_RELOAD_SEED_WATCHER_H_
#define NEWSMETA_SERVER_RELOAD_SEED_WATCHER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "reload/seed_changes.h"

namespace newsmeta {

struct SeedWatcherOptions {
  // A change is reported once the folder has been quiet this long, so that a
  // copy of many files, or a ConfigMap update, ends in few reports. 200 ms:
  // a change applied as a delta costs milliseconds, so the quiet period is
  // most of how long a new seed takes to be served.
  absl::Duration quiet_period = absl::Milliseconds(200);
  // ... but no later than this after the batch's first change (at least the
  // quiet period; zero means three quiet periods), so that a folder written
  // to without pause (a steady feed) is still reported that often.
  absl::Duration max_batch_delay = absl::ZeroDuration();
  // A report naming more distinct paths than this is made a full one: it
  // bounds the memory one burst takes, and loading that many named files
  // costs about what a walk of the folder does.
  size_t max_paths = 200000;
};

// Reports changes below a folder: files created, written, deleted, renamed or
// re-linked, in the folder and every subfolder (followed through symbolic
// links). Each report names the paths that changed, relative to the folder as
// the seed loader names them (the folders are listed by ListSeedFolders), or
// is full (SeedChanges::full) when it cannot tell: the event queue
// overflowed, a folder (or a link to one) was created, removed or renamed, a
// watched folder itself changed, more than SeedWatcherOptions::max_paths
// names changed, or a name starting with "." that is not a regular file
// changed (a Kubernetes ConfigMap update, which swaps the folder's `..data`
// link atomically, is one; so is any dot name removed, since a link to a
// folder cannot be told from a file once gone). The loader skips dot names,
// so writes to dot-named files and dot-named regular files created or
// renamed (an editor's `.story.txt.swp`) are ignored; a quiet period with
// nothing else is not reported.
class SeedWatcher {
 public:
  // Called from the watcher's thread.
  using OnChange = std::function<void(const SeedChanges&)>;
  // Called from the watcher's thread when a new subfolder cannot be watched
  // (e.g. the inotify watch limit is reached); watching goes on.
  using OnError = std::function<void(const absl::Status&)>;

  // Fails when `root` or one of its subfolders cannot be watched.
  static absl::StatusOr<std::unique_ptr<SeedWatcher>> Start(
      const std::string& root, const SeedWatcherOptions& options,
      OnChange on_change, OnError on_error);

  // Stops watching; no callback runs after it returns.
  ~SeedWatcher();

  SeedWatcher(const SeedWatcher&) = delete;
  SeedWatcher& operator=(const SeedWatcher&) = delete;

 private:
  SeedWatcher(std::string root, const SeedWatcherOptions& options,
              OnChange on_change, OnError on_error);
  // Watches every folder below root_ that the loader walks, and no other;
  // the first error, after trying every folder.
  absl::Status WatchFolders();
  void Run();
  // Reads pending events into full_ and paths_; true when any was read.
  bool DrainEvents();
  void AddEvent(uint32_t mask, int wd, absl::string_view name);
  // What the events read since the last report changed; clears them.
  SeedChanges TakeChanges();

  // Only the thread (and Start, before it) touches these.
  // The relative path (as the loader names it) of each watched folder, by
  // watch descriptor; and the set of those paths.
  absl::flat_hash_map<int, std::string> watches_;
  absl::flat_hash_set<std::string> watched_folders_;
  // Watches removed by WatchFolders, whose IN_IGNORED is expected.
  absl::flat_hash_set<int> removed_watches_;
  bool full_ = false;
  absl::flat_hash_set<std::string> paths_;

  const std::string root_;
  const SeedWatcherOptions options_;
  const OnChange on_change_;
  const OnError on_error_;
  int inotify_fd_ = -1;
  int stop_fds_[2] = {-1, -1};
  std::thread thread_;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_RELOAD_SEED_WATCHER_H_
