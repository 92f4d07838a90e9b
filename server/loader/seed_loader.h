// Loads every seed document below a folder.
#ifndef NEWSMETA_SERVER_LOADER_SEED_LOADER_H_
#define NEWSMETA_SERVER_LOADER_SEED_LOADER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "catalog/catalog.h"
#include "catalog/segmented_catalog.h"
#include "catalog/serialized_article.h"
#include "loader/seed_parser.h"
#include "newsmeta/v1/article.pb.h"
#include "util/sha256.h"

namespace newsmeta {

class SeedCache;

struct LoaderOptions {
  // Files larger than this are rejected unread.
  int64_t max_file_bytes = 4 << 20;
  SeedLimits seed_limits;
  // Parser threads; 0 means one per core.
  int threads = 0;
  // When set and true, loading stops early with CANCELLED.
  const std::atomic<bool>* cancel = nullptr;
  // When set, files unchanged since the load that filled it are not parsed
  // again (see SeedCache), and the load refills it.
  SeedCache* cache = nullptr;
  // For tests: called once the folder has been listed, before any file is
  // read, to change files in between.
  std::function<void()> after_walk;
  // When set, only these paths (relative to the root, '/' separators, as in
  // Article.source_file) changed since the load that filled `cache`: the
  // load stats them (and the files that load could not settle) instead of
  // walking the whole folder. It walks anyway when there is no cache, the
  // cache holds no complete load of this root with these limits, or a named
  // path is (or was) a folder or is outside the folders walked; the result is
  // the one a full walk would give either way. nullptr: walk.
  const std::vector<std::string>* changed_paths = nullptr;
  // When true, each article is serialized as soon as it is parsed and
  // handed back in LoadResult::serialized (LoadResult::articles stays
  // empty): a load then holds bytes, not parsed messages (see
  // catalog/serialized_article.h).
  bool serialize = false;
};

struct LoadResult {
  // Articles of the files that parsed, in the order of their paths.
  std::vector<newsmeta::v1::Article> articles;
  // The same, serialized, when LoaderOptions::serialize.
  std::vector<SerializedArticle> serialized;
  // One INVALID_ARGUMENT per file that was skipped; each message starts with
  // the file's path relative to the seeds folder.
  std::vector<absl::Status> rejections;
  // Files read from disk, files parsed, and files whose earlier outcome (an
  // article or a rejection) was reused from the cache without parsing; a
  // file reused without being read is one whose size and times had not
  // changed.
  int64_t files_read = 0;
  int64_t files_parsed = 0;
  int64_t files_reused = 0;
  // Whether the whole folder was walked (false: only named paths were
  // looked at, see LoaderOptions::changed_paths), and how many names were
  // stat'ed (every file of the folder when it walked).
  bool walked = false;
  int64_t files_checked = 0;
};

// A folder the loader walks.
struct SeedFolder {
  // The folder to open: `root` joined with `relative`.
  std::string path;
  // Relative to the root with '/' separators; "" for the root itself. The
  // prefix of the relative paths of the files the loader finds in it.
  std::string relative;
};

// The folders LoadSeedFolder walks below `root` (root first), in its order
// and with the relative paths it gives them: depth first, names sorted,
// through symbolic links, each folder (device, inode) once, names starting
// with "." skipped. Folders that cannot be read are listed too. Empty when
// `root` is not a folder.
std::vector<SeedFolder> ListSeedFolders(const std::string& root);

// A name a walk of the seeds folder lists, as ListSeedFiles gives it.
struct ListedSeedFile {
  std::string relative;  // '/' separators, as in Article.source_file
  // A regular file's stamp: its size, times, device and inode hashed into
  // one number, never 0 (equal stamps: the file did not change in between,
  // see NamedSeed::stamp). 0 for a name the walk rejects (it cannot be
  // stat'ed or is not a regular file): load it to know why.
  uint64_t stamp = 0;
  // The first 8 bytes of the content's SHA-256 (NamedSeed::content), when a
  // load read it; 0 otherwise (a walk reads nothing).
  uint64_t content = 0;
};
struct SeedListing {
  std::vector<ListedSeedFile> files;  // in walk order
  // The folders walked, relative to the root ("" for the root itself); a
  // folder that cannot be read is not walked (its name is listed, stamp 0).
  absl::flat_hash_set<std::string> folders;
  // Every folder could be read.
  bool complete = true;
};
// Walks `root` as LoadSeedFolder does, stat'ing every name and reading no
// file. Fails only when `root` is not a folder.
absl::StatusOr<SeedListing> ListSeedFiles(const std::string& root);

// Reads every regular file below `root`, recursively and following symbolic
// links (each folder is visited once, so link loops end). Names that start
// with "." are skipped, which also skips the `..data` folders of Kubernetes
// ConfigMap volumes (their files are reached through the links beside them).
// Fails only when `root` itself cannot be read or loading is cancelled; a bad
// file becomes a rejection and the other files still load.
absl::StatusOr<LoadResult> LoadSeedFolder(const std::string& root,
                                          const LoaderOptions& options = {});

// One seed file, loaded as LoadSeedFolder loads it, without the cache.
struct NamedSeed {
  // Nothing is at the path now (removed, or renamed away).
  bool gone = false;
  // The path is a folder, which only a walk loads (`outcome` is then the
  // walk's rejection when it cannot be read).
  bool folder = false;
  // Otherwise: its article, or why it is rejected (INVALID_ARGUMENT, the
  // message starting with the path, as LoadSeedFolder's rejections do).
  absl::StatusOr<newsmeta::v1::Article> outcome =
      absl::UnknownError("not loaded");
  // The stamp of the file read (ListedSeedFile::stamp), or 0 when nothing
  // was read or it was modified so shortly before (2 s) that another write
  // within the same timestamp tick could leave the stamp as it is.
  uint64_t stamp = 0;
  // The first 8 bytes of the SHA-256 of the bytes read; 0 when none were.
  uint64_t content = 0;
};
// Loads `relative` (a path below `root`, '/' separators, as in
// Article.source_file).
NamedSeed LoadNamedSeed(const std::string& root, const std::string& relative,
                        const LoaderOptions& options = {});

// What the loads of one seeds folder learned of each file: its size, times
// and content hash (SHA-256), and what it gave. A later load with the cache
// reuses a file's article or rejection without reading it when its size,
// mtime, ctime and inode are unchanged; when any of them changed it reads
// the file and still reuses the outcome when the content hash is unchanged;
// otherwise it parses the file. A file modified within a couple of seconds
// of being read is always read again (its time may not show a second change
// made within the same tick).
//
// The articles themselves are not copied into the cache: after building the
// catalog from a load's articles, call Attach with it, and the next load
// copies unchanged articles from that catalog. Articles the catalog left out
// (duplicates) are parsed again. Use from one thread at a time.
class SeedCache {
 public:
  SeedCache();
  ~SeedCache();
  SeedCache(const SeedCache&) = delete;
  SeedCache& operator=(const SeedCache&) = delete;

  // The catalog built from the last load's articles.
  void Attach(std::shared_ptr<const SegmentedCatalog> catalog);
  void Attach(std::shared_ptr<const Catalog> catalog) {
    Attach(SegmentedCatalog::Of(std::move(catalog)));
  }
  // Forgets everything.
  void Clear();
  // Files known.
  size_t size() const { return entries_.size(); }
  // The relative paths of the folders the last walk visited ("" for the
  // root).
  const absl::flat_hash_set<std::string>& folders() const { return folders_; }

  // The heap bytes the cache holds, by part (util/memory_usage.h counts
  // them as malloc lays them out; the messages of rejections, which are
  // few, are not counted), for memory reports.
  struct MemoryUsage {
    size_t entries = 0;  // the table of files, with their paths
    size_t names = 0;    // their articles' names, one after another
    size_t listing = 0;  // the last load's listing, with its paths
    size_t folders = 0;  // the folders it walked
    size_t Total() const { return entries + names + listing + folders; }
  };
  MemoryUsage memory_usage() const;

  // Calls `visit` with every name the last load listed, its stamp as that
  // load read it (0 for a name it rejected unread, did not keep, or read
  // within 2 s of its last modification) and its content, when read.
  void ForEachListed(
      const std::function<void(const ListedSeedFile&)>& visit) const;

  // A name the last load listed: a regular file (`rejection` OK), or one
  // it rejected before reading (it cannot be stat'ed, is not a regular file,
  // or is a folder that cannot be read).
  struct Listed {
    std::string relative;
    absl::Status rejection;
  };

 private:
  friend absl::StatusOr<LoadResult> LoadSeedFolder(const std::string&,
                                                   const LoaderOptions&);
  struct Entry {
    // The file as stat(2) saw it when it was read.
    int64_t size = 0;
    int64_t mtime_ns = 0;
    int64_t ctime_ns = 0;
    uint64_t device = 0;
    uint64_t inode = 0;
    // Modified too close to when it was read: read it again next time.
    bool racy = false;
    // The content's SHA-256, once read (raw bytes: no allocation per file).
    Sha256Digest sha256{};
    enum class Outcome {
      kUnknown,    // parse again
      kArticle,    // parsed to an article, to find in the attached catalog
      kInCatalog,  // that article is catalog_->article(article)
      kRejected,   // rejected with `rejection`
    };
    Outcome outcome = Outcome::kUnknown;
    // kArticle, kInCatalog: the article's name, in names_.
    absl::string_view name;
    ArticleRef article;
    absl::Status rejection;
  };

  // Whether it holds a complete load of `root` (a folder with this device
  // and inode) with `options`' limits, so a load given
  // LoaderOptions::changed_paths need not walk.
  bool CanLoadChanges(const std::string& root, uint64_t device, uint64_t inode,
                      const LoaderOptions& options) const;

  // What the cached outcomes depend on besides the files.
  std::string root_;
  uint64_t root_device_ = 0;
  uint64_t root_inode_ = 0;
  int64_t max_file_bytes_ = -1;
  SeedLimits seed_limits_;
  // Every path the last load listed, one after another: `listing_` and the
  // keys of `entries_` view them. A cache of a million files is then a few
  // allocations, not millions of small ones; freed on another thread after
  // a delta, those small ones left the reloader's next allocations waiting
  // half a second while glibc consolidated them.
  std::unique_ptr<char[]> paths_;
  size_t path_bytes_ = 0;
  absl::flat_hash_map<absl::string_view, Entry> entries_;  // by path
  // The names of the entries' articles, one after another: copied once the
  // files are parsed, so that they are not scattered among the parsed
  // messages, which the catalog frees (a name left alone on a page keeps
  // the whole page resident).
  std::unique_ptr<char[]> names_;
  std::shared_ptr<const SegmentedCatalog> catalog_;
  // Set by a load that finished: `listing_` is everything it listed, in
  // walk order, and `folders_` the relative paths of the folders walked.
  // False when a folder could not be read (the next load walks).
  bool complete_ = false;
  struct CachedListed {
    absl::string_view relative;  // in paths_
    absl::Status rejection;
  };
  std::vector<CachedListed> listing_;
  absl::flat_hash_set<std::string> folders_;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_LOADER_SEED_LOADER_H_
