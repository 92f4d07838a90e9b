#include "catalog/article_name.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "util/errors.h"
#include "util/sha256.h"

namespace newsmeta {

std::string ArticleIdForUrl(absl::string_view url) {
  return Sha256Hex(url).substr(0, kArticleIdLength);
}

std::string ArticleNameForUrl(absl::string_view url) {
  return absl::StrCat(kArticleNamePrefix, ArticleIdForUrl(url));
}

absl::Status ValidateArticleName(absl::string_view field,
                                 absl::string_view name) {
  const auto invalid = [&](absl::string_view why) {
    const std::string shown = absl::CHexEscape(name.substr(0, 100));
    return InvalidField(
        field, "INVALID_ARTICLE_NAME",
        absl::StrCat(field, " \"", shown, "\" ", why,
                     "; expected articles/{id} with a 16-digit lowercase hex "
                     "id"),
        {{std::string(field), shown}});
  };
  if (name.empty()) {
    return InvalidField(field, "MISSING_ARTICLE_NAME",
                        absl::StrCat(field, " is required: articles/{id}"));
  }
  if (!absl::StartsWith(name, kArticleNamePrefix)) {
    return invalid("does not start with \"articles/\"");
  }
  const absl::string_view id = name.substr(kArticleNamePrefix.size());
  if (id.size() != kArticleIdLength) {
    return invalid("has an id of the wrong length");
  }
  for (char c : id) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) {
      return invalid("has an id that is not lowercase hex");
    }
  }
  return absl::OkStatus();
}

}  // namespace newsmeta
