// Applies the changes of a few seed files to the published catalog in
// O(change): the changed articles become a small delta segment and the
// articles they replace or remove are deleted in their segments, so a
// change costs what it changes, not a rebuild of every article. When the
// change alters other articles' related links (it adds, removes or moves a
// URL they link to), those articles are emitted again in the delta with
// their links resolved anew; when files give the same name, the one kept is
// the first path, as in a build from scratch, and the others are rejected;
// a link resolves to the first owner of its URL in catalog order, as in a
// build from scratch. When the state cannot follow a change (a folder that
// cannot be read, a name not made by the parser), it says so and the
// reloader rebuilds from scratch instead; either way the catalog answers
// what a build from scratch of the same folder answers.
#ifndef NEWSMETA_SERVER_RELOAD_INCREMENTAL_CATALOG_H_
#define NEWSMETA_SERVER_RELOAD_INCREMENTAL_CATALOG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "catalog/segmented_catalog.h"
#include "catalog/serialized_article.h"
#include "loader/seed_loader.h"
#include "newsmeta/v1/article.pb.h"
#include "reload/url_tables.h"

namespace newsmeta {

struct IncrementalCatalogOptions {
  // Segments hold at most this many articles, or this share of the live
  // catalog when that is more: a load from scratch lays the catalog out in
  // such segments, and no merge writes a larger one, so a merge copies at
  // most that many articles beside the catalog served (catalogs this size
  // or smaller are one segment, as before segments).
  size_t segment_articles = 131072;
  double segment_share = 0.125;
  // Small segments (deltas: under half the largest size) kept; one more
  // merges the newest ones (at least two, and the older ones not much
  // larger than them) into one.
  int max_deltas = 8;
  // A segment with more than this share of its articles deleted is
  // rewritten without them (split, when it is larger than a segment may
  // be: a snapshot's).
  double purge_share = 0.25;
};

// The most articles a segment of a catalog of `live` articles holds (what
// a load from scratch, a merge or a snapshot cuts).
size_t SegmentArticles(const IncrementalCatalogOptions& options, size_t live);

// A seed file named by a change, as it is now.
struct SeedFileUpdate {
  std::string path;  // relative to the seeds folder
  NamedSeed seed;
};

class IncrementalCatalog {
 public:
  explicit IncrementalCatalog(IncrementalCatalogOptions options = {})
      : options_(options) {}

  // Learns a load from scratch: `articles` are the loaded articles (before
  // BuildCatalog), `files` the loader's cache that load filled (the folders
  // walked, each name listed with its stamp). Call Attach next with the
  // catalog built from them and every rejection (the loader's and Build's).
  void Learn(const std::vector<SerializedArticle>& articles,
             const SeedCache& files);
  void Attach(std::shared_ptr<const SegmentedCatalog> catalog,
              const std::vector<absl::Status>& rejections);
  // Learns a catalog not loaded from the folder (a snapshot's): its
  // articles and the folders to watch, each article's file to be read again
  // at the next walk (ChangedFiles names them all; Apply leaves alone those
  // that give the article served), the files it does not know as new.
  void LearnCatalog(std::shared_ptr<const SegmentedCatalog> catalog,
                    absl::flat_hash_set<std::string> folders);
  // Forgets everything: Apply refuses until Learn and Attach.
  void Invalidate();
  bool valid() const { return catalog_ != nullptr; }
  // The most articles a segment of a catalog of `live` articles holds.
  size_t SegmentArticles(size_t live) const;

  struct Applied {
    std::shared_ptr<const SegmentedCatalog> catalog;
    // Every file left out now, sorted by message (so by path, as the log
    // lists them).
    std::vector<absl::Status> rejections;
    int64_t articles_added = 0;    // new or replacing
    int64_t articles_deleted = 0;  // replaced or removed
    // Unchanged articles emitted again because the article a related link
    // of theirs resolves to changed (not counted above).
    int64_t articles_relinked = 0;
    // Whether deltas were merged into one, or a segment rewritten without
    // its deleted articles (at most one of either per change).
    bool merged_deltas = false;
    bool purged = false;
    // The live articles that merge wrote (0 without one): the working
    // space it took beside the catalog served is about their bytes.
    int64_t merged_articles = 0;
    // Whether a merge is still due (one a change could not make, or the
    // next after the one it made): an empty change makes it.
    bool merge_due = false;
  };
  // Starts a change that may take several Apply calls (a walk's files in
  // chunks), of which only the last catalog is published while `served`
  // stays in memory: of the merges that copy its segments, one is made per
  // catalog served (a change whose catalog is not served, under --strict,
  // makes none after it; merges of segments `served` does not hold cost
  // nothing beside it, and are all made). Without it, each Apply may make a
  // merge.
  void StartChange(const std::shared_ptr<const SegmentedCatalog>& served);

  // The catalog with `updates` applied, or nullopt (and the state is
  // invalid) when only a rebuild from scratch gives the right answer;
  // `why` then says why. `walked_folders`, when the updates are what a walk
  // found changed (ChangedFiles), are the folders it walked: they replace
  // the folders known (a file in a folder made since is new, one in a
  // folder removed is gone).
  // `read` loads a file the change did not name whose article is to be
  // served now (of a name two files gave, the one kept when the other
  // goes).
  using ReadSeed = std::function<NamedSeed(const std::string& path)>;
  std::optional<Applied> Apply(
      const std::vector<SeedFileUpdate>& updates, const ReadSeed& read,
      std::string* why,
      const absl::flat_hash_set<std::string>* walked_folders = nullptr);

  // The heap bytes the state holds, by part (util/memory_usage.h), for the
  // reload log and memory reports.
  struct MemoryUsage {
    size_t files = 0;  // name_of_path_, stamps_, racy_contents_,
                       // unserved_paths_, claims_
    size_t urls = 0;   // url_owners_
    size_t links = 0;  // linkers_
    size_t other = 0;  // folders_, rejections_
    size_t Total() const { return files + urls + links + other; }
  };
  MemoryUsage memory_usage() const;

  // The files a walk of the folder (`listing`) found changed since the
  // state: new (in folders made since too), gone, or with another stamp (or
  // one the state does not trust), each to give to Apply with the walk's
  // folders; nullopt when the walk's changes cannot be applied (a folder
  // cannot be read, a gone file's path is not known), `why` then saying
  // why.
  std::optional<std::vector<std::string>> ChangedFiles(
      const SeedListing& listing, std::string* why) const;

 private:
  // The keys the state is held by (64-bit hashes; where a collision could
  // give a wrong answer, the article found is checked).
  static uint64_t Key(absl::string_view text);

  // Records how the file at `path` (its key) was read: its stamp, and its
  // content when the stamp is not trusted.
  void RememberFile(uint64_t path, uint64_t stamp, uint64_t content);
  // Drops the rejections of the file at `path`.
  void ForgetRejections(absl::string_view path);
  // Whether `path`, read again, gives `article` (named with `id`) as it is
  // served now for that file.
  bool Served(const std::string& path, uint64_t id,
              const newsmeta::v1::Article& article) const;
  // Whether `update` is a file read before whose content is the same (one
  // read so soon after it was written that its stamp is not trusted).
  bool Unchanged(const SeedFileUpdate& update) const;

  // The segments to merge into one (by position; none when no merge is
  // due), whether they are deltas (else a segment to purge), and the most
  // articles a segment may hold.
  struct MergePlan {
    std::vector<size_t> merging;
    bool deltas = false;
    size_t largest = 0;
  };
  MergePlan PlanMerge(
      const std::vector<SegmentedCatalog::Segment>& segments) const;
  // Rewrites one segment of `segments` without its deleted articles, or
  // merges the newest deltas, when due: one merge per change, so that no
  // change holds more than one merge's copies beside the catalog served.
  std::shared_ptr<const SegmentedCatalog> MergeIfDue(
      std::vector<SegmentedCatalog::Segment> segments,
      const MultisetHash& content_hash, Applied* applied);

  const IncrementalCatalogOptions options_;
  // The catalog served when the change started (StartChange; not kept
  // alive), its segments, and whether a merge copied one of them since it
  // was served.
  std::weak_ptr<const SegmentedCatalog> served_;
  absl::flat_hash_set<const Catalog*> served_segments_;
  bool merged_served_ = false;
  // Learn succeeded and Attach is awaited.
  bool learned_ = false;
  std::shared_ptr<const SegmentedCatalog> catalog_;
  // Per seed file that gives an article (served, or rejected as another
  // file's duplicate): the id of its name (the 16 hex digits of
  // articles/{id}), by path.
  absl::flat_hash_map<uint64_t, uint64_t> name_of_path_;
  // The paths of the files that give each name more than one file gives
  // (sorted: the first is the one served, the others are rejected as its
  // duplicates), by the name's id.
  absl::flat_hash_map<uint64_t, std::vector<std::string>> claims_;
  // How many served articles have each URL as their own (original or web).
  UrlCounts url_owners_;
  // The articles (ids of their names, once per link) whose related links
  // point at each URL.
  LinkIndex linkers_;
  absl::flat_hash_set<std::string> folders_;
  // Each listed file's stamp (ListedSeedFile::stamp), by path.
  absl::flat_hash_map<uint64_t, uint64_t> stamps_;
  // The content (ListedSeedFile::content) of the files whose stamp is 0 but
  // were read: a walk names them again, and one whose content is the same
  // is no change.
  absl::flat_hash_map<uint64_t, uint64_t> racy_contents_;
  // The paths of the listed files that give no served article and no
  // duplicated name (rejected ones), so a walk can name them when they go.
  absl::flat_hash_map<uint64_t, std::string> unserved_paths_;
  std::vector<absl::Status> rejections_;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_RELOAD_INCREMENTAL_CATALOG_H_
