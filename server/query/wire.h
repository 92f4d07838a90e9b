// Protobuf wire-format pieces, for responses assembled from bytes that are
// already serialized (see Catalog::ArticleBytes).
#ifndef NEWSMETA_SERVER_QUERY_WIRE_H_
#define NEWSMETA_SERVER_QUERY_WIRE_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace newsmeta {

// Appends field `number` as a length-delimited value (a string, bytes or an
// embedded message), as a repeated field's element too. An empty value is
// appended only when `keep_empty` (proto3 leaves empty singular fields out).
void AppendBytesField(int number, absl::string_view bytes, std::string* out,
                      bool keep_empty = false);

// Appends field `number` as a varint; proto3 leaves zero out, and so does
// this.
void AppendVarintField(int number, uint64_t value, std::string* out);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_QUERY_WIRE_H_
