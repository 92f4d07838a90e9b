// Strict UTF-8 validation (RFC 3629): no overlong forms, no surrogates, nothing
// above U+10FFFF. Protobuf refuses to serialize string fields that fail this,
// so the loader checks seeds with it before they reach a message.
#ifndef NEWSMETA_SERVER_UTIL_UTF8_H_
#define NEWSMETA_SERVER_UTIL_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace newsmeta {

// Returns the byte offset of the first byte that does not start a valid UTF-8
// sequence, or `text.size()` when all of `text` is valid.
size_t FindInvalidUtf8(absl::string_view text);

inline bool IsValidUtf8(absl::string_view text) {
  return FindInvalidUtf8(text) == text.size();
}

// Appends the UTF-8 encoding of `code_point` (at most U+10FFFF; a surrogate
// is encoded as it is, which is not valid UTF-8) to `out`.
void AppendUtf8(uint32_t code_point, std::string* out);

// The two ways FindInvalidUtf8 has, for tests and benchmarks.
namespace utf8_internal {
// A byte at a time, with ASCII eight bytes at a time.
size_t FindInvalidUtf8Portable(absl::string_view text);
// Whether this CPU has SSSE3 (x86-64 only; false elsewhere).
bool HasSsse3();
// Sixteen bytes at a time; call only when HasSsse3().
bool IsValidUtf8Ssse3(absl::string_view text);
}  // namespace utf8_internal

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_UTIL_UTF8_H_
