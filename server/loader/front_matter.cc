#include "loader/front_matter.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace newsmeta {
namespace {

constexpr absl::string_view kByteOrderMark = "\xEF\xBB\xBF";

// Returns the line starting at `*pos` without its line end and advances `*pos`
// past the line end.
absl::string_view NextLine(absl::string_view text, size_t* pos) {
  const size_t end = text.find('\n', *pos);
  absl::string_view line =
      text.substr(*pos, end == absl::string_view::npos ? end : end - *pos);
  *pos = end == absl::string_view::npos ? text.size() : end + 1;
  absl::ConsumeSuffix(&line, "\r");
  return line;
}

bool IsDelimiter(absl::string_view line, bool closing) {
  line = absl::StripTrailingAsciiWhitespace(line);
  return line == "---" || (closing && line == "...");
}

}  // namespace

absl::StatusOr<FrontMatter> SplitFrontMatter(absl::string_view content) {
  absl::ConsumePrefix(&content, kByteOrderMark);
  if (content.empty()) {
    return absl::InvalidArgumentError("1: the file is empty");
  }
  size_t pos = 0;
  if (!IsDelimiter(NextLine(content, &pos), /*closing=*/false)) {
    return absl::InvalidArgumentError(
        "1: no front matter: a seed must start with a line '---'");
  }
  FrontMatter result;
  int line_number = 1;
  while (pos < content.size()) {
    const absl::string_view line = NextLine(content, &pos);
    ++line_number;
    if (IsDelimiter(line, /*closing=*/true)) {
      result.body = std::string(content.substr(pos));
      return result;
    }
    absl::StrAppend(&result.yaml, line, "\n");
  }
  return absl::InvalidArgumentError(absl::StrCat(
      line_number,
      ": unterminated front matter: no closing line '---' after line 1"));
}

}  // namespace newsmeta
