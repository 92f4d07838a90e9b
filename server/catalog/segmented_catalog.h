// The catalog a call pins: immutable segments (a large base and small
// deltas, each a Catalog) with the articles later segments deleted from
// earlier ones, published as one value. Queries merge the segments and
// answer exactly what one catalog built from the same articles answers.
#ifndef NEWSMETA_SERVER_CATALOG_SEGMENTED_CATALOG_H_
#define NEWSMETA_SERVER_CATALOG_SEGMENTED_CATALOG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "catalog/catalog.h"
#include "catalog/deletion_set.h"
#include "newsmeta/v1/article.pb.h"
#include "util/multiset_hash.h"

namespace newsmeta {

// An article of a segmented catalog: its segment, and its index there.
struct ArticleRef {
  uint32_t segment = 0;
  ArticleIndex index = 0;

  friend bool operator==(ArticleRef a, ArticleRef b) {
    return a.segment == b.segment && a.index == b.index;
  }
  friend bool operator!=(ArticleRef a, ArticleRef b) { return !(a == b); }
};

class SegmentedCatalog {
 public:
  struct Segment {
    std::shared_ptr<const Catalog> catalog;
    // This segment's articles that are not served; nullptr when none.
    std::shared_ptr<const DeletionSet> deleted;
  };

  // One catalog alone: what a build from scratch serves.
  static std::shared_ptr<const SegmentedCatalog> Of(
      std::shared_ptr<const Catalog> catalog);
  // The same without owning it: `catalog` must outlive the result (for
  // tests and tools that hold a Catalog).
  explicit SegmentedCatalog(const Catalog& catalog);

  // `segments`, oldest first. Every name is live (in a segment, not in its
  // deletion set) in at most one segment. `content_hash` is that of the live
  // articles, which the caller keeps up to date in O(change)
  // (MultisetHash::Add / Remove).
  static std::shared_ptr<const SegmentedCatalog> Make(
      std::vector<Segment> segments, const MultisetHash& content_hash);

  SegmentedCatalog(const SegmentedCatalog&) = delete;
  SegmentedCatalog& operator=(const SegmentedCatalog&) = delete;

  // Live articles.
  size_t size() const { return size_; }
  // Catalog::VersionOf(content_hash()): the version a catalog built from
  // scratch from the live articles has.
  const std::string& version() const { return version_; }
  const MultisetHash& content_hash() const { return content_hash_; }

  uint32_t segment_count() const {
    return static_cast<uint32_t>(segments_.size());
  }
  const Catalog& segment(uint32_t s) const { return *segments_[s].catalog; }
  const std::shared_ptr<const Catalog>& segment_ptr(uint32_t s) const {
    return segments_[s].catalog;
  }
  // The segment's deleted articles; nullptr when it has none.
  const DeletionSet* deleted(uint32_t s) const {
    const DeletionSet* set = segments_[s].deleted.get();
    return set == nullptr || set->empty() ? nullptr : set;
  }
  // One segment and nothing deleted: queries take the plain path.
  bool single() const { return segments_.size() == 1 && deleted(0) == nullptr; }

  bool IsLive(ArticleRef article) const {
    const DeletionSet* set = deleted(article.segment);
    return set == nullptr || !set->Contains(article.index);
  }

  absl::string_view ArticleBytes(ArticleRef article,
                                 newsmeta::v1::ArticleView view) const {
    return segment(article.segment).ArticleBytes(article.index, view);
  }
  const ArticleFields& fields(ArticleRef article) const {
    return segment(article.segment).fields(article.index);
  }
  absl::Time publish_time(ArticleRef article) const {
    return segment(article.segment).publish_time(article.index);
  }
  // Parsed, for tests and tools (see Catalog::article).
  newsmeta::v1::Article article(ArticleRef article) const {
    return segment(article.segment).article(article.index);
  }

  // The live article called `name`, or nullopt.
  std::optional<ArticleRef> IndexOf(absl::string_view name) const;
  std::optional<newsmeta::v1::Article> Find(absl::string_view name) const;

  // Whether `a` comes before `b` in catalog order (publish_time, name).
  bool Before(ArticleRef a, ArticleRef b) const;
  // Every live article in catalog order: O(size), for diffs, snapshots and
  // tests, not for the serving path.
  std::vector<ArticleRef> InOrder() const;

  // One catalog of the live articles, their bytes copied into one buffer in
  // catalog order and indexed again (no parse, no serialization; the
  // content hash is this one's): what a merge of the segments publishes,
  // and what a snapshot is written from. O(size) time, and the bytes of
  // every live article once more in memory until the segments are let go.
  absl::StatusOr<std::shared_ptr<const Catalog>> Merge() const;
  // The same as catalogs of at most `max_articles` live articles each (of
  // about the same size; runs of neighbouring articles in catalog order),
  // each hashed anew. One, empty, when there are no live articles.
  absl::StatusOr<std::vector<std::shared_ptr<const Catalog>>> MergeInto(
      size_t max_articles) const;
  // The same for one segment, without copying: each catalog views its live
  // articles where the segment holds them and shares what holds them (so
  // the deleted articles' bytes stay in memory until every part is let go),
  // and indexes them anew. For a segment larger than a merge may write (a
  // snapshot's, mapped), split at the cost of its indexes alone.
  absl::StatusOr<std::vector<std::shared_ptr<const Catalog>>> SliceInto(
      size_t max_articles) const;

  // Calls `each` with the live articles as catalogs of at most
  // `max_articles` each, cut as MergeInto cuts them, one at a time (what a
  // snapshot is written from): a part that is a whole segment with nothing
  // deleted is that segment, indexes and content hash with it; any other
  // views its articles in this catalog's bytes and is indexed anew, and
  // lives only during its call. Stops at the first error `each` or an index
  // returns.
  absl::Status ForEachPart(
      size_t max_articles,
      const std::function<absl::Status(const Catalog&)>& each) const;

  // The topic / provider name as first spelled in catalog order among the
  // live articles, for a key in NormalizeKey form; the key itself (topics)
  // or "" (providers) when no live article has it (Catalog::TopicName).
  absl::string_view TopicName(absl::string_view key) const;
  absl::string_view ProviderName(absl::string_view domain_key) const;

 private:
  SegmentedCatalog() = default;
  // The live articles order[first, last) as one catalog; `content_hash`,
  // when given, is theirs.
  absl::StatusOr<std::shared_ptr<const Catalog>> CopyOut(
      const std::vector<ArticleRef>& order, size_t first, size_t last,
      const MultisetHash* content_hash) const;
  // The live articles in parts of at most `max_articles` (of about the same
  // size, in catalog order), each made by `part(order, first, last, hash)`.
  template <typename Part>
  absl::StatusOr<std::vector<std::shared_ptr<const Catalog>>> InParts(
      size_t max_articles, const Part& part) const;
  // The first live article of `postings` in segment `s`, or nullopt.
  std::optional<ArticleRef> FirstLive(
      uint32_t s, const std::vector<ArticleIndex>* postings) const;
  // The first live article over all segments of the postings `postings_of`
  // gives for each, or nullopt.
  template <typename PostingsOf>
  std::optional<ArticleRef> FirstLiveOf(const PostingsOf& postings_of) const;

  std::vector<Segment> segments_;
  size_t size_ = 0;
  MultisetHash content_hash_;
  std::string version_;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_CATALOG_SEGMENTED_CATALOG_H_
