// SHA-256 digests as lowercase hex, for identifiers that must be the same on
// every replica and across restarts (article ids, query fingerprints).
#ifndef NEWSMETA_SERVER_UTIL_SHA256_H_
#define NEWSMETA_SERVER_UTIL_SHA256_H_

#include <string>

#include "absl/strings/string_view.h"

namespace newsmeta {

// Returns the 64 lowercase hex digits of SHA-256(`data`).
std::string Sha256Hex(absl::string_view data);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_UTIL_SHA256_H_
