#include "catalog/catalog.h"

#include <algorithm>
#include <thread>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"
#include "text/normalize.h"
#include "util/sha256.h"
#include "util/status_macros.h"

namespace newsmeta {

using ::newsmeta::v1::Article;

std::string NormalizeKey(absl::string_view key) {
  return FoldText(absl::StripAsciiWhitespace(key));
}

absl::Time ToAbslTime(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  google::protobuf::Timestamp timestamp;
  const int64_t seconds = absl::ToUnixSeconds(time);
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(static_cast<int32_t>(
      (time - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
  return timestamp;
}

namespace {

// Points each related link at the article with its URL, when there is one.
void LinkRelated(std::vector<Article>* articles) {
  absl::flat_hash_map<absl::string_view, absl::string_view> name_by_url;
  for (const Article& article : *articles) {
    for (const std::string* url :
         {&article.original_url(), &article.web_url()}) {
      if (!url->empty()) name_by_url.try_emplace(*url, article.name());
    }
  }
  // Only the `article` fields change below, so the map's views stay valid.
  for (Article& article : *articles) {
    for (newsmeta::v1::RelatedLink& link : *article.mutable_related()) {
      const auto it = name_by_url.find(link.web_url());
      if (it != name_by_url.end()) link.set_article(std::string(it->second));
    }
  }
}

// The article's deterministic serialization, in a string of its exact size
// (the catalog keeps it for its whole life).
std::string SerializeDeterministically(const Article& article) {
  const size_t size = article.ByteSizeLong();  // cached for the write below
  std::string bytes(size, '\0');
  google::protobuf::io::ArrayOutputStream stream(bytes.data(),
                                                 static_cast<int>(size));
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  article.SerializeWithCachedSizes(&coded);
  return bytes;
}

// Article fields numbered from here on are left out of the BASIC view
// (article.proto keeps FULL-only fields at 100 and up).
constexpr uint32_t kFirstFullOnlyField = 100;

// The length of the leading fields numbered below 100 in `wire`: the BASIC
// view, since fields serialize in number order.
uint32_t BasicPrefixSize(absl::string_view wire) {
  google::protobuf::io::CodedInputStream input(
      reinterpret_cast<const uint8_t*>(wire.data()),
      static_cast<int>(wire.size()));
  while (true) {
    const int before = input.CurrentPosition();
    const uint32_t tag = input.ReadTag();
    if (tag == 0 || (tag >> 3) >= kFirstFullOnlyField ||
        !google::protobuf::internal::WireFormatLite::SkipField(&input, tag)) {
      return static_cast<uint32_t>(before);
    }
  }
}

// What comes before an article's bytes in the stream the catalog version
// hashes (Catalog::AppendVersionedArticle).
void AppendVersionedPrefix(size_t size, std::string* out) {
  absl::StrAppend(out, size, ":");
}

// The catalog version of `wire`.
std::string ContentVersion(const std::vector<absl::string_view>& wire) {
  Sha256Hasher hasher;
  std::string prefix;
  for (const absl::string_view bytes : wire) {
    prefix.clear();
    AppendVersionedPrefix(bytes.size(), &prefix);
    hasher.Update(prefix);
    hasher.Update(bytes);
  }
  return Catalog::VersionOfDigest(hasher.HexDigest());
}

}  // namespace

void Catalog::AppendVersionedArticle(absl::string_view bytes,
                                     std::string* out) {
  AppendVersionedPrefix(bytes.size(), out);
  out->append(bytes.data(), bytes.size());
}

std::string Catalog::VersionOfDigest(absl::string_view sha256_hex) {
  return std::string(sha256_hex.substr(0, 16));
}

bool Catalog::IsVersion(absl::string_view text) {
  return text.size() == 16 && std::all_of(text.begin(), text.end(), [](char c) {
           return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
         });
}

Catalog::BuildResult Catalog::Build(std::vector<Article> articles) {
  BuildResult result;
  // Duplicates first: by name, then by source file so the kept one is the
  // same whatever order the files were read in.
  std::sort(articles.begin(), articles.end(),
            [](const Article& a, const Article& b) {
              return std::tie(a.name(), a.source_file()) <
                     std::tie(b.name(), b.source_file());
            });
  std::vector<Article> unique;
  unique.reserve(articles.size());
  for (Article& article : articles) {
    if (!unique.empty() && unique.back().name() == article.name()) {
      result.rejections.push_back(absl::InvalidArgumentError(
          absl::StrCat(article.source_file(), ": duplicate of ", article.name(),
                       " (same URL) already loaded from ",
                       unique.back().source_file(), "; kept that one")));
      continue;
    }
    unique.push_back(std::move(article));
  }
  std::sort(unique.begin(), unique.end(),
            [](const Article& a, const Article& b) {
              const absl::Time ta = ToAbslTime(a.publish_time());
              const absl::Time tb = ToAbslTime(b.publish_time());
              return ta != tb ? ta < tb : a.name() < b.name();
            });

  LinkRelated(&unique);

  std::shared_ptr<Catalog> catalog(new Catalog());
  const size_t n = unique.size();
  catalog->owned_wire_.resize(n);
  // Each article serialized, then freed (only the bytes are kept): on one
  // thread, so that the next article's bytes reuse the memory just freed
  // (on two, each thread's allocations and frees fell in different malloc
  // arenas and left the catalog 15 % larger).
  for (size_t i = 0; i < n; ++i) {
    catalog->owned_wire_[i] = SerializeDeterministically(unique[i]);
    unique[i] = Article();
  }
  unique = std::vector<Article>();
  // Views once the strings stop moving.
  catalog->wire_.assign(catalog->owned_wire_.begin(),
                        catalog->owned_wire_.end());
  // Serialized here, sorted and deduplicated above: it always indexes.
  catalog->IndexAndHash(nullptr).IgnoreError();
  result.catalog = std::move(catalog);
  return result;
}

absl::StatusOr<std::shared_ptr<const Catalog>> Catalog::FromCatalogBytes(
    std::vector<std::string> wire) {
  std::vector<absl::string_view> views(wire.begin(), wire.end());
  // Moving the vector keeps every string's bytes where the views point.
  auto owner = std::make_shared<std::vector<std::string>>(std::move(wire));
  return FromCatalogBytes(std::move(views), std::move(owner));
}

absl::StatusOr<std::shared_ptr<const Catalog>> Catalog::FromCatalogBytes(
    std::vector<absl::string_view> wire, std::shared_ptr<const void> storage,
    const std::function<std::string()>& known_version) {
  std::shared_ptr<Catalog> catalog(new Catalog());
  catalog->wire_storage_ = std::move(storage);
  catalog->wire_ = std::move(wire);
  RETURN_IF_ERROR(catalog->IndexAndHash(known_version));
  return std::shared_ptr<const Catalog>(std::move(catalog));
}

absl::Status Catalog::IndexAndHash(
    const std::function<std::string()>& known_version) {
  std::string version;
  std::thread hasher;
  if (!known_version) {
    hasher = std::thread([this, &version] { version = ContentVersion(wire_); });
  }
  const absl::Status indexed = Index();
  if (hasher.joinable()) hasher.join();
  if (known_version) version = known_version();
  version_ = std::move(version);
  return indexed;
}

absl::Status Catalog::Index() {
  const size_t n = wire_.size();
  fields_.resize(n);
  basic_sizes_.resize(n);
  std::vector<uint32_t> topic_view_begin(n + 1, 0);
  for (size_t i = 0; i < n; ++i) {
    topic_view_begin[i] = static_cast<uint32_t>(topic_views_.size());
    basic_sizes_[i] = BasicPrefixSize(wire_[i]);
    if (!ScanFields(wire_[i], &fields_[i], &topic_views_)) {
      return absl::InvalidArgumentError(
          absl::StrCat("article ", i + 1, " is not a well-formed Article"));
    }
    if (i > 0 && std::tie(fields_[i - 1].publish_time, fields_[i - 1].name) >=
                     std::tie(fields_[i].publish_time, fields_[i].name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "article ", i + 1, " (", fields_[i].name,
          ") is out of catalog order: it does not come after article ", i, " (",
          fields_[i - 1].name, ") by publish time, then name"));
    }
  }
  topic_view_begin[n] = static_cast<uint32_t>(topic_views_.size());
  for (size_t i = 0; i < n; ++i) {
    fields_[i].topics =
        absl::MakeConstSpan(topic_views_)
            .subspan(topic_view_begin[i],
                     topic_view_begin[i + 1] - topic_view_begin[i]);
  }

  // The text index on a second thread while this one builds the others:
  // each reads fields_ and writes only its own members.
  std::thread text_indexer([this, n] {
    TextIndex::Builder text;
    for (ArticleIndex i = 0; i < n; ++i) {
      text.Add(i, fields_[i].title, fields_[i].excerpt);
    }
    text_index_ = std::move(text).Build();
  });
  times_.reserve(n);
  by_name_.reserve(n);
  domain_ids_.reserve(n);
  topic_begin_.reserve(n + 1);
  std::vector<uint32_t> ids;
  // Topic and domain numbers by spelling, as the articles write them: most
  // spellings recur, and then need no NormalizeKey. The views point into
  // wire_, which outlives this.
  absl::flat_hash_map<absl::string_view, uint32_t> topic_id_by_spelling;
  absl::flat_hash_map<absl::string_view, uint32_t> domain_id_by_spelling;
  for (ArticleIndex i = 0; i < n; ++i) {
    const ArticleFields& fields = fields_[i];
    times_.push_back(fields.publish_time);
    if (!by_name_.emplace(fields.name, i).second) {
      text_indexer.join();
      return absl::InvalidArgumentError(
          absl::StrCat("article ", i + 1, " repeats the name ", fields.name));
    }

    ids.clear();
    for (const absl::string_view topic : fields.topics) {
      const auto [known, first_time] =
          topic_id_by_spelling.try_emplace(topic, 0);
      if (first_time) {
        std::string key = NormalizeKey(topic);
        const auto [it, added] = topic_ids_.try_emplace(
            key, static_cast<uint32_t>(topic_keys_.size()));
        if (added) {
          topic_keys_.push_back(std::move(key));
          topic_names_.emplace_back(topic);
          topic_postings_.emplace_back();
        }
        known->second = it->second;
      }
      ids.push_back(known->second);
    }
    // An article that lists a topic twice is counted and posted once.
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    topic_begin_.push_back(static_cast<uint32_t>(article_topics_.size()));
    for (const uint32_t id : ids) {
      article_topics_.push_back(id);
      topic_postings_[id].push_back(i);
    }

    const auto [known, first_time] =
        domain_id_by_spelling.try_emplace(fields.provider_domain, kNoDomain);
    if (first_time) {
      std::string domain = NormalizeKey(fields.provider_domain);
      if (!domain.empty()) {
        const auto [it, added] = domain_id_by_key_.try_emplace(
            domain, static_cast<uint32_t>(domain_keys_.size()));
        if (added) {
          domain_keys_.push_back(std::move(domain));
          provider_names_.emplace_back(fields.provider_name);
          domain_postings_.emplace_back();
        }
        known->second = it->second;
      }
    }
    domain_ids_.push_back(known->second);
    if (known->second != kNoDomain)
      domain_postings_[known->second].push_back(i);
  }
  topic_begin_.push_back(static_cast<uint32_t>(article_topics_.size()));
  text_indexer.join();
  return absl::OkStatus();
}

Article Catalog::article(ArticleIndex i) const {
  Article article;
  article.ParseFromArray(wire_[i].data(), static_cast<int>(wire_[i].size()));
  return article;
}

std::optional<Article> Catalog::Find(absl::string_view name) const {
  const std::optional<ArticleIndex> index = IndexOf(name);
  if (!index) return std::nullopt;
  return article(*index);
}

std::optional<ArticleIndex> Catalog::IndexOf(absl::string_view name) const {
  const auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

absl::string_view Catalog::domain_key(ArticleIndex i) const {
  return domain_ids_[i] == kNoDomain ? absl::string_view()
                                     : domain_keys_[domain_ids_[i]];
}

absl::Span<const uint32_t> Catalog::TopicIds(ArticleIndex i) const {
  return absl::MakeConstSpan(article_topics_)
      .subspan(topic_begin_[i], topic_begin_[i + 1] - topic_begin_[i]);
}

const std::vector<ArticleIndex>* Catalog::TopicPostings(
    absl::string_view key) const {
  const auto it = topic_ids_.find(key);
  return it == topic_ids_.end() ? nullptr : &topic_postings_[it->second];
}

const std::vector<ArticleIndex>* Catalog::DomainPostings(
    absl::string_view key) const {
  const auto it = domain_id_by_key_.find(key);
  return it == domain_id_by_key_.end() ? nullptr
                                       : &domain_postings_[it->second];
}

absl::string_view Catalog::TopicName(absl::string_view key) const {
  const auto it = topic_ids_.find(key);
  return it == topic_ids_.end() ? key
                                : absl::string_view(topic_names_[it->second]);
}

absl::string_view Catalog::ProviderName(absl::string_view domain_key) const {
  const auto it = domain_id_by_key_.find(domain_key);
  return it == domain_id_by_key_.end()
             ? absl::string_view()
             : absl::string_view(provider_names_[it->second]);
}

ArticleIndex Catalog::LowerBound(absl::Time time) const {
  return static_cast<ArticleIndex>(
      std::lower_bound(times_.begin(), times_.end(), time) - times_.begin());
}

ArticleIndex Catalog::LowerBound(absl::Time time,
                                 absl::string_view name) const {
  ArticleIndex lo = 0;
  ArticleIndex hi = static_cast<ArticleIndex>(size());
  while (lo < hi) {
    const ArticleIndex mid = lo + (hi - lo) / 2;
    if (times_[mid] < time ||
        (times_[mid] == time && fields_[mid].name < name)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

ArticleIndex Catalog::UpperBound(absl::Time time,
                                 absl::string_view name) const {
  ArticleIndex i = LowerBound(time, name);
  if (i < size() && times_[i] == time && fields_[i].name == name) {
    ++i;
  }
  return i;
}

}  // namespace newsmeta
