#include "text/text_query.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "text/normalize.h"

namespace newsmeta {

bool TextQuery::empty() const {
  return terms.empty() && excluded_terms.empty();
}

absl::StatusOr<TextQuery> ParseTextQuery(absl::string_view text) {
  if (text.size() > kMaxTextBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("text: ", text.size(), " bytes long; at most ",
                     kMaxTextBytes, " are allowed"));
  }
  TextQuery query;
  int term_count = 0;
  size_t i = 0;
  while (true) {
    while (i < text.size() && absl::ascii_isspace(text[i])) ++i;
    if (i == text.size()) break;
    bool excluded = false;
    if (text[i] == '-') {
      const size_t dash = i;
      excluded = true;
      ++i;
      if (i == text.size() || absl::ascii_isspace(text[i])) {
        return absl::InvalidArgumentError(
            absl::StrCat("text: the '-' at byte ", dash + 1,
                         " has nothing after it; write -word or "
                         "-\"a phrase\" to exclude"));
      }
    }
    absl::string_view body;
    if (text[i] == '"') {
      const size_t close = text.find('"', i + 1);
      if (close == absl::string_view::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("text: the quote at byte ", i + 1,
                         " is never closed; end the phrase with another '\"'"));
      }
      body = text.substr(i + 1, close - i - 1);
      i = close + 1;
    } else {
      const size_t start = i;
      while (i < text.size() && !absl::ascii_isspace(text[i]) &&
             text[i] != '"') {
        ++i;
      }
      body = text.substr(start, i - start);
    }
    std::vector<std::string> tokens = Tokenize(body);
    if (tokens.empty()) continue;
    ++term_count;
    (excluded ? query.excluded_terms : query.terms)
        .push_back(std::move(tokens));
  }
  if (term_count > kMaxTextTerms) {
    return absl::InvalidArgumentError(
        absl::StrCat("text: ", term_count,
                     " terms (words, phrases and exclusions); at most ",
                     kMaxTextTerms, " are allowed"));
  }
  return query;
}

}  // namespace newsmeta
