// Splits a seed document into its YAML front matter and its body.
#ifndef NEWSMETA_SERVER_LOADER_FRONT_MATTER_H_
#define NEWSMETA_SERVER_LOADER_FRONT_MATTER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace newsmeta {

struct FrontMatter {
  // The YAML between the opening and closing `---` lines, with LF line ends.
  std::string yaml;
  // 1-based line of the file on which `yaml` starts.
  int first_line = 2;
  // Everything after the closing line, byte for byte.
  std::string body;
};

// Splits `content`: an optional UTF-8 byte order mark, a line `---`, the YAML,
// a closing line `---` (or `...`), then the body. CRLF line ends are accepted.
// Errors are INVALID_ARGUMENT with a message that starts with the 1-based line
// (`3: ...`) where one applies; the caller adds the file name.
absl::StatusOr<FrontMatter> SplitFrontMatter(absl::string_view content);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_LOADER_FRONT_MATTER_H_
