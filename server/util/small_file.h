// Reads small configuration files (certificates, keys, token lists) whole.
#ifndef NEWSMETA_SERVER_UTIL_SMALL_FILE_H_
#define NEWSMETA_SERVER_UTIL_SMALL_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace newsmeta {

// The contents of the regular file at `path` (symbolic links followed).
// INVALID_ARGUMENT starting with the path when it cannot be opened or read,
// is not a regular file, or is larger than `max_bytes`.
absl::StatusOr<std::string> ReadSmallFile(const std::string& path,
                                          int64_t max_bytes);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_UTIL_SMALL_FILE_H_
