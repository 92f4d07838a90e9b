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
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
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

struct SeedFile {
  fs::path path;
  std::string relative;  // with '/' separators
  Stamp stamp;
};

struct Walk {
  std::vector<SeedFile> files;
  std::vector<absl::Status> rejections;
  std::set<std::pair<dev_t, ino_t>> visited_folders;
};

absl::Status Rejection(absl::string_view relative, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(relative, ": ", why));
}

// `info` is the folder's stat.
void WalkFolder(const fs::path& folder, const struct stat& info,
                const std::string& relative, Walk* walk) {
  if (!walk->visited_folders.emplace(info.st_dev, info.st_ino).second) {
    return;  // already visited through another link
  }
  std::error_code error;
  std::vector<fs::path> entries;
  for (fs::directory_iterator it(folder, error), end; !error && it != end;
       it.increment(error)) {
    entries.push_back(it->path());
  }
  if (error) {
    walk->rejections.push_back(
        Rejection(relative.empty() ? "." : relative,
                  absl::StrCat("cannot read the folder: ", error.message())));
    return;
  }
  std::sort(entries.begin(), entries.end());
  for (const fs::path& entry : entries) {
    const std::string name = entry.filename().string();
    if (name.empty() || name[0] == '.') continue;
    const std::string child =
        relative.empty() ? name : absl::StrCat(relative, "/", name);
    struct stat child_info;
    if (::stat(entry.c_str(), &child_info) != 0) {
      walk->rejections.push_back(Rejection(
          child, absl::StrCat("cannot read: ", std::strerror(errno))));
    } else if (S_ISDIR(child_info.st_mode)) {
      WalkFolder(entry, child_info, child, walk);
    } else if (S_ISREG(child_info.st_mode)) {
      walk->files.push_back({entry, child, StampOf(child_info)});
    } else {
      walk->rejections.push_back(
          Rejection(child, "not a regular file or folder; skipped"));
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
absl::Status ReadFile(const SeedFile& file, int64_t max_bytes, Stamp* stamp,
                      std::string* content) {
  const int fd =
      ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
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
    return Rejection(
        file.relative,
        absl::StrCat("is ", stamp->size, " bytes, more than the limit of ",
                     max_bytes, " bytes per seed"));
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

SeedCache::SeedCache() = default;
SeedCache::~SeedCache() = default;

void SeedCache::Clear() {
  entries_.clear();
  catalog_.reset();
  root_.clear();
}

void SeedCache::Attach(std::shared_ptr<const Catalog> catalog) {
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
    std::optional<ArticleIndex> index;
    if (catalog_ != nullptr && kept_file[entry.name] == path) {
      index = catalog_->IndexOf(entry.name);
    }
    if (index.has_value()) {
      entry.outcome = Entry::Outcome::kInCatalog;
      entry.index = *index;
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
  Walk walk;
  WalkFolder(root, root_info, "", &walk);
  if (options.after_walk) options.after_walk();

  SeedCache* const cache = options.cache;
  if (cache != nullptr &&
      (cache->root_ != root ||
       cache->max_file_bytes_ != options.max_file_bytes ||
       !SameLimits(cache->seed_limits_, options.seed_limits))) {
    cache->Clear();
  }
  const int64_t racy_after_ns = absl::ToUnixNanos(started - kRacyWindow);

  const size_t count = walk.files.size();
  std::vector<absl::StatusOr<Article>> outcomes(count);
  std::vector<SeedCache::Entry> entries(cache != nullptr ? count : 0);
  std::atomic<int64_t> files_read{0}, files_parsed{0}, files_reused{0};

  // Reuses what `old` gave for `file`; false when it cannot.
  const auto reuse = [&](const SeedCache::Entry& old, const SeedFile& file,
                         absl::StatusOr<Article>* outcome,
                         SeedCache::Entry* entry) {
    Article article;
    if (old.outcome == SeedCache::Entry::Outcome::kInCatalog) {
      article = cache->catalog_->article(old.index);
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
      entry->name = old.name;
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
  const auto reusable = [&](const SeedCache::Entry* old) {
    return old != nullptr &&
           (old->outcome == SeedCache::Entry::Outcome::kRejected ||
            (old->outcome == SeedCache::Entry::Outcome::kInCatalog &&
             cache->catalog_ != nullptr));
  };

  const auto load_file = [&](size_t i, std::string* content) {
    const SeedFile& file = walk.files[i];
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
          Rejection(file.relative,
                    absl::StrCat("is ", file.stamp.size,
                                 " bytes, more than the limit of ",
                                 options.max_file_bytes, " bytes per seed"));
      entry.outcome = SeedCache::Entry::Outcome::kRejected;
      entry.rejection = outcome.status();
      return;
    }
    Stamp read_stamp;
    if (absl::Status read =
            ReadFile(file, options.max_file_bytes, &read_stamp, content);
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
    if (cache != nullptr) entry.sha256 = Sha256Hex(*content);
    if (old != nullptr && old->sha256 == entry.sha256 &&
        reuse(*old, file, &outcome, &entry)) {
      return;
    }
    ++files_parsed;
    outcome = ParseSeed(*content, file.relative, options.seed_limits);
    if (outcome.ok()) {
      entry.outcome = SeedCache::Entry::Outcome::kArticle;
      entry.name = outcome->name();
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

  if (cache != nullptr) {
    absl::flat_hash_map<std::string, SeedCache::Entry> refilled;
    refilled.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      if (entries[i].outcome == SeedCache::Entry::Outcome::kUnknown) continue;
      refilled.emplace(std::move(walk.files[i].relative),
                       std::move(entries[i]));
    }
    cache->entries_ = std::move(refilled);
    cache->catalog_.reset();  // until Attach
    cache->root_ = root;
    cache->max_file_bytes_ = options.max_file_bytes;
    cache->seed_limits_ = options.seed_limits;
  }

  LoadResult result;
  result.rejections = std::move(walk.rejections);
  result.articles.reserve(count);
  for (auto& article : outcomes) {
    if (article.ok()) {
      result.articles.push_back(*std::move(article));
    } else {
      result.rejections.push_back(article.status());
    }
  }
  result.files_read = files_read;
  result.files_parsed = files_parsed;
  result.files_reused = files_reused;
  return result;
}

}  // namespace newsmeta
