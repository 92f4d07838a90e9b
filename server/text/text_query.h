// The full-text part of a query: what the `text` field of a request asks for.
#ifndef NEWSMETA_SERVER_TEXT_TEXT_QUERY_H_
#define NEWSMETA_SERVER_TEXT_TEXT_QUERY_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace newsmeta {

// A parsed `text`. Each term is a list of folded tokens (see Tokenize): one
// token is a word, more are a phrase whose words must appear consecutively
// and in order, within the title or within the excerpt.
struct TextQuery {
  // Every one of these must match.
  std::vector<std::vector<std::string>> terms;
  // None of these may match.
  std::vector<std::vector<std::string>> excluded_terms;

  // True when the query asks for nothing (every document matches).
  bool empty() const;
};

// Longest `text` accepted, in bytes.
inline constexpr size_t kMaxTextBytes = 1024;
// Most terms (words, phrases and exclusions together) a `text` may hold.
inline constexpr int kMaxTextTerms = 32;

// Parses a search text: words separated by white space, "quoted phrases",
// and -word or -"phrase" to exclude. A word that Tokenize splits in several
// tokens ("e-mail", "AI/ML") is a phrase; a term with no token at all ("!!!")
// is ignored, and an empty or blank text gives an empty query. A `"` always
// opens (or closes) a phrase, even inside a word: `ab"c d"` is the word `ab`
// and the phrase "c d".
//
// INVALID_ARGUMENT, with a message starting "text: ", for an unterminated
// quote (giving its 1-based byte offset), a `-` with nothing after it, a text
// longer than kMaxTextBytes or with more than kMaxTextTerms terms.
absl::StatusOr<TextQuery> ParseTextQuery(absl::string_view text);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_TEXT_TEXT_QUERY_H_
