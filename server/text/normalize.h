// Text normalisation for search: case- and accent-insensitive matching.
#ifndef NEWSMETA_SERVER_TEXT_NORMALIZE_H_
#define NEWSMETA_SERVER_TEXT_NORMALIZE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"

namespace newsmeta {

// Lower-cases `text` and strips accents: "Économie" → "economie",
// "Straße" → "strasse", "Œuvre" → "oeuvre". Covers Latin (Latin-1 Supplement,
// Latin Extended-A), Greek and Cyrillic capitals; other characters are kept
// as they are. `text` must be valid UTF-8 (the loader guarantees it); invalid
// bytes are kept unchanged.
std::string FoldText(absl::string_view text);

// The words of `text`, folded, in order. A word is a run of letters and
// digits: ASCII ones, and every code point from U+00C0 up except punctuation
// and symbols of the General Punctuation block (U+2000–U+206F), the CJK
// symbols (U+3000–U+303F), the multiplication and division signs and the
// byte order mark.
std::vector<std::string> Tokenize(absl::string_view text);

// Names what Tokenize and ForEachToken return for any text: text indexes
// saved in snapshots record it, and one made with another version is built
// again from the articles. Add one whenever a change to FoldText or to what
// makes a word gives some text other tokens (text_test.cc's
// TokenizerVersionNamesTheseTokens then fails until it is raised).
inline constexpr uint32_t kTokenizerVersion = 1;

// Calls `fn` with each word of `text`, folded, in order (the words Tokenize
// returns), without making a string of each.
void ForEachToken(absl::string_view text,
                  absl::FunctionRef<void(absl::string_view)> fn);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_TEXT_NORMALIZE_H_
