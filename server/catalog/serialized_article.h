// Articles kept as their bytes from the moment they are parsed, and a
// catalog built from them: a load holds each article's serialization (about
// a third of the memory of its parsed message) and the few fields a build
// sorts and links by, so the peak of a cold load is the bytes twice (these
// and the catalog's), not every parsed message plus the catalog.
#ifndef NEWSMETA_SERVER_CATALOG_SERIALIZED_ARTICLE_H_
#define NEWSMETA_SERVER_CATALOG_SERIALIZED_ARTICLE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "catalog/catalog.h"
#include "catalog/segmented_catalog.h"
#include "newsmeta/v1/article.pb.h"

namespace newsmeta {

struct SerializedArticle {
  // The article's deterministic serialization.
  std::string bytes;
  // Copies of its fields that a build needs.
  std::string name;
  std::string source_file;
  int64_t publish_seconds = 0;
  int32_t publish_nanos = 0;
  std::string original_url;
  std::string web_url;
  // Each related link's web_url, in order.
  std::vector<std::string> related_urls;
};

// `article` as a SerializedArticle.
SerializedArticle SerializeArticle(const newsmeta::v1::Article& article);

// What Catalog::Build gives for the articles these were serialized from,
// byte for byte: the same duplicates dropped (and rejections), order,
// related links set and catalog. Each article's bytes are freed once copied
// into the catalog's; an article whose related links point at a catalog
// article is parsed, linked and serialized again.
Catalog::BuildResult BuildCatalog(std::vector<SerializedArticle> articles);

// The same catalog as segments of at most `max_segment_articles` articles
// each (of about the same size; one, empty, when there are no articles):
// runs of neighbouring articles in catalog order, each a Catalog with its
// own buffer, so that a segment can later be rewritten alone.
struct SegmentsBuildResult {
  std::vector<std::shared_ptr<const Catalog>> segments;
  // As Catalog::BuildResult's.
  std::vector<absl::Status> rejections;
};
SegmentsBuildResult BuildCatalogSegments(
    std::vector<SerializedArticle> articles, size_t max_segment_articles);

// The same segments as one SegmentedCatalog (nothing deleted, its content
// hash their sum): what a load from scratch serves, and what
// --write_snapshot writes.
struct SegmentedBuildResult {
  std::shared_ptr<const SegmentedCatalog> catalog;
  // As Catalog::BuildResult's.
  std::vector<absl::Status> rejections;
};
SegmentedBuildResult BuildSegmentedCatalog(
    std::vector<SerializedArticle> articles, size_t max_segment_articles);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_CATALOG_SERIALIZED_ARTICLE_H_
