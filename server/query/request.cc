#include "query/request.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "catalog/catalog.h"
#include "util/errors.h"
#include "util/status_macros.h"

namespace newsmeta {
namespace {

using ::google::protobuf::RepeatedPtrField;
using ::newsmeta::v1::Article;
using ::newsmeta::v1::ArticleView;

absl::StatusOr<std::vector<std::string>> NormalizedValues(
    absl::string_view field, const RepeatedPtrField<std::string>& values) {
  if (values.size() > kMaxQueryValues) {
    return InvalidField(
        field, "TOO_MANY_VALUES",
        absl::StrCat(field, " lists ", values.size(), " values; at most ",
                     kMaxQueryValues, " are allowed"),
        {{"count", absl::StrCat(values.size())},
         {"limit", absl::StrCat(kMaxQueryValues)}});
  }
  std::vector<std::string> keys;
  for (int i = 0; i < values.size(); ++i) {
    if (values[i].size() > static_cast<size_t>(kMaxQueryValueBytes)) {
      return InvalidField(absl::StrCat(field, "[", i, "]"), "VALUE_TOO_LONG",
                          absl::StrCat(field, "[", i, "] is ", values[i].size(),
                                       " bytes long; at most ",
                                       kMaxQueryValueBytes, " are allowed"),
                          {{"bytes", absl::StrCat(values[i].size())},
                           {"limit", absl::StrCat(kMaxQueryValueBytes)}});
    }
    std::string key = NormalizeKey(values[i]);
    if (key.empty()) {
      return InvalidField(absl::StrCat(field, "[", i, "]"), "EMPTY_VALUE",
                          absl::StrCat(field, "[", i, "] is empty"));
    }
    keys.push_back(std::move(key));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

absl::Status InvalidOrderBy(absl::string_view order_by, absl::string_view why) {
  const std::string shown = absl::CHexEscape(order_by.substr(0, 100));
  return InvalidField(
      "order_by", "INVALID_ORDER_BY",
      absl::StrCat("order_by \"", shown, "\" ", why,
                   "; use comma-separated keys among publish_time, quality "
                   "and heat, each optionally followed by asc or desc, e.g. "
                   "\"quality desc, publish_time desc\""),
      {{"order_by", shown}});
}

absl::StatusOr<std::vector<SortSpec>> ParseOrderBy(absl::string_view order_by) {
  if (absl::StripAsciiWhitespace(order_by).empty()) {
    return std::vector<SortSpec>{SortSpec{}};
  }
  std::vector<SortSpec> specs;
  for (absl::string_view item : absl::StrSplit(order_by, ',')) {
    const std::vector<absl::string_view> words =
        absl::StrSplit(item, absl::ByAnyChar(" \t\n"), absl::SkipEmpty());
    if (words.empty() || words.size() > 2) {
      return InvalidOrderBy(order_by, "has an empty or malformed key");
    }
    SortSpec spec;
    const std::string key = absl::AsciiStrToLower(words[0]);
    if (key == "publish_time") {
      spec.key = SortKey::kPublishTime;
    } else if (key == "quality") {
      spec.key = SortKey::kQuality;
    } else if (key == "heat") {
      spec.key = SortKey::kHeat;
    } else {
      return InvalidOrderBy(order_by,
                            absl::StrCat("names an unknown key \"",
                                         absl::CHexEscape(words[0]), "\""));
    }
    // As AIP-132 says, a key without a direction sorts ascending.
    spec.descending = false;
    if (words.size() == 2) {
      const std::string direction = absl::AsciiStrToLower(words[1]);
      if (direction != "asc" && direction != "desc") {
        return InvalidOrderBy(order_by,
                              "has a direction other than asc or desc");
      }
      spec.descending = direction == "desc";
    }
    for (const SortSpec& earlier : specs) {
      if (earlier.key == spec.key) {
        return InvalidOrderBy(order_by, "names a key twice");
      }
    }
    specs.push_back(spec);
  }
  return specs;
}

// `status`, the error of a parser of the request field `field`, as an
// InvalidField error with `reason`; the offset the message names ("position
// 12" or "byte 12") goes into the metadata as "position".
absl::Status FieldParseError(const absl::Status& status,
                             absl::string_view field,
                             absl::string_view reason) {
  const absl::string_view message = status.message();
  ErrorMetadata metadata;
  for (absl::string_view marker : {"position ", "byte "}) {
    const size_t at = message.find(marker);
    if (at == absl::string_view::npos) continue;
    absl::string_view rest = message.substr(at + marker.size());
    size_t digits = 0;
    while (digits < rest.size() && absl::ascii_isdigit(rest[digits])) ++digits;
    if (digits > 0) {
      metadata.emplace_back("position", std::string(rest.substr(0, digits)));
      break;
    }
  }
  return AsInvalidField(status, field, reason, std::move(metadata));
}

// Reads the query fields every query request has.
template <typename Request>
absl::StatusOr<Query> CommonQuery(const Request& request) {
  Query query;
  ASSIGN_OR_RETURN(query.topics, NormalizedValues("topics", request.topics()));
  ASSIGN_OR_RETURN(
      query.provider_domains,
      NormalizedValues("provider_domains", request.provider_domains()));
  RETURN_IF_ERROR(ReadTimestampField("start_time", request.has_start_time(),
                                     request.start_time(), &query.start_time));
  RETURN_IF_ERROR(ReadTimestampField("end_time", request.has_end_time(),
                                     request.end_time(), &query.end_time));
  if (query.start_time && query.end_time &&
      *query.start_time >= *query.end_time) {
    const auto format = [](absl::Time time) {
      return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", time,
                              absl::UTCTimeZone());
    };
    return InvalidFields(
        {"start_time", "end_time"}, "INVALID_TIME_RANGE",
        absl::StrCat("start_time (", format(*query.start_time),
                     ") must be before end_time (", format(*query.end_time),
                     "); start_time is inclusive, end_time exclusive"),
        {{"start_time", format(*query.start_time)},
         {"end_time", format(*query.end_time)}});
  }
  query.filter_source =
      std::string(absl::StripAsciiWhitespace(request.filter()));
  absl::StatusOr<FilterExpr> filter = ParseFilter(request.filter());
  if (!filter.ok()) {
    return FieldParseError(filter.status(), "filter", "INVALID_FILTER");
  }
  query.filter = *std::move(filter);
  query.text_source = std::string(absl::StripAsciiWhitespace(request.text()));
  absl::StatusOr<TextQuery> text = ParseTextQuery(request.text());
  if (!text.ok()) {
    return FieldParseError(text.status(), "text", "INVALID_TEXT_QUERY");
  }
  query.text = *std::move(text);
  return query;
}

template <typename Request>
absl::StatusOr<Query> OrderedQuery(const Request& request) {
  ASSIGN_OR_RETURN(Query query, CommonQuery(request));
  ASSIGN_OR_RETURN(query.order, ParseOrderBy(request.order_by()));
  return query;
}

}  // namespace

absl::Status ReadTimestampField(absl::string_view field, bool present,
                                const google::protobuf::Timestamp& timestamp,
                                std::optional<absl::Time>* out) {
  if (!present) return absl::OkStatus();
  // google.protobuf.Timestamp's valid range: years 0001 to 9999.
  if (timestamp.seconds() < -62135596800 ||
      timestamp.seconds() > 253402300799 || timestamp.nanos() < 0 ||
      timestamp.nanos() > 999999999) {
    return InvalidField(
        field, "INVALID_TIMESTAMP",
        absl::StrCat(field, " is not a valid timestamp (seconds ",
                     timestamp.seconds(), ", nanos ", timestamp.nanos(), ")"),
        {{"seconds", absl::StrCat(timestamp.seconds())},
         {"nanos", absl::StrCat(timestamp.nanos())}});
  }
  *out = ToAbslTime(timestamp);
  return absl::OkStatus();
}

absl::StatusOr<Query> QueryFromRequest(
    const newsmeta::v1::ListArticlesRequest& request) {
  return OrderedQuery(request);
}

absl::StatusOr<Query> QueryFromRequest(
    const newsmeta::v1::StreamArticlesRequest& request) {
  return OrderedQuery(request);
}

absl::StatusOr<Query> QueryFromRequest(
    const newsmeta::v1::SummarizeArticlesRequest& request) {
  return CommonQuery(request);
}

absl::StatusOr<HistogramInterval> ToHistogramInterval(
    newsmeta::v1::HistogramInterval interval) {
  switch (interval) {
    case newsmeta::v1::HISTOGRAM_INTERVAL_UNSPECIFIED:
      return HistogramInterval::kNone;
    case newsmeta::v1::HISTOGRAM_INTERVAL_DAY:
      return HistogramInterval::kDay;
    case newsmeta::v1::HISTOGRAM_INTERVAL_WEEK:
      return HistogramInterval::kWeek;
    case newsmeta::v1::HISTOGRAM_INTERVAL_MONTH:
      return HistogramInterval::kMonth;
    default:
      return InvalidField(
          "histogram_interval", "INVALID_HISTOGRAM_INTERVAL",
          absl::StrCat("histogram_interval ", static_cast<int>(interval),
                       " is not a HistogramInterval; use "
                       "HISTOGRAM_INTERVAL_DAY, _WEEK or _MONTH"),
          {{"histogram_interval", absl::StrCat(static_cast<int>(interval))}});
  }
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
      return InvalidField(
          "view", "INVALID_VIEW",
          absl::StrCat("view ", static_cast<int>(requested),
                       " is not an ArticleView; use ARTICLE_VIEW_BASIC or "
                       "ARTICLE_VIEW_FULL"),
          {{"view", absl::StrCat(static_cast<int>(requested))}});
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
