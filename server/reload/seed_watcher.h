// Watches a seeds folder for changes with inotify (Linux).
#ifndef NEWSMETA_SERVER_RELOAD_SEED_WATCHER_H_
#define NEWSMETA_SERVER_RELOAD_SEED_WATCHER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace newsmeta {

struct SeedWatcherOptions {
  // A change is reported once the folder has been quiet this long, so that a
  // copy of many files, or a ConfigMap update, ends in one report.
  absl::Duration quiet_period = absl::Seconds(1);
};

// Reports changes below a folder: files created, written, deleted, renamed or
// re-linked, in the folder and every subfolder (followed through symbolic
// links). A Kubernetes ConfigMap update, which swaps the folder's `..data`
// link atomically, is one such change.
class SeedWatcher {
 public:
  // Called from the watcher's thread.
  using OnChange = std::function<void()>;
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
  // Adds a watch on every folder below root_ not yet watched.
  absl::Status WatchFolders();
  void Run();
  // Reads pending events; true when any was read.
  bool DrainEvents();

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
