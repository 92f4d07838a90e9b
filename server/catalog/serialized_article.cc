#include "catalog/serialized_article.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <new>
#include <thread>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "util/huge_pages.h"
#include "util/multiset_hash.h"
#include "util/release_memory.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;

std::string Serialized(const Article& article) {
  std::string bytes(article.ByteSizeLong(), '\0');
  google::protobuf::io::ArrayOutputStream stream(
      bytes.data(), static_cast<int>(bytes.size()));
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  article.SerializeWithCachedSizes(&coded);
  return bytes;
}

absl::Time PublishTime(const SerializedArticle& article) {
  return absl::FromUnixSeconds(article.publish_seconds) +
         absl::Nanoseconds(article.publish_nanos);
}

// Runs `work(begin, end)` on [0, n) split in two, on two threads.
template <typename Work>
void OnTwoThreads(size_t n, const Work& work) {
  std::thread second(work, n / 2, n);
  work(0, n / 2);
  second.join();
}

// Articles' bytes one after another in one buffer, as a catalog holds them.
struct LaidOutBytes {
  std::vector<absl::string_view> views;
  std::shared_ptr<char> buffer;
};

// `articles`[first, last)'s bytes laid out, each article freed once copied.
LaidOutBytes LayOut(std::vector<SerializedArticle>* articles, size_t first,
                    size_t last) {
  SerializedArticle* const unique = articles->data() + first;
  const size_t n = last - first;
  std::vector<size_t> offsets(n + 1, 0);
  for (size_t i = 0; i < n; ++i) {
    offsets[i + 1] = offsets[i] + unique[i].bytes.size();
  }
  const size_t total = offsets[n];
  LaidOutBytes laid_out;
  laid_out.buffer.reset(
      static_cast<char*>(std::malloc(std::max<size_t>(total, 1))), std::free);
  if (laid_out.buffer == nullptr) throw std::bad_alloc();
  AdviseHugePages(laid_out.buffer.get(), total);
  laid_out.views.resize(n);
  OnTwoThreads(n, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      std::string& bytes = unique[i].bytes;
      char* out = laid_out.buffer.get() + offsets[i];
      std::copy(bytes.begin(), bytes.end(), out);
      laid_out.views[i] = absl::string_view(out, bytes.size());
      unique[i] = SerializedArticle();
    }
  });
  return laid_out;
}

// The catalog of laid out bytes BuildCatalogSegments sorted and linked.
std::shared_ptr<const Catalog> Indexed(LaidOutBytes laid_out) {
  absl::StatusOr<std::shared_ptr<const Catalog>> catalog =
      Catalog::FromCatalogBytes(laid_out.views, laid_out.buffer);
  if (catalog.ok()) return *std::move(catalog);
  // Bytes BuildCatalogSegments serialized and sorted are always a catalog;
  // were they not, the messages give one.
  const std::vector<absl::string_view>& views = laid_out.views;
  std::vector<Article> messages(views.size());
  for (size_t i = 0; i < views.size(); ++i) {
    messages[i].ParseFromArray(views[i].data(),
                               static_cast<int>(views[i].size()));
  }
  return Catalog::Build(std::move(messages)).catalog;
}

}  // namespace

SerializedArticle SerializeArticle(const Article& article) {
  SerializedArticle serialized;
  serialized.bytes = Serialized(article);
  serialized.name = article.name();
  serialized.source_file = article.source_file();
  serialized.publish_seconds = article.publish_time().seconds();
  serialized.publish_nanos = article.publish_time().nanos();
  serialized.original_url = article.original_url();
  serialized.web_url = article.web_url();
  serialized.related_urls.reserve(article.related_size());
  for (const auto& link : article.related()) {
    serialized.related_urls.push_back(link.web_url());
  }
  return serialized;
}

SegmentsBuildResult BuildCatalogSegments(
    std::vector<SerializedArticle> articles, size_t max_segment_articles) {
  max_segment_articles = std::max<size_t>(1, max_segment_articles);
  SegmentsBuildResult result;
  // Duplicates first, as Catalog::Build drops them: by name, then by source
  // file.
  std::sort(articles.begin(), articles.end(),
            [](const SerializedArticle& a, const SerializedArticle& b) {
              return std::tie(a.name, a.source_file) <
                     std::tie(b.name, b.source_file);
            });
  std::vector<SerializedArticle> unique;
  unique.reserve(articles.size());
  for (SerializedArticle& article : articles) {
    if (!unique.empty() && unique.back().name == article.name) {
      result.rejections.push_back(DuplicateRejection(
          article.source_file, article.name, unique.back().source_file));
      continue;
    }
    unique.push_back(std::move(article));
  }
  articles = std::vector<SerializedArticle>();
  std::sort(unique.begin(), unique.end(),
            [](const SerializedArticle& a, const SerializedArticle& b) {
              return InCatalogOrder(PublishTime(a), a.name, PublishTime(b),
                                    b.name);
            });

  // Related links that point at a catalog article: parsed, linked and
  // serialized again (the others' bytes are final).
  absl::flat_hash_map<absl::string_view, absl::string_view> name_by_url;
  for (const SerializedArticle& article : unique) {
    for (const std::string* url : {&article.original_url, &article.web_url}) {
      if (!url->empty()) name_by_url.try_emplace(*url, article.name);
    }
  }
  const size_t n = unique.size();
  OnTwoThreads(n, [&](size_t begin, size_t end) {
    Article message;
    for (size_t i = begin; i < end; ++i) {
      SerializedArticle& article = unique[i];
      const bool linked = std::any_of(
          article.related_urls.begin(), article.related_urls.end(),
          [&](const std::string& url) { return name_by_url.contains(url); });
      if (!linked) continue;
      message.Clear();
      if (!message.ParseFromString(article.bytes)) continue;  // never
      for (auto& link : *message.mutable_related()) {
        const auto it = name_by_url.find(link.web_url());
        if (it != name_by_url.end()) link.set_article(std::string(it->second));
      }
      article.bytes = Serialized(message);
    }
  });

  // The segments: runs of neighbouring articles of about the same size,
  // each one's bytes one after another in catalog order in a buffer of its
  // own (as Catalog::Build lays them out). Every article is copied before
  // any is indexed, so that the articles' own bytes are freed first.
  const size_t count = n == 0 ? 1 : 1 + (n - 1) / max_segment_articles;
  std::vector<LaidOutBytes> laid_out;
  for (size_t segment = 0; segment < count; ++segment) {
    laid_out.push_back(
        LayOut(&unique, n * segment / count, n * (segment + 1) / count));
  }
  unique = std::vector<SerializedArticle>();
  constexpr size_t kTrimAfter = 4096;  // as Catalog::Build
  if (n >= kTrimAfter) ReleaseFreedMemory();
  for (LaidOutBytes& segment : laid_out) {
    result.segments.push_back(Indexed(std::move(segment)));
  }
  return result;
}

SegmentedBuildResult BuildSegmentedCatalog(
    std::vector<SerializedArticle> articles, size_t max_segment_articles) {
  SegmentsBuildResult built =
      BuildCatalogSegments(std::move(articles), max_segment_articles);
  MultisetHash content_hash;
  std::vector<SegmentedCatalog::Segment> segments;
  for (std::shared_ptr<const Catalog>& segment : built.segments) {
    content_hash.Add(segment->content_hash());
    segments.push_back({std::move(segment), nullptr});
  }
  return {SegmentedCatalog::Make(std::move(segments), content_hash),
          std::move(built.rejections)};
}

Catalog::BuildResult BuildCatalog(std::vector<SerializedArticle> articles) {
  SegmentsBuildResult built =
      BuildCatalogSegments(std::move(articles), SIZE_MAX);
  return {std::move(built.segments.front()), std::move(built.rejections)};
}

}  // namespace newsmeta
