// How the client prints articles: a table for people, JSON lines for tools.
#ifndef NEWSMETA_CLIENT_OUTPUT_H_
#define NEWSMETA_CLIENT_OUTPUT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "newsmeta/v1/article.pb.h"

namespace newsmeta {

// The header of the table that ArticleRow fills.
std::string TableHeader();

// One table row: publish time (UTC), name, provider domain, title.
std::string ArticleRow(const newsmeta::v1::Article& article);

// Canonical proto3 JSON on one line.
std::string ArticleJson(const newsmeta::v1::Article& article);

// `text` cut to at most `max_chars` code points, with "…" when cut; never
// splits a UTF-8 sequence.
std::string Truncate(absl::string_view text, size_t max_chars);

}  // namespace newsmeta

#endif  // NEWSMETA_CLIENT_OUTPUT_H_
