#include "reload/seed_watcher.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "loader/seed_loader.h"

namespace newsmeta {
namespace {

constexpr uint32_t kEvents = IN_CREATE | IN_DELETE | IN_MODIFY |
                             IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO |
                             IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
// Events that say a watched folder itself changed.
constexpr uint32_t kFolderEvents =
    IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT | IN_ISDIR;

absl::Status ErrnoError(absl::string_view what, absl::string_view path) {
  const int error = errno;
  std::string message =
      absl::StrCat("cannot watch ", path, " for changes: ", what, ": ",
                   std::strerror(error));
  if (error == ENOSPC) {
    absl::StrAppend(&message,
                    " (the inotify watch limit is reached; raise "
                    "fs.inotify.max_user_watches)");
  }
  return absl::FailedPreconditionError(message);
}

// Whether an event `mask` on the dot-named entry `path` (relative to `root`)
// may change what the loader finds through other names: not when it wrote a
// file's content, or when the entry now is a regular file (an editor's swap
// or backup file). A symbolic link (a ConfigMap's `..data`), anything that is
// or was a folder, and a name that is gone (it may have been a link to a
// folder) may. Not caught: a regular file renamed from a name that is not
// dot-named over a dot-named link (the link's end shows in no event).
bool DotNameMayLeadToSeeds(const std::string& root, uint32_t mask,
                           const std::string& path) {
  if ((mask & (IN_MODIFY | IN_CLOSE_WRITE)) != 0 && (mask & IN_ISDIR) == 0) {
    return false;
  }
  struct stat info;
  return ::lstat(absl::StrCat(root, "/", path).c_str(), &info) != 0 ||
         !S_ISREG(info.st_mode);
}

}  // namespace

absl::StatusOr<std::unique_ptr<SeedWatcher>> SeedWatcher::Start(
    const std::string& root, const SeedWatcherOptions& options,
    OnChange on_change, OnError on_error) {
  std::unique_ptr<SeedWatcher> watcher(new SeedWatcher(
      root, options, std::move(on_change), std::move(on_error)));
  watcher->inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (watcher->inotify_fd_ < 0) return ErrnoError("inotify_init1", root);
  if (pipe2(watcher->stop_fds_, O_NONBLOCK | O_CLOEXEC) != 0) {
    return ErrnoError("pipe2", root);
  }
  struct stat info;
  if (::stat(root.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot watch ", root, " for changes: not a folder"));
  }
  if (absl::Status status = watcher->WatchFolders(); !status.ok()) {
    return status;
  }
  watcher->thread_ = std::thread(&SeedWatcher::Run, watcher.get());
  return watcher;
}

SeedWatcher::SeedWatcher(std::string root, const SeedWatcherOptions& options,
                         OnChange on_change, OnError on_error)
    : root_(std::move(root)),
      options_(options),
      on_change_(std::move(on_change)),
      on_error_(std::move(on_error)) {}

SeedWatcher::~SeedWatcher() {
  if (thread_.joinable()) {
    const char stop = 1;
    while (write(stop_fds_[1], &stop, 1) < 0 && errno == EINTR) {
    }
    thread_.join();
  }
  for (const int fd : {inotify_fd_, stop_fds_[0], stop_fds_[1]}) {
    if (fd >= 0) close(fd);
  }
}

absl::Status SeedWatcher::WatchFolders() {
  absl::Status first_error;
  absl::flat_hash_map<int, std::string> watches;
  // Adding a watch to a folder already watched only refreshes it (and gives
  // its descriptor).
  for (SeedFolder& folder : ListSeedFolders(root_)) {
    const int wd = inotify_add_watch(inotify_fd_, folder.path.c_str(), kEvents);
    if (wd < 0) {
      if (first_error.ok()) {
        first_error = ErrnoError("inotify_add_watch", folder.path);
      }
      continue;
    }
    watches.emplace(wd, std::move(folder.relative));
  }
  // Folders the loader no longer walks (removed, or reached through a link
  // that changed).
  for (const auto& [wd, relative] : watches_) {
    if (!watches.contains(wd) && inotify_rm_watch(inotify_fd_, wd) == 0) {
      removed_watches_.insert(wd);
    }
  }
  watches_ = std::move(watches);
  watched_folders_.clear();
  for (const auto& [wd, relative] : watches_) watched_folders_.insert(relative);
  return first_error;
}

bool SeedWatcher::DrainEvents() {
  alignas(struct inotify_event) char buffer[16 * 1024];
  bool any = false;
  while (true) {
    const ssize_t n = read(inotify_fd_, buffer, sizeof(buffer));
    if (n > 0) {
      any = true;
      for (ssize_t at = 0;
           at + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
        // `name` is padded with NULs.
        AddEvent(event->mask, event->wd,
                 event->len > 0 ? absl::string_view(event->name)
                                : absl::string_view());
        at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      }
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return any;
  }
}

void SeedWatcher::AddEvent(uint32_t mask, int wd, absl::string_view name) {
  if ((mask & IN_Q_OVERFLOW) != 0) {
    full_ = true;
    return;
  }
  if ((mask & IN_IGNORED) != 0 && removed_watches_.erase(wd) > 0) return;
  if (full_) return;
  const auto folder = watches_.find(wd);
  if (folder == watches_.end() || (mask & kFolderEvents) != 0 || name.empty()) {
    full_ = true;
    paths_.clear();
    return;
  }
  std::string path = folder->second.empty()
                         ? std::string(name)
                         : absl::StrCat(folder->second, "/", name);
  if (name.front() == '.') {
    // The loader skips dot names, so only what they may lead to matters.
    if (!DotNameMayLeadToSeeds(root_, mask, path)) return;
    full_ = true;
    paths_.clear();
    return;
  }
  paths_.insert(std::move(path));
  if (paths_.size() > options_.max_paths) {
    full_ = true;
    paths_.clear();
  }
}

SeedChanges SeedWatcher::TakeChanges() {
  SeedChanges changes;
  changes.full = full_;
  // A name that was a folder, or now is one (or a link to one).
  for (const std::string& path : paths_) {
    if (changes.full) break;
    struct stat info;
    changes.full =
        watched_folders_.contains(path) ||
        (::stat(absl::StrCat(root_, "/", path).c_str(), &info) == 0 &&
         S_ISDIR(info.st_mode));
  }
  if (!changes.full) {
    changes.paths.assign(paths_.begin(), paths_.end());
    std::sort(changes.paths.begin(), changes.paths.end());
  }
  full_ = false;
  paths_.clear();
  return changes;
}

void SeedWatcher::Run() {
  bool pending = false;
  absl::Time quiet_until = absl::InfiniteFuture();
  absl::Time first_seen = absl::InfiniteFuture();
  // When the batch is reported: once quiet, or at its deadline.
  const absl::Duration max_delay =
      options_.max_batch_delay == absl::ZeroDuration()
          ? 3 * options_.quiet_period
          : std::max(options_.max_batch_delay, options_.quiet_period);
  const auto due = [&] {
    return std::min(quiet_until, first_seen + max_delay);
  };
  while (true) {
    int timeout_ms = -1;
    if (pending) {
      const absl::Duration left = due() - absl::Now();
      timeout_ms = left <= absl::ZeroDuration()
                       ? 0
                       : static_cast<int>(absl::ToInt64Milliseconds(
                             absl::Ceil(left, absl::Milliseconds(1))));
    }
    struct pollfd fds[2] = {{inotify_fd_, POLLIN, 0},
                            {stop_fds_[0], POLLIN, 0}};
    const int ready = poll(fds, 2, timeout_ms);
    if (ready < 0 && errno != EINTR) return;
    if (fds[1].revents != 0) return;
    if (ready > 0 && (fds[0].revents & POLLIN) != 0 && DrainEvents()) {
      const absl::Time now = absl::Now();
      if (!pending) first_seen = now;
      pending = true;
      quiet_until = now + options_.quiet_period;
      if (now < due()) continue;
    }
    if (pending && absl::Now() >= due()) {
      pending = false;
      SeedChanges changes = TakeChanges();
      changes.first_seen = first_seen;
      // Only ignored events (say, a dot-named file written): nothing to
      // report.
      if (!changes.full && changes.paths.empty()) continue;
      // When folders may have changed, new subfolders get watches before the
      // change is reported, so changes made in them from now on are seen too.
      if (changes.full) {
        if (absl::Status status = WatchFolders(); !status.ok()) {
          on_error_(status);
        }
      }
      on_change_(changes);
    }
  }
}

}  // namespace newsmeta
