#include "catalog/segmented_catalog.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include "absl/status/status.h"
#include "util/huge_pages.h"
#include "util/status_macros.h"

namespace newsmeta {

std::shared_ptr<const SegmentedCatalog> SegmentedCatalog::Of(
    std::shared_ptr<const Catalog> catalog) {
  const MultisetHash content_hash = catalog->content_hash();
  std::vector<Segment> segments;
  segments.push_back({std::move(catalog), nullptr});
  return Make(std::move(segments), content_hash);
}

SegmentedCatalog::SegmentedCatalog(const Catalog& catalog)
    : size_(catalog.size()),
      content_hash_(catalog.content_hash()),
      version_(catalog.version()) {
  // Aliasing: shares no ownership, so the caller keeps `catalog` alive.
  segments_.push_back(
      {std::shared_ptr<const Catalog>(std::shared_ptr<const void>(), &catalog),
       nullptr});
}

std::shared_ptr<const SegmentedCatalog> SegmentedCatalog::Make(
    std::vector<Segment> segments, const MultisetHash& content_hash) {
  std::shared_ptr<SegmentedCatalog> catalog(new SegmentedCatalog());
  for (const Segment& segment : segments) {
    catalog->size_ +=
        segment.catalog->size() -
        (segment.deleted == nullptr ? 0 : segment.deleted->size());
  }
  catalog->segments_ = std::move(segments);
  catalog->content_hash_ = content_hash;
  catalog->version_ = Catalog::VersionOf(content_hash);
  return catalog;
}

std::optional<ArticleRef> SegmentedCatalog::IndexOf(
    absl::string_view name) const {
  // Newest first: a name replaced by a later segment is deleted in the
  // earlier one, so at most one segment answers a live article.
  for (uint32_t s = segment_count(); s-- > 0;) {
    const std::optional<ArticleIndex> index = segment(s).IndexOf(name);
    if (index && IsLive({s, *index})) return ArticleRef{s, *index};
  }
  return std::nullopt;
}

std::optional<newsmeta::v1::Article> SegmentedCatalog::Find(
    absl::string_view name) const {
  const std::optional<ArticleRef> found = IndexOf(name);
  if (!found) return std::nullopt;
  return article(*found);
}

bool SegmentedCatalog::Before(ArticleRef a, ArticleRef b) const {
  return InCatalogOrder(publish_time(a), fields(a).name, publish_time(b),
                        fields(b).name);
}

std::vector<ArticleRef> SegmentedCatalog::InOrder() const {
  std::vector<ArticleRef> order;
  order.reserve(size_);
  for (uint32_t s = 0; s < segment_count(); ++s) {
    const size_t middle = order.size();
    for (ArticleIndex i = 0; i < segment(s).size(); ++i) {
      if (IsLive({s, i})) order.push_back({s, i});
    }
    // Each segment is in catalog order already: merge it in.
    std::inplace_merge(
        order.begin(), order.begin() + middle, order.end(),
        [this](ArticleRef a, ArticleRef b) { return Before(a, b); });
  }
  return order;
}

absl::StatusOr<std::shared_ptr<const Catalog>> SegmentedCatalog::Merge() const {
  if (single()) return segments_[0].catalog;
  const std::vector<ArticleRef> order = InOrder();
  return CopyOut(order, 0, order.size(), &content_hash_);
}

template <typename Part>
absl::StatusOr<std::vector<std::shared_ptr<const Catalog>>>
SegmentedCatalog::InParts(size_t max_articles, const Part& part) const {
  max_articles = std::max<size_t>(1, max_articles);
  const std::vector<ArticleRef> order = InOrder();
  const size_t n = order.size();
  const size_t count = n == 0 ? 1 : 1 + (n - 1) / max_articles;
  std::vector<std::shared_ptr<const Catalog>> parts;
  for (size_t k = 0; k < count; ++k) {
    absl::StatusOr<std::shared_ptr<const Catalog>> catalog =
        part(order, n * k / count, n * (k + 1) / count,
             count == 1 ? &content_hash_ : nullptr);
    if (!catalog.ok()) return catalog.status();
    parts.push_back(*std::move(catalog));
  }
  return parts;
}

absl::StatusOr<std::vector<std::shared_ptr<const Catalog>>>
SegmentedCatalog::MergeInto(size_t max_articles) const {
  if (single() && size_ <= std::max<size_t>(1, max_articles)) {
    return std::vector<std::shared_ptr<const Catalog>>{segments_[0].catalog};
  }
  return InParts(max_articles,
                 [this](const std::vector<ArticleRef>& order, size_t first,
                        size_t last, const MultisetHash* content_hash) {
                   return CopyOut(order, first, last, content_hash);
                 });
}

absl::StatusOr<std::vector<std::shared_ptr<const Catalog>>>
SegmentedCatalog::SliceInto(size_t max_articles) const {
  if (segment_count() != 1) {
    return absl::FailedPreconditionError("SliceInto takes one segment");
  }
  const std::shared_ptr<const void>& storage = segment(0).wire_storage();
  return InParts(max_articles, [&](const std::vector<ArticleRef>& order,
                                   size_t first, size_t last,
                                   const MultisetHash* content_hash) {
    std::vector<absl::string_view> wire;
    wire.reserve(last - first);
    for (size_t i = first; i < last; ++i) {
      wire.push_back(ArticleBytes(order[i], newsmeta::v1::ARTICLE_VIEW_FULL));
    }
    if (content_hash == nullptr) {
      return Catalog::FromCatalogBytes(std::move(wire), storage);
    }
    return Catalog::FromCatalogBytes(std::move(wire), storage,
                                     [hash = *content_hash] { return hash; });
  });
}

absl::Status SegmentedCatalog::ForEachPart(
    size_t max_articles,
    const std::function<absl::Status(const Catalog&)>& each) const {
  max_articles = std::max<size_t>(1, max_articles);
  const std::vector<ArticleRef> order = InOrder();
  const size_t n = order.size();
  const size_t count = n == 0 ? 1 : 1 + (n - 1) / max_articles;
  for (size_t k = 0; k < count; ++k) {
    const size_t first = n * k / count;
    const size_t last = n * (k + 1) / count;
    // Segment s's live articles come in catalog order by index: a run from
    // its first to its last, as long as the segment, is the segment alone.
    if (first < last) {
      const ArticleRef head = order[first];
      const ArticleRef tail = order[last - 1];
      const Catalog& whole = segment(head.segment);
      if (deleted(head.segment) == nullptr && head.index == 0 &&
          tail.segment == head.segment && whole.size() == last - first &&
          tail.index == whole.size() - 1) {
        RETURN_IF_ERROR(each(whole));
        continue;
      }
    }
    std::vector<absl::string_view> wire;
    wire.reserve(last - first);
    for (size_t i = first; i < last; ++i) {
      wire.push_back(ArticleBytes(order[i], newsmeta::v1::ARTICLE_VIEW_FULL));
    }
    // Views valid while this catalog lives, which outlives the part.
    absl::StatusOr<std::shared_ptr<const Catalog>> part =
        count == 1
            ? Catalog::FromCatalogBytes(std::move(wire), nullptr,
                                        [hash = content_hash_] { return hash; })
            : Catalog::FromCatalogBytes(std::move(wire), nullptr);
    if (!part.ok()) return part.status();
    RETURN_IF_ERROR(each(**part));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const Catalog>> SegmentedCatalog::CopyOut(
    const std::vector<ArticleRef>& order, size_t first, size_t last,
    const MultisetHash* content_hash) const {
  size_t total = 0;
  for (size_t i = first; i < last; ++i) {
    total += ArticleBytes(order[i], newsmeta::v1::ARTICLE_VIEW_FULL).size();
  }
  std::shared_ptr<char> buffer(
      static_cast<char*>(std::malloc(std::max<size_t>(total, 1))), std::free);
  if (buffer == nullptr) throw std::bad_alloc();
  AdviseHugePages(buffer.get(), total);
  std::vector<absl::string_view> wire;
  wire.reserve(last - first);
  char* out = buffer.get();
  for (size_t i = first; i < last; ++i) {
    const absl::string_view bytes =
        ArticleBytes(order[i], newsmeta::v1::ARTICLE_VIEW_FULL);
    std::memcpy(out, bytes.data(), bytes.size());
    wire.emplace_back(out, bytes.size());
    out += bytes.size();
  }
  if (content_hash == nullptr) {
    return Catalog::FromCatalogBytes(std::move(wire), std::move(buffer));
  }
  return Catalog::FromCatalogBytes(std::move(wire), std::move(buffer),
                                   [hash = *content_hash] { return hash; });
}

std::optional<ArticleRef> SegmentedCatalog::FirstLive(
    uint32_t s, const std::vector<ArticleIndex>* postings) const {
  if (postings == nullptr) return std::nullopt;
  for (const ArticleIndex index : *postings) {
    if (IsLive({s, index})) return ArticleRef{s, index};
  }
  return std::nullopt;
}

template <typename PostingsOf>
std::optional<ArticleRef> SegmentedCatalog::FirstLiveOf(
    const PostingsOf& postings_of) const {
  std::optional<ArticleRef> first;
  for (uint32_t s = 0; s < segment_count(); ++s) {
    const std::optional<ArticleRef> candidate =
        FirstLive(s, postings_of(segment(s)));
    if (candidate && (!first || Before(*candidate, *first))) first = candidate;
  }
  return first;
}

absl::string_view SegmentedCatalog::TopicName(absl::string_view key) const {
  if (single()) return segment(0).TopicName(key);
  const std::optional<ArticleRef> first = FirstLiveOf(
      [key](const Catalog& catalog) { return catalog.TopicPostings(key); });
  if (!first) return key;
  // Its first topic of this key, as a catalog built from scratch names it.
  for (const absl::string_view topic : fields(*first).topics) {
    if (NormalizeKey(topic) == key) return topic;
  }
  return key;
}

absl::string_view SegmentedCatalog::ProviderName(
    absl::string_view domain_key) const {
  if (single()) return segment(0).ProviderName(domain_key);
  const std::optional<ArticleRef> first =
      FirstLiveOf([domain_key](const Catalog& catalog) {
        return catalog.DomainPostings(domain_key);
      });
  if (!first) return absl::string_view();
  return fields(*first).provider_name;
}

}  // namespace newsmeta
