#include "query/request.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "catalog/catalog.h"
#include "util/status_macros.h"

namespace newsmeta {
namespace {

using ::google::protobuf::RepeatedPtrField;
using ::newsmeta::v1::Article;
using ::newsmeta::v1::ArticleView;

absl::StatusOr<std::vector<std::string>> NormalizedValues(
    absl::string_view field, const RepeatedPtrField<std::string>& values) {
  if (values.size() > kMaxQueryValues) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " lists ", values.size(), " values; at most ",
                     kMaxQueryValues, " are allowed"));
  }
  std::vector<std::string> keys;
  for (int i = 0; i < values.size(); ++i) {
    if (values[i].size() > static_cast<size_t>(kMaxQueryValueBytes)) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, "[", i, "] is ", values[i].size(), " bytes long; at most ",
          kMaxQueryValueBytes, " are allowed"));
    }
    std::string key = NormalizeKey(values[i]);
    if (key.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, "[", i, "] is empty"));
    }
    keys.push_back(std::move(key));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

absl::Status ReadTime(absl::string_view field, bool present,
                      const google::protobuf::Timestamp& timestamp,
                      std::optional<absl::Time>* out) {
  if (!present) return absl::OkStatus();
  // google.protobuf.Timestamp's valid range: years 0001 to 9999.
  if (timestamp.seconds() < -62135596800 ||
      timestamp.seconds() > 253402300799 || timestamp.nanos() < 0 ||
      timestamp.nanos() > 999999999) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is not a valid timestamp (seconds ",
                     timestamp.seconds(), ", nanos ", timestamp.nanos(), ")"));
  }
  *out = ToAbslTime(timestamp);
  return absl::OkStatus();
}

absl::StatusOr<SortOrder> ParseOrderBy(absl::string_view order_by) {
  const std::string text =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(order_by));
  std::vector<std::string> words;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    words.emplace_back(word);
  }
  if (words.empty()) return SortOrder::kNewestFirst;
  if (words[0] == "publish_time" && words.size() <= 2) {
    // As AIP-132 says, a field without a direction sorts ascending.
    if (words.size() == 1 || words[1] == "asc") return SortOrder::kOldestFirst;
    if (words[1] == "desc") return SortOrder::kNewestFirst;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "order_by \"", absl::CHexEscape(order_by.substr(0, 100)),
      "\" is not supported; use \"publish_time desc\" (the default) or "
      "\"publish_time asc\""));
}

template <typename Request>
absl::StatusOr<Query> QueryFromAnyRequest(const Request& request) {
  Query query;
  ASSIGN_OR_RETURN(query.topics, NormalizedValues("topics", request.topics()));
  ASSIGN_OR_RETURN(
      query.provider_domains,
      NormalizedValues("provider_domains", request.provider_domains()));
  RETURN_IF_ERROR(ReadTime("start_time", request.has_start_time(),
                           request.start_time(), &query.start_time));
  RETURN_IF_ERROR(ReadTime("end_time", request.has_end_time(),
                           request.end_time(), &query.end_time));
  if (query.start_time && query.end_time &&
      *query.start_time >= *query.end_time) {
    return absl::InvalidArgumentError(
        "start_time must be before end_time (start_time is inclusive, "
        "end_time exclusive)");
  }
  ASSIGN_OR_RETURN(query.order, ParseOrderBy(request.order_by()));
  return query;
}

}  // namespace

absl::StatusOr<Query> QueryFromRequest(
    const newsmeta::v1::ListArticlesRequest& request) {
  return QueryFromAnyRequest(request);
}

absl::StatusOr<Query> QueryFromRequest(
    const newsmeta::v1::StreamArticlesRequest& request) {
  return QueryFromAnyRequest(request);
}

absl::StatusOr<ArticleView> ResolveView(ArticleView requested,
                                        ArticleView fallback) {
  switch (requested) {
    case newsmeta::v1::ARTICLE_VIEW_UNSPECIFIED:
      return fallback;
    case newsmeta::v1::ARTICLE_VIEW_BASIC:
    case newsmeta::v1::ARTICLE_VIEW_FULL:
      return requested;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("view ", static_cast<int>(requested),
                       " is not an ArticleView; use ARTICLE_VIEW_BASIC or "
                       "ARTICLE_VIEW_FULL"));
  }
}

void ApplyView(ArticleView view, Article* article) {
  if (view == newsmeta::v1::ARTICLE_VIEW_FULL) return;
  article->clear_related();
  article->clear_secured();
  article->clear_body();
  article->clear_extra_fields();
}

}  // namespace newsmeta
