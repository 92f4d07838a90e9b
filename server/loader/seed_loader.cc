#include "loader/seed_loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>
#include <thread>
#include <tuple>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "util/memory_usage.h"
#include "util/sha256.h"

namespace newsmeta {
namespace {

namespace fs = std::filesystem;
using ::newsmeta::v1::Article;

// A file modified less than this before a load began may change again
// without its mtime showing it (timestamps have a granularity); the next load
// reads it again.
constexpr absl::Duration kRacyWindow = absl::Seconds(2);

struct Stamp {
  int64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  uint64_t device = 0;
  uint64_t inode = 0;
};

Stamp StampOf(const struct stat& info) {
  const auto nanos = [](const timespec& t) {
    return int64_t{t.tv_sec} * 1000000000 + t.tv_nsec;
  };
  return {static_cast<int64_t>(info.st_size), nanos(info.st_mtim),
          nanos(info.st_ctim), static_cast<uint64_t>(info.st_dev),
          static_cast<uint64_t>(info.st_ino)};
}

// The stamp as ListedSeedFile::stamp has it.
uint64_t StampKey(const Stamp& stamp) {
  const uint64_t key =
      absl::Hash<std::tuple<int64_t, int64_t, int64_t, uint64_t, uint64_t>>{}(
          std::make_tuple(stamp.size, stamp.mtime_ns, stamp.ctime_ns,
                          stamp.device, stamp.inode));
  return key == 0 ? 1 : key;
}

// Whether a file with `stamp` may change again without its stamp showing
// it, read at `racy_after_ns` + kRacyWindow.
bool Racy(const Stamp& stamp, int64_t racy_after_ns) {
  return stamp.mtime_ns >= racy_after_ns || stamp.ctime_ns >= racy_after_ns;
}

// The content as ListedSeedFile::content has it.
uint64_t ContentKey(const Sha256Digest& sha256) {
  uint64_t key = 0;
  for (int i = 0; i < 8; ++i) key = key << 8 | sha256[i];
  return key == 0 ? 1 : key;
}

struct SeedFile {
  std::string relative;  // with '/' separators
  Stamp stamp;
};

using Listed = SeedCache::Listed;

// What a walk (or the look at the named paths that replaces it) found: every
// name in walk order, each a regular file (with its stamp) or a rejection.
struct Walk {
  std::vector<Listed> listed;
  std::vector<Stamp> stamps;  // one per listed, of the regular files
  std::vector<SeedFolder> folders;
  std::set<std::pair<dev_t, ino_t>> visited_folders;
  bool folder_unreadable = false;
  // Only the folders are wanted: regular files need not be stat'ed.
  bool folders_only = false;
};

absl::Status Rejection(absl::string_view relative, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(relative, ": ", why));
}

// The rejection of a file of `size` bytes, over the limit of `max_bytes`.
absl::Status TooLarge(absl::string_view relative, int64_t size,
                      int64_t max_bytes) {
  return Rejection(relative,
                   absl::StrCat("is ", size, " bytes, more than the limit of ",
                                max_bytes, " bytes per seed"));
}

// Why the folder at `relative` cannot be read (the walk's rejection).
absl::Status FolderRejection(const std::string& relative,
                             const std::error_code& error) {
  return Rejection(relative.empty() ? "." : relative,
                   absl::StrCat("cannot read the folder: ", error.message()));
}

std::string Joined(absl::string_view relative, absl::string_view name) {
  return relative.empty() ? std::string(name)
                          : absl::StrCat(relative, "/", name);
}

// The order of the walk: path components compared bytewise, so '/' sorts
// before any other byte ("a/b" before "a-c").
bool WalkOrderLess(absl::string_view a, absl::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i] == b[i]) continue;
    if (a[i] == '/') return true;
    if (b[i] == '/') return false;
    return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
  }
  return a.size() < b.size();
}

// The stat(2) of `child` (a name the walk listed) as the walk judges it: a
// regular file (OK, `stamp` set), a folder (OK, `*folder` true), or a
// rejection.
absl::Status Classify(const std::string& path, const std::string& child,
                      struct stat* info, bool* folder, Stamp* stamp) {
  *folder = false;
  if (::stat(path.c_str(), info) != 0) {
    return Rejection(child,
                     absl::StrCat("cannot read: ", std::strerror(errno)));
  }
  if (S_ISDIR(info->st_mode)) {
    *folder = true;
    return absl::OkStatus();
  }
  if (S_ISREG(info->st_mode)) {
    *stamp = StampOf(*info);
    return absl::OkStatus();
  }
  return Rejection(child, "not a regular file or folder; skipped");
}

// `info` is the folder's stat.
void WalkFolder(const fs::path& folder, const struct stat& info,
                const std::string& relative, Walk* walk) {
  if (!walk->visited_folders.emplace(info.st_dev, info.st_ino).second) {
    return;  // already visited through another link
  }
  std::error_code error;
  std::vector<fs::directory_entry> entries;
  for (fs::directory_iterator it(folder, error), end; !error && it != end;
       it.increment(error)) {
    entries.push_back(*it);
  }
  if (error) {
    // Listed as a name it rejects, not as a folder walked: the files in it
    // are not seen.
    walk->folder_unreadable = true;
    walk->listed.push_back({relative, FolderRejection(relative, error)});
    walk->stamps.emplace_back();
    return;
  }
  walk->folders.push_back({folder.string(), relative});
  std::sort(entries.begin(), entries.end(),
            [](const fs::directory_entry& a, const fs::directory_entry& b) {
              return a.path() < b.path();
            });
  for (const fs::directory_entry& entry : entries) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    if (walk->folders_only) {
      // The type read with the name, when the file system gives it.
      std::error_code ignored;
      if (entry.symlink_status(ignored).type() == fs::file_type::regular) {
        continue;
      }
    }
    const std::string child = Joined(relative, name);
    struct stat child_info;
    bool is_folder = false;
    Stamp stamp;
    absl::Status status =
        Classify(entry.path().string(), child, &child_info, &is_folder, &stamp);
    if (is_folder) {
      WalkFolder(entry.path(), child_info, child, walk);
    } else if (!walk->folders_only) {
      walk->listed.push_back({child, std::move(status)});
      walk->stamps.push_back(stamp);
    }
  }
}

// Reads the file whole into `content`. The walk's stamp may be stale: a
// seed replaced since the walk (renamed over, as editors and deploy tools
// write files) is read as the file that was opened, and `stamp` receives
// that file's. A rejection when it cannot be read, is no longer a regular
// file, is larger than `max_bytes`, or does not hold the bytes fstat gave
// (it changed while being read). It opens with O_NONBLOCK, so a FIFO put in
// the file's place after the walk cannot block the load waiting for a writer
// (nor a device wait for its hardware); only a regular file is read.
absl::Status ReadFile(const std::string& root, const SeedFile& file,
                      int64_t max_bytes, Stamp* stamp, std::string* content) {
  const std::string path = absl::StrCat(root, "/", file.relative);
  const int fd =
      ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    return Rejection(file.relative,
                     absl::StrCat("cannot read: ", std::strerror(errno)));
  }
  struct stat opened;
  if (::fstat(fd, &opened) != 0) {
    const int stat_errno = errno;
    ::close(fd);
    return Rejection(file.relative,
                     absl::StrCat("cannot read: ", std::strerror(stat_errno)));
  }
  if (!S_ISREG(opened.st_mode)) {
    ::close(fd);
    return Rejection(file.relative,
                     "not a regular file (replaced since the folder was "
                     "listed); skipped");
  }
  *stamp = StampOf(opened);
  if (stamp->size > max_bytes) {
    ::close(fd);
    return TooLarge(file.relative, stamp->size, max_bytes);
  }
  // One byte more than expected, to see a file that grew.
  const size_t expected = static_cast<size_t>(stamp->size);
  content->resize(expected + 1);
  size_t filled = 0;
  int read_errno = 0;
  while (filled < content->size()) {
    const ssize_t got =
        ::read(fd, content->data() + filled, content->size() - filled);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) read_errno = errno;
    if (got <= 0) break;
    filled += static_cast<size_t>(got);
  }
  ::close(fd);
  if (read_errno != 0) {
    return Rejection(file.relative,
                     absl::StrCat("cannot read: ", std::strerror(read_errno)));
  }
  if (filled != expected) {
    return Rejection(file.relative,
                     "could not be read whole (changed while loading?)");
  }
  content->resize(expected);
  return absl::OkStatus();
}

bool SameLimits(const SeedLimits& a, const SeedLimits& b) {
  return a.max_depth == b.max_depth && a.max_extra_values == b.max_extra_values;
}

}  // namespace

NamedSeed LoadNamedSeed(const std::string& root, const std::string& relative,
                        const LoaderOptions& options) {
  const int64_t racy_after_ns = absl::ToUnixNanos(absl::Now() - kRacyWindow);
  NamedSeed seed;
  const std::string path = absl::StrCat(root, "/", relative);
  struct stat info;
  Stamp stamp;
  absl::Status listed = Classify(path, relative, &info, &seed.folder, &stamp);
  if (seed.folder) {
    // A folder only a walk loads; one it cannot read, it rejects.
    std::error_code error;
    fs::directory_iterator it(path, error);
    if (error) seed.outcome = FolderRejection(relative, error);
    return seed;
  }
  if (!listed.ok()) {
    struct stat link;
    if (::lstat(path.c_str(), &link) != 0 && errno == ENOENT) {
      seed.gone = true;
    } else {
      seed.outcome = std::move(listed);  // as the walk rejects it
    }
    return seed;
  }
  // ReadFile refuses a file over the limit before reading it.
  std::string content;
  Stamp read_stamp;
  if (absl::Status read =
          ReadFile(root, {relative, stamp}, options.max_file_bytes, &read_stamp,
                   &content);
      !read.ok()) {
    seed.outcome = std::move(read);
    return seed;
  }
  if (!Racy(read_stamp, racy_after_ns)) seed.stamp = StampKey(read_stamp);
  seed.content = ContentKey(Sha256Of(content));
  seed.outcome = ParseSeed(content, relative, options.seed_limits);
  return seed;
}

SeedCache::SeedCache() = default;
SeedCache::~SeedCache() = default;

void SeedCache::Clear() {
  entries_.clear();
  paths_.reset();
  path_bytes_ = 0;
  names_.reset();
  catalog_.reset();
  root_.clear();
  complete_ = false;
  listing_.clear();
  folders_.clear();
}

SeedCache::MemoryUsage SeedCache::memory_usage() const {
  MemoryUsage usage;
  usage.entries = HashTableBytes(entries_);
  size_t name_bytes = 0;
  for (const auto& [path, entry] : entries_) name_bytes += entry.name.size();
  usage.names = HeapBytes(name_bytes);
  usage.listing = VectorHeapBytes(listing_) + HeapBytes(path_bytes_);
  usage.folders = HashTableBytes(folders_);
  for (const std::string& folder : folders_) {
    usage.folders += StringHeapBytes(folder);
  }
  return usage;
}

bool SeedCache::CanLoadChanges(const std::string& root, uint64_t device,
                               uint64_t inode,
                               const LoaderOptions& options) const {
  return complete_ && root_ == root && root_device_ == device &&
         root_inode_ == inode && max_file_bytes_ == options.max_file_bytes &&
         SameLimits(seed_limits_, options.seed_limits);
}

void SeedCache::ForEachListed(
    const std::function<void(const ListedSeedFile&)>& visit) const {
  ListedSeedFile file;
  for (const CachedListed& listed : listing_) {
    file.relative = std::string(listed.relative);
    file.stamp = 0;
    file.content = 0;
    const auto it =
        listed.rejection.ok() ? entries_.find(listed.relative) : entries_.end();
    if (it != entries_.end()) {
      const Entry& entry = it->second;
      if (!entry.racy) {
        file.stamp = StampKey({entry.size, entry.mtime_ns, entry.ctime_ns,
                               entry.device, entry.inode});
      }
      if (entry.sha256 != Sha256Digest{}) {
        file.content = ContentKey(entry.sha256);
      }
    }
    visit(file);
  }
}

absl::StatusOr<SeedListing> ListSeedFiles(const std::string& root) {
  struct stat info;
  if (::stat(root.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("seeds folder \"", root, "\" is not a folder"));
  }
  Walk walk;
  WalkFolder(root, info, "", &walk);
  SeedListing listing;
  listing.complete = !walk.folder_unreadable;
  listing.files.reserve(walk.listed.size());
  for (size_t i = 0; i < walk.listed.size(); ++i) {
    Listed& listed = walk.listed[i];
    listing.files.push_back(
        {std::move(listed.relative),
         listed.rejection.ok() ? StampKey(walk.stamps[i]) : 0});
  }
  for (SeedFolder& folder : walk.folders) {
    listing.folders.insert(std::move(folder.relative));
  }
  return listing;
}

std::vector<SeedFolder> ListSeedFolders(const std::string& root) {
  struct stat info;
  if (::stat(root.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) return {};
  Walk walk;
  walk.folders_only = true;
  WalkFolder(root, info, "", &walk);
  return std::move(walk.folders);
}

void SeedCache::Attach(std::shared_ptr<const SegmentedCatalog> catalog) {
  catalog_ = std::move(catalog);
  // Of the files whose articles share a name, the catalog kept the one whose
  // path sorts first (see Catalog::Build).
  absl::flat_hash_map<absl::string_view, absl::string_view> kept_file;
  for (const auto& [path, entry] : entries_) {
    if (entry.outcome != Entry::Outcome::kArticle &&
        entry.outcome != Entry::Outcome::kInCatalog) {
      continue;
    }
    auto [it, inserted] = kept_file.try_emplace(entry.name, path);
    if (!inserted && absl::string_view(path) < it->second) it->second = path;
  }
  for (auto& [path, entry] : entries_) {
    if (entry.outcome != Entry::Outcome::kArticle &&
        entry.outcome != Entry::Outcome::kInCatalog) {
      continue;
    }
    std::optional<ArticleRef> article;
    if (catalog_ != nullptr && kept_file[entry.name] == path) {
      article = catalog_->IndexOf(entry.name);
    }
    if (article.has_value()) {
      entry.outcome = Entry::Outcome::kInCatalog;
      entry.article = *article;
    } else {
      // Left out of the catalog (a duplicate): parse it again next time.
      entry.outcome = Entry::Outcome::kUnknown;
    }
  }
}

absl::StatusOr<LoadResult> LoadSeedFolder(const std::string& root,
                                          const LoaderOptions& options) {
  const absl::Time started = absl::Now();
  struct stat root_info;
  const bool found = ::stat(root.c_str(), &root_info) == 0;
  if (!found || !S_ISDIR(root_info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("seeds folder \"", root, "\" ",
                     found ? "is not a folder" : std::strerror(errno)));
  }
  SeedCache* const cache = options.cache;
  const uint64_t root_device = static_cast<uint64_t>(root_info.st_dev);
  const uint64_t root_inode = static_cast<uint64_t>(root_info.st_ino);
  const auto reusable = [&](const SeedCache::Entry* old) {
    return old != nullptr &&
           (old->outcome == SeedCache::Entry::Outcome::kRejected ||
            (old->outcome == SeedCache::Entry::Outcome::kInCatalog &&
             cache->catalog_ != nullptr));
  };

  // Lists what a walk would list from the cache's last listing, stat'ing
  // only the named paths and the names that load did not settle (racy,
  // unreadable or not cached files, rejected names); false when a walk is
  // needed (a named path is or was a folder, or is outside the folders
  // walked).
  const auto list_changes = [&](const std::vector<std::string>& changed,
                                Walk* walk, int64_t* checked) {
    absl::flat_hash_set<std::string> check;
    for (const std::string& path : changed) {
      if (path.empty() || path.front() == '/' || path.back() == '/' ||
          path.front() == '.' || absl::StrContains(path, "/.") ||
          absl::StrContains(path, "//") || cache->folders_.contains(path)) {
        return false;
      }
      const size_t slash = path.rfind('/');
      if (!cache->folders_.contains(
              slash == std::string::npos
                  ? absl::string_view()
                  : absl::string_view(path).substr(0, slash))) {
        return false;
      }
      check.insert(path);
    }
    for (const SeedCache::CachedListed& listed : cache->listing_) {
      if (listed.rejection.ok()) {
        const auto it = cache->entries_.find(listed.relative);
        if (it != cache->entries_.end() && !it->second.racy &&
            reusable(&it->second)) {
          continue;
        }
      }
      check.insert(std::string(listed.relative));
    }
    std::vector<std::string> sorted(check.begin(), check.end());
    std::sort(sorted.begin(), sorted.end(), WalkOrderLess);
    *checked = static_cast<int64_t>(sorted.size());
    std::vector<Listed> fresh;
    std::vector<Stamp> fresh_stamps;
    for (std::string& relative : sorted) {
      const std::string path = absl::StrCat(root, "/", relative);
      struct stat info;
      bool is_folder = false;
      Stamp stamp;
      absl::Status status = Classify(path, relative, &info, &is_folder, &stamp);
      if (is_folder) return false;
      if (!status.ok()) {
        struct stat link;
        if (::lstat(path.c_str(), &link) != 0) {
          if (errno == ENOENT) continue;  // removed or renamed away
          return false;
        }
      }
      fresh.push_back({std::move(relative), std::move(status)});
      fresh_stamps.push_back(stamp);
    }
    walk->listed.reserve(cache->listing_.size() + fresh.size());
    walk->stamps.reserve(cache->listing_.size() + fresh.size());
    auto old = cache->listing_.begin();
    size_t f = 0;
    while (old != cache->listing_.end() || f < fresh.size()) {
      if (old != cache->listing_.end() && check.contains(old->relative)) {
        ++old;
        continue;
      }
      if (f < fresh.size() &&
          (old == cache->listing_.end() ||
           WalkOrderLess(fresh[f].relative, old->relative))) {
        walk->listed.push_back(std::move(fresh[f]));
        walk->stamps.push_back(fresh_stamps[f]);
        ++f;
        continue;
      }
      // Unchanged and settled: as that load saw it.
      const SeedCache::Entry& entry = cache->entries_.at(old->relative);
      walk->listed.push_back({std::string(old->relative), old->rejection});
      walk->stamps.push_back({entry.size, entry.mtime_ns, entry.ctime_ns,
                              entry.device, entry.inode});
      ++old;
    }
    return true;
  };

  Walk walk;
  int64_t files_checked = 0;
  bool walked = true;
  if (options.changed_paths != nullptr && cache != nullptr &&
      cache->CanLoadChanges(root, root_device, root_inode, options)) {
    walked = !list_changes(*options.changed_paths, &walk, &files_checked);
  }
  if (walked) {
    walk = Walk();
    WalkFolder(root, root_info, "", &walk);
    files_checked = static_cast<int64_t>(walk.listed.size());
  }
  if (options.after_walk) options.after_walk();

  if (cache != nullptr &&
      (cache->root_ != root ||
       cache->max_file_bytes_ != options.max_file_bytes ||
       !SameLimits(cache->seed_limits_, options.seed_limits))) {
    cache->Clear();
  }
  const int64_t racy_after_ns = absl::ToUnixNanos(started - kRacyWindow);

  std::vector<SeedFile> files;
  std::vector<absl::Status> walk_rejections;
  files.reserve(walk.listed.size());
  for (size_t i = 0; i < walk.listed.size(); ++i) {
    if (walk.listed[i].rejection.ok()) {
      files.push_back({walk.listed[i].relative, walk.stamps[i]});
    } else {
      walk_rejections.push_back(walk.listed[i].rejection);
    }
  }
  const size_t count = files.size();
  std::vector<absl::StatusOr<Article>> outcomes(count);
  std::vector<SerializedArticle> serialized(options.serialize ? count : 0);
  std::vector<SeedCache::Entry> entries(cache != nullptr ? count : 0);
  std::atomic<int64_t> files_read{0}, files_parsed{0}, files_reused{0};

  // Reuses what `old` gave for `file`; false when it cannot.
  const auto reuse = [&](const SeedCache::Entry& old, const SeedFile& file,
                         absl::StatusOr<Article>* outcome,
                         SeedCache::Entry* entry) {
    Article article;
    if (old.outcome == SeedCache::Entry::Outcome::kInCatalog) {
      article = cache->catalog_->article(old.article);
      if (article.source_file() != file.relative) return false;
      // As the parser gave it: the catalog linked its related articles.
      for (auto& link : *article.mutable_related()) link.clear_article();
    }
    if (old.outcome == SeedCache::Entry::Outcome::kRejected) {
      *outcome = old.rejection;
      entry->outcome = SeedCache::Entry::Outcome::kRejected;
      entry->rejection = old.rejection;
    } else {
      *outcome = std::move(article);
      entry->outcome = SeedCache::Entry::Outcome::kArticle;
    }
    ++files_reused;
    return true;
  };
  const auto same_stamp = [](const SeedCache::Entry& entry,
                             const Stamp& stamp) {
    return entry.size == stamp.size && entry.mtime_ns == stamp.mtime_ns &&
           entry.ctime_ns == stamp.ctime_ns && entry.device == stamp.device &&
           entry.inode == stamp.inode;
  };
  const auto load_file = [&](size_t i, std::string* content) {
    const SeedFile& file = files[i];
    absl::StatusOr<Article>& outcome = outcomes[i];
    SeedCache::Entry scratch;
    SeedCache::Entry& entry = cache != nullptr ? entries[i] : scratch;
    entry.size = file.stamp.size;
    entry.mtime_ns = file.stamp.mtime_ns;
    entry.ctime_ns = file.stamp.ctime_ns;
    entry.device = file.stamp.device;
    entry.inode = file.stamp.inode;
    entry.racy = file.stamp.mtime_ns >= racy_after_ns;

    const SeedCache::Entry* old = nullptr;
    if (cache != nullptr) {
      const auto it = cache->entries_.find(file.relative);
      if (it != cache->entries_.end() && reusable(&it->second)) {
        old = &it->second;
      }
    }
    if (old != nullptr && !old->racy && same_stamp(*old, file.stamp)) {
      entry.sha256 = old->sha256;
      if (reuse(*old, file, &outcome, &entry)) return;
    }
    if (file.stamp.size > options.max_file_bytes) {
      outcome =
          TooLarge(file.relative, file.stamp.size, options.max_file_bytes);
      entry.outcome = SeedCache::Entry::Outcome::kRejected;
      entry.rejection = outcome.status();
      return;
    }
    Stamp read_stamp;
    if (absl::Status read =
            ReadFile(root, file, options.max_file_bytes, &read_stamp, content);
        !read.ok()) {
      outcome = std::move(read);  // may pass: not cached
      return;
    }
    // What was read, when the file was replaced after the walk.
    entry.size = read_stamp.size;
    entry.mtime_ns = read_stamp.mtime_ns;
    entry.ctime_ns = read_stamp.ctime_ns;
    entry.device = read_stamp.device;
    entry.inode = read_stamp.inode;
    entry.racy = entry.racy || read_stamp.mtime_ns >= racy_after_ns;
    ++files_read;
    if (cache != nullptr) entry.sha256 = Sha256Of(*content);
    if (old != nullptr && old->sha256 == entry.sha256 &&
        reuse(*old, file, &outcome, &entry)) {
      return;
    }
    ++files_parsed;
    outcome = ParseSeed(*content, file.relative, options.seed_limits);
    if (outcome.ok()) {
      entry.outcome = SeedCache::Entry::Outcome::kArticle;
    } else {
      entry.outcome = SeedCache::Entry::Outcome::kRejected;
      entry.rejection = outcome.status();
    }
  };

  std::atomic<size_t> next{0};
  const auto work = [&] {
    std::string content;  // reused: one buffer per thread
    for (size_t i = next++; i < count; i = next++) {
      if (options.cancel != nullptr && options.cancel->load()) return;
      load_file(i, &content);
      if (options.serialize && outcomes[i].ok()) {
        serialized[i] = SerializeArticle(*outcomes[i]);
        outcomes[i] = Article();  // its memory, for the next file's parse
      }
    }
  };
  const int threads =
      std::max(1, options.threads > 0
                      ? options.threads
                      : static_cast<int>(std::thread::hardware_concurrency()));
  std::vector<std::thread> workers;
  for (int t = 1; t < threads && static_cast<size_t>(t) < count; ++t) {
    workers.emplace_back(work);
  }
  work();
  for (std::thread& worker : workers) worker.join();
  if (options.cancel != nullptr && options.cancel->load()) {
    return absl::CancelledError("loading the seeds was cancelled");
  }

  const auto name_of = [&](size_t i) -> const std::string& {
    return options.serialize ? serialized[i].name : outcomes[i]->name();
  };
  if (cache != nullptr) {
    // The names of the articles (kArticle: its outcome is the article), in
    // one allocation.
    size_t name_bytes = 0;
    for (size_t i = 0; i < count; ++i) {
      if (entries[i].outcome == SeedCache::Entry::Outcome::kArticle) {
        name_bytes += name_of(i).size();
      }
    }
    size_t path_bytes = 0;
    for (const Listed& listed : walk.listed) {
      path_bytes += listed.relative.size();
    }
    auto names = std::make_unique<char[]>(std::max<size_t>(name_bytes, 1));
    auto paths = std::make_unique<char[]>(std::max<size_t>(path_bytes, 1));
    std::vector<SeedCache::CachedListed> listing;
    listing.reserve(walk.listed.size());
    absl::flat_hash_map<absl::string_view, SeedCache::Entry> refilled;
    refilled.reserve(count);
    size_t names_filled = 0, paths_filled = 0;
    // files[] are the listed names the walk did not reject, in order.
    size_t i = 0;
    for (Listed& listed : walk.listed) {
      const std::string& relative = listed.relative;
      std::memcpy(paths.get() + paths_filled, relative.data(), relative.size());
      const absl::string_view path(paths.get() + paths_filled, relative.size());
      paths_filled += relative.size();
      const bool file = listed.rejection.ok();
      listing.push_back({path, std::move(listed.rejection)});
      if (!file) continue;
      const size_t f = i++;
      SeedCache::Entry& entry = entries[f];
      if (entry.outcome == SeedCache::Entry::Outcome::kUnknown) continue;
      if (entry.outcome == SeedCache::Entry::Outcome::kArticle) {
        const std::string& name = name_of(f);
        std::memcpy(names.get() + names_filled, name.data(), name.size());
        entry.name = absl::string_view(names.get() + names_filled, name.size());
        names_filled += name.size();
      }
      refilled.emplace(path, std::move(entry));
    }
    walk.listed = std::vector<Listed>();
    cache->entries_ = std::move(refilled);
    cache->paths_ = std::move(paths);
    cache->path_bytes_ = path_bytes;
    cache->listing_ = std::move(listing);
    cache->names_ = std::move(names);
    cache->root_device_ = root_device;
    cache->root_inode_ = root_inode;
    cache->complete_ = !walk.folder_unreadable;
    if (walked) {
      cache->folders_.clear();
      for (SeedFolder& folder : walk.folders) {
        cache->folders_.insert(std::move(folder.relative));
      }
    }
    cache->catalog_.reset();  // until Attach
    cache->root_ = root;
    cache->max_file_bytes_ = options.max_file_bytes;
    cache->seed_limits_ = options.seed_limits;
  }

  LoadResult result;
  result.rejections = std::move(walk_rejections);
  if (options.serialize) {
    result.serialized.reserve(count);
  } else {
    result.articles.reserve(count);
  }
  for (size_t i = 0; i < count; ++i) {
    absl::StatusOr<Article>& article = outcomes[i];
    if (!article.ok()) {
      result.rejections.push_back(article.status());
    } else if (options.serialize) {
      result.serialized.push_back(std::move(serialized[i]));
    } else {
      result.articles.push_back(*std::move(article));
    }
  }
  result.files_read = files_read;
  result.files_parsed = files_parsed;
  result.files_reused = files_reused;
  result.walked = walked;
  result.files_checked = files_checked;
  return result;
}

}  // namespace newsmeta
