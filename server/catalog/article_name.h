// Article resource names (AIP-122): `articles/{id}`, where `{id}` is the first
// 16 lowercase hex digits of SHA-256 of the article's URL.
#ifndef NEWSMETA_SERVER_CATALOG_ARTICLE_NAME_H_
#define NEWSMETA_SERVER_CATALOG_ARTICLE_NAME_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace newsmeta {

inline constexpr absl::string_view kArticleNamePrefix = "articles/";
inline constexpr size_t kArticleIdLength = 16;

// The id of the article whose URL is `url` (used exactly as given).
std::string ArticleIdForUrl(absl::string_view url);

// `articles/` + ArticleIdForUrl(url).
std::string ArticleNameForUrl(absl::string_view url);

// OK when `name` is a well-formed article name; otherwise INVALID_ARGUMENT
// naming the request field `field`.
absl::Status ValidateArticleName(absl::string_view field,
                                 absl::string_view name);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_CATALOG_ARTICLE_NAME_H_
