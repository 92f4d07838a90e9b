// The fields of an article that queries look at, as views, so the catalog can
// keep each article only as its wire bytes and still filter, order and search
// without parsing it.
#ifndef NEWSMETA_SERVER_CATALOG_ARTICLE_FIELDS_H_
#define NEWSMETA_SERVER_CATALOG_ARTICLE_FIELDS_H_

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "newsmeta/v1/article.pb.h"

namespace newsmeta {

struct ArticleFields {
  absl::string_view name;
  absl::string_view category;
  absl::string_view title;
  absl::string_view excerpt;
  absl::string_view type;
  absl::string_view provider_name;
  absl::string_view provider_domain;
  absl::Span<const absl::string_view> topics;
  absl::Time publish_time;
  int32_t quality = 0;
  int32_t heat = 0;
  // ScanFields only: how many leading bytes of the article are its BASIC
  // view (the fields numbered below 100; FULL-only fields serialize last).
  uint32_t basic_size = 0;
  bool published = false;
};

// Views into `article`; `topics` receives the topic views that the result's
// `topics` spans, so it must outlive the result (as `article` must).
ArticleFields FieldsOf(const newsmeta::v1::Article& article,
                       std::vector<absl::string_view>* topics);

// The same fields read from an Article's wire bytes (fields this code does
// not use are skipped); the views point into `wire`. Topics are appended to
// `topics`; the result's `topics` is left empty, for the caller to point at
// them once `topics` stops growing. False when `wire` is not a well-formed
// Article.
bool ScanFields(absl::string_view wire, ArticleFields* fields,
                std::vector<absl::string_view>* topics);

// The article's original_url and web_url read from its wire bytes (views
// into `wire`; empty when absent). False when `wire` is not a well-formed
// Article.
bool ScanUrls(absl::string_view wire, absl::string_view* original_url,
              absl::string_view* web_url);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_CATALOG_ARTICLE_FIELDS_H_
