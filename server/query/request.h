// Turns API requests into domain queries, validating every field. Returns
// INVALID_ARGUMENT naming the offending field; knows nothing of gRPC.
#ifndef NEWSMETA_SERVER_QUERY_REQUEST_H_
#define NEWSMETA_SERVER_QUERY_REQUEST_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "newsmeta/v1/article.pb.h"
#include "newsmeta/v1/article_service.pb.h"
#include "query/query.h"
#include "query/summary.h"

namespace newsmeta {

// Most values a request may list in `topics`, and in `provider_domains`.
inline constexpr int kMaxQueryValues = 100;
// Longest topic or domain a request may give, in bytes.
inline constexpr int kMaxQueryValueBytes = 256;

absl::StatusOr<Query> QueryFromRequest(
    const newsmeta::v1::ListArticlesRequest& request);
absl::StatusOr<Query> QueryFromRequest(
    const newsmeta::v1::StreamArticlesRequest& request);
// Summaries have no order.
absl::StatusOr<Query> QueryFromRequest(
    const newsmeta::v1::SummarizeArticlesRequest& request);

// Reads the optional timestamp `field` into `*out`, which stays as it is when
// `present` is false. INVALID_ARGUMENT INVALID_TIMESTAMP naming the field,
// its seconds and nanos, outside google.protobuf.Timestamp's range (years
// 0001 to 9999, nanos 0 to 999,999,999).
absl::Status ReadTimestampField(absl::string_view field, bool present,
                                const google::protobuf::Timestamp& timestamp,
                                std::optional<absl::Time>* out);

absl::StatusOr<HistogramInterval> ToHistogramInterval(
    newsmeta::v1::HistogramInterval interval);

// The view to serve: `requested`, or `fallback` when unspecified.
// INVALID_ARGUMENT for values the API does not define.
absl::StatusOr<newsmeta::v1::ArticleView> ResolveView(
    newsmeta::v1::ArticleView requested, newsmeta::v1::ArticleView fallback);

// Clears what `view` leaves out of `article`.
void ApplyView(newsmeta::v1::ArticleView view, newsmeta::v1::Article* article);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_QUERY_REQUEST_H_
