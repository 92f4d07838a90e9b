#include "reload/seed_watcher.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <set>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace newsmeta {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kEvents = IN_CREATE | IN_DELETE | IN_MODIFY |
                             IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO |
                             IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;

// The folders below `root` (root included) as the seed loader walks them:
// through symbolic links, each folder once, names starting with "." skipped.
std::vector<fs::path> FoldersBelow(const fs::path& root) {
  std::vector<fs::path> folders;
  std::set<std::pair<dev_t, ino_t>> seen;
  std::vector<fs::path> pending = {root};
  while (!pending.empty()) {
    fs::path folder = std::move(pending.back());
    pending.pop_back();
    struct stat info;
    if (::stat(folder.c_str(), &info) != 0 || !S_ISDIR(info.st_mode) ||
        !seen.emplace(info.st_dev, info.st_ino).second) {
      continue;
    }
    std::error_code error;
    for (fs::directory_iterator it(folder, error), end; !error && it != end;
         it.increment(error)) {
      const std::string name = it->path().filename().string();
      if (!name.empty() && name[0] != '.' && it->is_directory(error)) {
        pending.push_back(it->path());
      }
      error.clear();
    }
    folders.push_back(std::move(folder));
  }
  return folders;
}

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
  // Adding a watch to a folder already watched only refreshes it.
  for (const fs::path& folder : FoldersBelow(root_)) {
    if (inotify_add_watch(inotify_fd_, folder.c_str(), kEvents) < 0) {
      return ErrnoError("inotify_add_watch", folder.string());
    }
  }
  return absl::OkStatus();
}

bool SeedWatcher::DrainEvents() {
  alignas(struct inotify_event) char buffer[16 * 1024];
  bool any = false;
  while (true) {
    const ssize_t n = read(inotify_fd_, buffer, sizeof(buffer));
    if (n > 0) {
      any = true;  // every event, an overflow included, means "changed"
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return any;
  }
}

void SeedWatcher::Run() {
  bool pending = false;
  absl::Time quiet_until = absl::InfiniteFuture();
  while (true) {
    int timeout_ms = -1;
    if (pending) {
      const absl::Duration left = quiet_until - absl::Now();
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
      pending = true;
      quiet_until = absl::Now() + options_.quiet_period;
      continue;
    }
    if (pending && absl::Now() >= quiet_until) {
      pending = false;
      // New subfolders get watches before the change is reported, so changes
      // made in them from now on are seen too.
      if (absl::Status status = WatchFolders(); !status.ok()) {
        on_error_(status);
      }
      on_change_();
    }
  }
}

}  // namespace newsmeta
