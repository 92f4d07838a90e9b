// How the client prints articles: a table for people, JSON lines for tools.
#ifndef NEWSMETA_CLIENT_OUTPUT_H_
#define NEWSMETA_CLIENT_OUTPUT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "newsmeta/v1/article.pb.h"

namespace newsmeta {

// The header of the table that ArticleRow fills.
std::string TableHeader();

// One table row: publish time (UTC), name, provider domain, title.
std::string ArticleRow(const newsmeta::v1::Article& article);

// Canonical proto3 JSON on one line.
std::string ArticleJson(const newsmeta::v1::Article& article);

// A horizontal bar chart, one row per (label, count): the label, a bar of
// "█" scaled so the largest count fills `width` cells (any non-zero count
// gets at least one), and the count.
std::string BarChart(const std::vector<std::pair<std::string, int64_t>>& rows,
                     int width);

// Readable lines for the details of an error (the serialized
// google.rpc.Status of grpc-status-details-bin): the ErrorInfo reason,
// domain and metadata, and each BadRequest field violation; empty when there
// are none.
std::string DescribeErrorDetails(const std::string& serialized_status);

// `text` cut to at most `max_chars` code points, with "…" when cut; never
// splits a UTF-8 sequence.
std::string Truncate(absl::string_view text, size_t max_chars);

}  // namespace newsmeta

#endif  // NEWSMETA_CLIENT_OUTPUT_H_
