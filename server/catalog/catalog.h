// The catalog: an immutable, indexed snapshot of the loaded articles.
#ifndef NEWSMETA_SERVER_CATALOG_CATALOG_H_
#define NEWSMETA_SERVER_CATALOG_CATALOG_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "newsmeta/v1/article.pb.h"
#include "newsmeta/v1/article_service.pb.h"
#include "text/text_index.h"

namespace newsmeta {

// Position of an article in the catalog's total order.
using ArticleIndex = uint32_t;

// Strips surrounding white space and folds case and accents (FoldText): the
// form in which topics and provider domains are indexed and queried, so
// "economie" finds the topic "Économie".
std::string NormalizeKey(absl::string_view key);

// Articles sorted by (publish_time, name) ascending, with an index from name
// and posting lists from topic and provider domain. A Catalog never changes
// after Build; share it as std::shared_ptr<const Catalog>.
class Catalog {
 public:
  struct BuildResult {
    std::shared_ptr<const Catalog> catalog;
    // One INVALID_ARGUMENT per article dropped as a duplicate.
    std::vector<absl::Status> rejections;
  };

  // Indexes `articles`. Articles with the same name (the same URL) are
  // duplicates: the one whose source_file sorts first is kept, each other one
  // is reported in `rejections`. Sets RelatedLink.article on each related
  // link whose web_url is the original_url or web_url of a kept article.
  static BuildResult Build(std::vector<newsmeta::v1::Article> articles);

  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  size_t size() const { return articles_.size(); }
  // Names the catalog's content: 16 hex digits of a SHA-256 over every
  // article, the same on every replica and across restarts for the same
  // articles, and different when any article differs.
  const std::string& version() const { return version_; }
  const newsmeta::v1::Article& article(ArticleIndex i) const {
    return articles_[i];
  }
  absl::Time publish_time(ArticleIndex i) const { return times_[i]; }
  // The article's provider domain in NormalizeKey form ("" when unknown).
  const std::string& domain_key(ArticleIndex i) const {
    return domain_keys_[i];
  }

  // The article's wire bytes (deterministic serialization), made once at
  // Build: the FULL view, or the BASIC view, which is a prefix of them
  // (fields numbered 100 and up are FULL-only and serialize last).
  absl::string_view ArticleBytes(ArticleIndex i,
                                 newsmeta::v1::ArticleView view) const;

  // The article called `name`, or nullptr.
  const newsmeta::v1::Article* Find(absl::string_view name) const;
  // The index of the article called `name`, or nullopt.
  std::optional<ArticleIndex> IndexOf(absl::string_view name) const;

  // Indexes, ascending, of the articles with this topic / provider domain (in
  // NormalizeKey form); nullptr when there are none.
  const std::vector<ArticleIndex>* TopicPostings(absl::string_view key) const;
  const std::vector<ArticleIndex>* DomainPostings(absl::string_view key) const;

  // The topic / provider name as first spelled in catalog order, for a key
  // in NormalizeKey form; the key itself when unknown.
  absl::string_view TopicName(absl::string_view key) const;
  absl::string_view ProviderName(absl::string_view domain_key) const;

  // Full-text index over title and excerpt; documents are ArticleIndex.
  const TextIndex& text_index() const { return text_index_; }

  // Index of the first article published at or after `time`.
  ArticleIndex LowerBound(absl::Time time) const;
  // Index of the first article that sorts after (time, name).
  ArticleIndex UpperBound(absl::Time time, absl::string_view name) const;
  // Index of the first article that sorts at or after (time, name).
  ArticleIndex LowerBound(absl::Time time, absl::string_view name) const;

 private:
  Catalog() = default;

  std::vector<newsmeta::v1::Article> articles_;
  std::vector<std::string> wire_;      // FULL view bytes
  std::vector<uint32_t> basic_sizes_;  // BASIC view: a prefix of wire_
  std::vector<absl::Time> times_;
  std::vector<std::string> domain_keys_;
  absl::flat_hash_map<std::string, ArticleIndex> by_name_;
  absl::flat_hash_map<std::string, std::vector<ArticleIndex>> by_topic_;
  absl::flat_hash_map<std::string, std::vector<ArticleIndex>> by_domain_;
  absl::flat_hash_map<std::string, std::string> topic_names_;
  absl::flat_hash_map<std::string, std::string> provider_names_;
  TextIndex text_index_;
  std::string version_;
};

// Converts a google.protobuf.Timestamp to absl::Time, and back (to the
// nanosecond; `time` must lie in the Timestamp range, years 0001 to 9999).
absl::Time ToAbslTime(const google::protobuf::Timestamp& timestamp);
google::protobuf::Timestamp ToTimestamp(absl::Time time);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_CATALOG_CATALOG_H_
