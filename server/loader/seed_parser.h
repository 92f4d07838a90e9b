// Turns one seed document into an Article.
#ifndef NEWSMETA_SERVER_LOADER_SEED_PARSER_H_
#define NEWSMETA_SERVER_LOADER_SEED_PARSER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "newsmeta/v1/article.pb.h"

namespace newsmeta {

// Limits on what one seed may hold beyond its size; unknown fields are
// converted under these so that deep nesting or YAML alias bombs cannot
// exhaust the stack or memory.
struct SeedLimits {
  // Nesting depth of maps and sequences kept in `extra_fields`. Each level
  // costs protobuf two message levels (Value, then Struct or ListValue), and
  // parsers refuse messages nested deeper than 100, so deeper seeds could be
  // served but not read back by clients.
  int max_depth = 24;
  // Values (scalars, maps, sequences) kept in all `extra_fields` of one seed,
  // counting every expansion of a YAML alias.
  int max_extra_values = 10000;
  // Bytes a seed may expand to: the text of every value read (a YAML alias
  // counts each time it is used) plus a small cost per value and per list
  // item. A seed without aliases stays far below it (files are at most
  // --max_seed_bytes, 4 MiB by default); alias bombs hit it early.
  int64_t max_expanded_bytes = 16 << 20;
};

// Parses `content`, the bytes of the seed at `source_file` (relative to the
// seeds folder). Errors are INVALID_ARGUMENT with a message of the form
// `<source_file>:<line>:<column>: <reason>` (line and column when known).
absl::StatusOr<newsmeta::v1::Article> ParseSeed(absl::string_view content,
                                                absl::string_view source_file,
                                                const SeedLimits& limits = {});

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_LOADER_SEED_PARSER_H_
