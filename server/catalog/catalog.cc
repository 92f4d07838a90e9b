#include "catalog/catalog.h"

#include <algorithm>
#include <cstdlib>
#include <new>
#include <thread>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "text/normalize.h"
#include "util/huge_pages.h"
#include "util/memory_usage.h"
#include "util/release_memory.h"
#include "util/status_macros.h"

namespace newsmeta {

using ::newsmeta::v1::Article;

absl::Status DuplicateRejection(absl::string_view source_file,
                                absl::string_view name,
                                absl::string_view kept_file) {
  return absl::InvalidArgumentError(absl::StrCat(
      source_file, ": duplicate of ", name, " (same URL) already loaded from ",
      kept_file, "; kept that one"));
}

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

// Writes the article's deterministic serialization into out[0, size), size
// being its ByteSizeLong() (which caches the sizes the write uses).
void SerializeInto(const Article& article, size_t size, char* out) {
  google::protobuf::io::ArrayOutputStream stream(out, static_cast<int>(size));
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  article.SerializeWithCachedSizes(&coded);
}

// Every article's bytes, one after another in catalog order, in one buffer
// (`views` gets each one's): a stream or a page reads neighbouring memory,
// as it does from a snapshot. Serialized on two threads, each freeing the
// messages it has written. Where each article's bytes went into memory just
// freed by the message before it, the bytes of neighbours in catalog order
// lay wherever the parse had put their messages, and a StreamArticles call
// spent more time in the kernel's copy of them than in all else gRPC does
// (see README, Performance).
std::shared_ptr<const void> SerializeInOrder(
    std::vector<Article>* articles, std::vector<absl::string_view>* views) {
  const size_t n = articles->size();
  // offsets[i + 1] is first article i's size (computed on two threads),
  // then where its bytes end.
  std::vector<size_t> offsets(n + 1, 0);
  const auto measure = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      offsets[i + 1] = (*articles)[i].ByteSizeLong();
    }
  };
  std::thread measurer(measure, n / 2, n);
  measure(0, n / 2);
  measurer.join();
  for (size_t i = 0; i < n; ++i) offsets[i + 1] += offsets[i];
  const size_t total = offsets[n];
  std::shared_ptr<char> buffer(
      static_cast<char*>(std::malloc(std::max<size_t>(total, 1))), std::free);
  if (buffer == nullptr) throw std::bad_alloc();
  AdviseHugePages(buffer.get(), total);
  views->resize(n);
  const auto serialize = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      char* out = buffer.get() + offsets[i];
      const size_t size = offsets[i + 1] - offsets[i];
      SerializeInto((*articles)[i], size, out);
      (*views)[i] = absl::string_view(out, size);
      (*articles)[i] = Article();
    }
  };
  // The second thread takes the articles from the middle byte on: `middle`
  // is the last article to start at or before it (at most n).
  const size_t middle = static_cast<size_t>(
      std::upper_bound(offsets.begin(), offsets.end(), total / 2) -
      offsets.begin() - 1);
  std::thread second(serialize, middle, n);
  serialize(0, middle);
  second.join();
  return buffer;
}

// The content hash of `wire`.
MultisetHash ContentHash(const std::vector<absl::string_view>& wire) {
  MultisetHash hash;
  for (const absl::string_view bytes : wire) hash.Add(bytes);
  return hash;
}

}  // namespace

std::string Catalog::VersionOf(const MultisetHash& content_hash) {
  return content_hash.HexDigest().substr(0, 16);
}

bool Catalog::IsVersion(absl::string_view text) {
  return text.size() == 16 && std::all_of(text.begin(), text.end(), [](char c) {
           return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
         });
}

Catalog::BuildResult Catalog::Build(std::vector<Article> articles,
                                    RelatedLinks links) {
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
      result.rejections.push_back(DuplicateRejection(
          article.source_file(), article.name(), unique.back().source_file()));
      continue;
    }
    unique.push_back(std::move(article));
  }
  articles = std::vector<Article>();  // moved from
  std::sort(unique.begin(), unique.end(),
            [](const Article& a, const Article& b) {
              return InCatalogOrder(ToAbslTime(a.publish_time()), a.name(),
                                    ToAbslTime(b.publish_time()), b.name());
            });

  if (links == RelatedLinks::kLink) LinkRelated(&unique);

  std::shared_ptr<Catalog> catalog(new Catalog());
  catalog->wire_storage_ = SerializeInOrder(&unique, &catalog->wire_);
  unique = std::vector<Article>();
  // The messages, now that only their bytes are kept: worth a trim after a
  // load, not after a delta of a few articles (the trim walks the whole
  // heap).
  constexpr size_t kTrimAfter = 4096;
  if (catalog->wire_.size() >= kTrimAfter) ReleaseFreedMemory();
  // Serialized here, sorted and deduplicated above: it always indexes.
  catalog->IndexAndHash(nullptr, nullptr).IgnoreError();
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
    const std::function<MultisetHash()>& known_content_hash,
    const std::function<std::optional<TextIndex>()>& known_text_index) {
  std::shared_ptr<Catalog> catalog(new Catalog());
  catalog->wire_storage_ = std::move(storage);
  catalog->wire_ = std::move(wire);
  RETURN_IF_ERROR(catalog->IndexAndHash(known_content_hash, known_text_index));
  return std::shared_ptr<const Catalog>(std::move(catalog));
}

absl::Status Catalog::IndexAndHash(
    const std::function<MultisetHash()>& known_content_hash,
    const std::function<std::optional<TextIndex>()>& known_text_index) {
  std::thread hasher;
  if (!known_content_hash) {
    hasher = std::thread([this] { content_hash_ = ContentHash(wire_); });
  }
  const absl::Status indexed = Index(known_text_index);
  if (hasher.joinable()) hasher.join();
  if (known_content_hash) content_hash_ = known_content_hash();
  version_ = VersionOf(content_hash_);
  return indexed;
}

Catalog::MemoryUsage Catalog::memory_usage() const {
  MemoryUsage usage;
  for (const absl::string_view bytes : wire_)
    usage.article_bytes += bytes.size();
  usage.article_views = VectorHeapBytes(wire_);
  usage.fields = HeapBytes(std::max<size_t>(size(), 1) * sizeof(ArticleFields));
  usage.topic_views = VectorHeapBytes(topic_views_);
  usage.times = VectorHeapBytes(times_);
  usage.by_name = HashTableBytes(by_name_);
  usage.topics = VectorHeapBytes(article_topics_) +
                 VectorHeapBytes(topic_begin_) + VectorHeapBytes(topic_keys_) +
                 VectorHeapBytes(topic_names_) + HashTableBytes(topic_ids_) +
                 VectorHeapBytes(topic_postings_);
  for (size_t id = 0; id < topic_keys_.size(); ++id) {
    usage.topics += 2 * StringHeapBytes(topic_keys_[id]) +  // and topic_ids_
                    StringHeapBytes(topic_names_[id]) +
                    VectorHeapBytes(topic_postings_[id]);
  }
  usage.domains = VectorHeapBytes(domain_ids_) + VectorHeapBytes(domain_keys_) +
                  VectorHeapBytes(provider_names_) +
                  HashTableBytes(domain_id_by_key_) +
                  VectorHeapBytes(domain_postings_);
  for (size_t id = 0; id < domain_keys_.size(); ++id) {
    usage.domains += 2 * StringHeapBytes(domain_keys_[id]) +
                     StringHeapBytes(provider_names_[id]) +
                     VectorHeapBytes(domain_postings_[id]);
  }
  usage.text_index = text_index_.memory_usage().Total();
  return usage;
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
