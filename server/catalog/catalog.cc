#include "catalog/catalog.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"
#include "text/normalize.h"
#include "util/sha256.h"

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

std::string SerializeDeterministically(const Article& article) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  article.SerializeToCodedStream(&coded);
  coded.Trim();
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

// SHA-256 over every article's bytes, each preceded by its length, in
// catalog order; the first 16 hex digits.
std::string ContentVersion(const std::vector<std::string>& wire) {
  Sha256Hasher hasher;
  for (const std::string& bytes : wire) {
    hasher.Update(absl::StrCat(bytes.size(), ":"));
    hasher.Update(bytes);
  }
  return hasher.HexDigest().substr(0, 16);
}

}  // namespace

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
  catalog->articles_ = std::move(unique);
  const auto& all = catalog->articles_;
  TextIndex::Builder text;
  catalog->times_.reserve(all.size());
  catalog->domain_keys_.reserve(all.size());
  catalog->by_name_.reserve(all.size());
  for (ArticleIndex i = 0; i < all.size(); ++i) {
    catalog->times_.push_back(ToAbslTime(all[i].publish_time()));
    catalog->by_name_.emplace(all[i].name(), i);
    text.Add(i, all[i].title(), all[i].excerpt());
    for (const std::string& topic : all[i].topics()) {
      std::string key = NormalizeKey(topic);
      catalog->topic_names_.try_emplace(key, topic);
      std::vector<ArticleIndex>& postings = catalog->by_topic_[key];
      // An article that lists a topic twice is posted once.
      if (postings.empty() || postings.back() != i) postings.push_back(i);
    }
    catalog->domain_keys_.push_back(NormalizeKey(all[i].provider().domain()));
    if (!catalog->domain_keys_.back().empty()) {
      catalog->by_domain_[catalog->domain_keys_.back()].push_back(i);
      catalog->provider_names_.try_emplace(catalog->domain_keys_.back(),
                                           all[i].provider().name());
    }
  }
  catalog->text_index_ = std::move(text).Build();
  catalog->wire_.reserve(all.size());
  catalog->basic_sizes_.reserve(all.size());
  for (const Article& article : all) {
    catalog->wire_.push_back(SerializeDeterministically(article));
    catalog->basic_sizes_.push_back(BasicPrefixSize(catalog->wire_.back()));
  }
  catalog->version_ = ContentVersion(catalog->wire_);
  result.catalog = std::move(catalog);
  return result;
}

const Article* Catalog::Find(absl::string_view name) const {
  const auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &articles_[it->second];
}

std::optional<ArticleIndex> Catalog::IndexOf(absl::string_view name) const {
  const auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

absl::string_view Catalog::ArticleBytes(ArticleIndex i,
                                        newsmeta::v1::ArticleView view) const {
  const absl::string_view full = wire_[i];
  return view == newsmeta::v1::ARTICLE_VIEW_FULL
             ? full
             : full.substr(0, basic_sizes_[i]);
}

const std::vector<ArticleIndex>* Catalog::TopicPostings(
    absl::string_view key) const {
  const auto it = by_topic_.find(key);
  return it == by_topic_.end() ? nullptr : &it->second;
}

const std::vector<ArticleIndex>* Catalog::DomainPostings(
    absl::string_view key) const {
  const auto it = by_domain_.find(key);
  return it == by_domain_.end() ? nullptr : &it->second;
}

absl::string_view Catalog::TopicName(absl::string_view key) const {
  const auto it = topic_names_.find(key);
  return it == topic_names_.end() ? key : absl::string_view(it->second);
}

absl::string_view Catalog::ProviderName(absl::string_view domain_key) const {
  const auto it = provider_names_.find(domain_key);
  return it == provider_names_.end() ? absl::string_view()
                                     : absl::string_view(it->second);
}

ArticleIndex Catalog::LowerBound(absl::Time time) const {
  return static_cast<ArticleIndex>(
      std::lower_bound(times_.begin(), times_.end(), time) - times_.begin());
}

ArticleIndex Catalog::LowerBound(absl::Time time,
                                 absl::string_view name) const {
  ArticleIndex lo = 0;
  ArticleIndex hi = static_cast<ArticleIndex>(articles_.size());
  while (lo < hi) {
    const ArticleIndex mid = lo + (hi - lo) / 2;
    if (times_[mid] < time ||
        (times_[mid] == time && articles_[mid].name() < name)) {
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
  if (i < articles_.size() && times_[i] == time &&
      articles_[i].name() == name) {
    ++i;
  }
  return i;
}

}  // namespace newsmeta
