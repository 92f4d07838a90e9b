// The catalog: an immutable, indexed snapshot of the loaded articles.
#ifndef NEWSMETA_SERVER_CATALOG_CATALOG_H_
#define NEWSMETA_SERVER_CATALOG_CATALOG_H_

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "catalog/article_fields.h"
#include "newsmeta/v1/article.pb.h"
#include "newsmeta/v1/article_service.pb.h"
#include "text/text_index.h"
#include "util/multiset_hash.h"

namespace newsmeta {

// Position of an article in the catalog's total order.
using ArticleIndex = uint32_t;

// The rejection of the article `name` from `source_file` when `kept_file`
// gives the same name and is kept (Catalog::Build keeps the first path).
absl::Status DuplicateRejection(absl::string_view source_file,
                                absl::string_view name,
                                absl::string_view kept_file);

// Strips surrounding white space and folds case and accents (FoldText): the
// form in which topics and provider domains are indexed and queried, so
// "economie" finds the topic "Économie".
std::string NormalizeKey(absl::string_view key);

// Catalog order: by publish time, then name.
inline bool InCatalogOrder(absl::Time time_a, absl::string_view name_a,
                           absl::Time time_b, absl::string_view name_b) {
  return time_a != time_b ? time_a < time_b : name_a < name_b;
}

// Articles sorted by (publish_time, name) ascending, with an index from name
// and posting lists from topic and provider domain. Each article is kept as
// its wire bytes (serialized once, at Build) plus views of the fields queries
// use (ArticleFields), so answers are sent without serializing anything and
// the catalog takes little more memory than the bytes themselves. A Catalog
// never changes after Build; share it as std::shared_ptr<const Catalog>.
class Catalog {
 public:
  struct BuildResult {
    std::shared_ptr<const Catalog> catalog;
    // One INVALID_ARGUMENT per article dropped as a duplicate.
    std::vector<absl::Status> rejections;
  };

  // What Build does with related links: point each at the kept article
  // that owns its URL, or leave them as given (links already resolved
  // against a larger catalog, as a delta's are).
  enum class RelatedLinks { kLink, kAsGiven };

  // Indexes `articles`. Articles with the same name (the same URL) are
  // duplicates: the one whose source_file sorts first is kept, each other one
  // is reported in `rejections`. With kLink, sets RelatedLink.article on each
  // related link whose web_url is the original_url or web_url of a kept
  // article (the first in catalog order).
  static BuildResult Build(std::vector<newsmeta::v1::Article> articles,
                           RelatedLinks links = RelatedLinks::kLink);

  // A catalog from the FULL-view bytes of another catalog's articles, in its
  // order (what a snapshot holds): nothing is sorted, linked, deduplicated or
  // serialized again, and the content version is computed on a second thread
  // while indexing. INVALID_ARGUMENT naming the article when one is not a
  // well-formed Article or they are not in catalog order ((publish_time,
  // name) strictly ascending).
  //
  // The views in `wire` point into `storage` (say, a snapshot file read
  // whole), which the catalog keeps alive instead of copying each article.
  // `content_hash`, when given, answers the content hash of exactly these
  // bytes (content_hash()), which the caller knows (say, from a snapshot's
  // header); it is called once, after indexing, and may wait. Without it,
  // the hash is computed here on a second thread. `text_index`, when given,
  // answers the text index of exactly these articles (say, one a snapshot
  // saved); it is called once, after the articles are scanned, and may
  // wait. Without it, or when it answers nullopt, the index is built from
  // the articles.
  static absl::StatusOr<std::shared_ptr<const Catalog>> FromCatalogBytes(
      std::vector<absl::string_view> wire, std::shared_ptr<const void> storage,
      const std::function<MultisetHash()>& content_hash = nullptr,
      const std::function<std::optional<TextIndex>()>& text_index = nullptr);
  // The same with each article's bytes in a string of its own.
  static absl::StatusOr<std::shared_ptr<const Catalog>> FromCatalogBytes(
      std::vector<std::string> wire);

  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  size_t size() const { return wire_.size(); }
  // What holds the articles' bytes (ArticleBytes views into it), for a
  // catalog of some of them that shares it instead of copying them.
  const std::shared_ptr<const void>& wire_storage() const {
    return wire_storage_;
  }
  // Names the catalog's content: VersionOf(content_hash()), the same on
  // every replica and across restarts for the same articles, whatever order
  // they were loaded in, and different when any article differs.
  const std::string& version() const { return version_; }
  // A multiset hash of every article's FULL-view bytes: updated in O(change)
  // when articles are added or removed (MultisetHash::Add / Remove), so a
  // catalog made from another by a few changes can name its version without
  // hashing every article again.
  const MultisetHash& content_hash() const { return content_hash_; }
  // The version of a catalog whose content hash is `content_hash`: the
  // first 16 of its 64 hex digits.
  static std::string VersionOf(const MultisetHash& content_hash);
  // Whether `text` has the form of a version: 16 lowercase hex digits.
  static bool IsVersion(absl::string_view text);

  // The article's wire bytes (deterministic serialization): the FULL view,
  // or the BASIC view, which is a prefix of them (fields numbered 100 and up
  // are FULL-only and serialize last).
  absl::string_view ArticleBytes(ArticleIndex i,
                                 newsmeta::v1::ArticleView view) const {
    const absl::string_view full = wire_[i];
    return view == newsmeta::v1::ARTICLE_VIEW_FULL
               ? full
               : absl::string_view(full.data(), fields_[i].basic_size);
  }
  // The fields queries use, as views into ArticleBytes.
  const ArticleFields& fields(ArticleIndex i) const { return fields_[i]; }
  // The whole article, parsed from its bytes: for tests and tools, not for
  // the serving path.
  newsmeta::v1::Article article(ArticleIndex i) const;

  absl::Time publish_time(ArticleIndex i) const { return times_[i]; }
  // The article's provider domain in NormalizeKey form ("" when unknown).
  absl::string_view domain_key(ArticleIndex i) const;

  // The article called `name`, parsed (see article()), or nullopt.
  std::optional<newsmeta::v1::Article> Find(absl::string_view name) const;
  // The index of the article called `name`, or nullopt.
  std::optional<ArticleIndex> IndexOf(absl::string_view name) const;

  // Indexes, ascending, of the articles with this topic / provider domain (in
  // NormalizeKey form); nullptr when there are none.
  const std::vector<ArticleIndex>* TopicPostings(absl::string_view key) const;
  const std::vector<ArticleIndex>* DomainPostings(absl::string_view key) const;

  // Topics and provider domains by number, for counting: the distinct topic
  // numbers of an article, ascending; its domain number (kNoDomain when it
  // has none); and what each number stands for.
  static constexpr uint32_t kNoDomain = UINT32_MAX;
  absl::Span<const uint32_t> TopicIds(ArticleIndex i) const;
  uint32_t DomainId(ArticleIndex i) const { return domain_ids_[i]; }
  size_t topic_count() const { return topic_keys_.size(); }
  size_t domain_count() const { return domain_keys_.size(); }
  // NormalizeKey form, and the spelling first met in catalog order.
  const std::string& topic_key(uint32_t id) const { return topic_keys_[id]; }
  const std::string& topic_name(uint32_t id) const { return topic_names_[id]; }
  const std::string& domain_key_of(uint32_t id) const {
    return domain_keys_[id];
  }
  const std::string& provider_name(uint32_t id) const {
    return provider_names_[id];
  }

  // The topic / provider name as first spelled in catalog order, for a key
  // in NormalizeKey form; the key itself (topics) or "" (providers) when
  // unknown.
  absl::string_view TopicName(absl::string_view key) const;
  absl::string_view ProviderName(absl::string_view domain_key) const;

  // Full-text index over title and excerpt; documents are ArticleIndex.
  const TextIndex& text_index() const { return text_index_; }

  // The heap bytes the catalog holds, by part (util/memory_usage.h counts
  // them as malloc lays them out), for memory reports.
  struct MemoryUsage {
    size_t article_bytes = 0;  // the articles' FULL-view bytes
    size_t article_views = 0;  // where each article's bytes are
    size_t fields = 0;         // ArticleFields, one per article
    size_t topic_views = 0;    // the topics ArticleFields point at
    size_t times = 0;          // publish times, for ranges
    size_t by_name = 0;        // the name index
    size_t topics = 0;         // topic numbers, names and postings
    size_t domains = 0;        // domain numbers, names and postings
    size_t text_index = 0;     // see TextIndex::memory_usage
    size_t Total() const {
      return article_bytes + article_views + fields + topic_views + times +
             by_name + topics + domains + text_index;
    }
  };
  MemoryUsage memory_usage() const;

  // Index of the first article published at or after `time`.
  ArticleIndex LowerBound(absl::Time time) const;
  // Index of the first article that sorts after (time, name).
  ArticleIndex UpperBound(absl::Time time, absl::string_view name) const;
  // Index of the first article that sorts at or after (time, name).
  ArticleIndex LowerBound(absl::Time time, absl::string_view name) const;

 private:
  Catalog() = default;
  // Constructs fields_[begin, end) from wire_, appending
  // their topic views to `topics` and where each article's start to
  // `topic_begin[i - begin]`; the first article that does not scan or is out
  // of order after the one before it, or `end`.
  size_t ScanRange(size_t begin, size_t end,
                   std::vector<absl::string_view>* topics,
                   uint32_t* topic_begin);
  // What is wrong with article `i`, which ScanRange stopped at.
  absl::Status ScanProblem(size_t i) const;
  // fields_ and topic_views_ for every article, on two threads.
  absl::Status ScanArticles();
  struct Spellings;
  // Article i's topic and domain numbers and postings (articles in order).
  void IndexTopics(ArticleIndex i, Spellings* spellings);
  void IndexDomain(ArticleIndex i, Spellings* spellings);
  // Fills fields_ and every index from wire_, the text index from
  // `known_text_index` when it answers one; fails when an article does not
  // scan or the articles are out of catalog order.
  absl::Status Index(
      const std::function<std::optional<TextIndex>()>& known_text_index);
  // Index(), and content_hash_ and version_ from `known_content_hash`
  // (called after indexing) or, without it, hashed on a second thread
  // meanwhile.
  absl::Status IndexAndHash(
      const std::function<MultisetHash()>& known_content_hash,
      const std::function<std::optional<TextIndex>()>& known_text_index);

  // What holds the articles' bytes: one buffer in catalog order (from Build,
  // or a snapshot file), or a string per article.
  std::shared_ptr<const void> wire_storage_;
  std::vector<absl::string_view> wire_;  // FULL view bytes, in the above
  struct FreeMemory {
    void operator()(ArticleFields* fields) const { std::free(fields); }
  };
  // Views into wire_, one per article: raw memory that ScanRange constructs
  // in place (see catalog_index.cc).
  std::unique_ptr<ArticleFields[], FreeMemory> fields_;
  std::vector<absl::string_view> topic_views_;  // fields_[i].topics
  std::vector<absl::Time> times_;
  absl::flat_hash_map<absl::string_view, ArticleIndex> by_name_;

  // Topics: per article, its distinct topic numbers in
  // article_topics_[topic_begin_[i], topic_begin_[i + 1]).
  std::vector<uint32_t> article_topics_;
  std::vector<uint32_t> topic_begin_;
  std::vector<std::string> topic_keys_;
  std::vector<std::string> topic_names_;
  absl::flat_hash_map<std::string, uint32_t> topic_ids_;
  std::vector<std::vector<ArticleIndex>> topic_postings_;

  std::vector<uint32_t> domain_ids_;
  std::vector<std::string> domain_keys_;
  std::vector<std::string> provider_names_;
  absl::flat_hash_map<std::string, uint32_t> domain_id_by_key_;
  std::vector<std::vector<ArticleIndex>> domain_postings_;

  TextIndex text_index_;
  MultisetHash content_hash_;
  std::string version_;
};

// Converts a google.protobuf.Timestamp to absl::Time, and back (to the
// nanosecond; `time` must lie in the Timestamp range, years 0001 to 9999).
absl::Time ToAbslTime(const google::protobuf::Timestamp& timestamp);
google::protobuf::Timestamp ToTimestamp(absl::Time time);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_CATALOG_CATALOG_H_
