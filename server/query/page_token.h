// Page tokens (AIP-158): opaque, stateless, bound to the query they page.
//
// A token carries a fingerprint of the query and the position (publish_time,
// name) of the last article of its page. The next page starts after that
// position, so a token works on any replica loaded with the same seeds, and
// needs no state on the server.
#ifndef NEWSMETA_SERVER_QUERY_PAGE_TOKEN_H_
#define NEWSMETA_SERVER_QUERY_PAGE_TOKEN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "query/cursor.h"
#include "query/query.h"

namespace newsmeta {

// `fingerprint` is QueryFingerprint(query): callers that encode and decode
// for the same query compute it once.
std::string EncodePageToken(uint64_t fingerprint, const Position& last);
std::string EncodePageToken(const Query& query, const Position& last);

// The position in `token`. INVALID_ARGUMENT naming `page_token` when the token
// is malformed or was issued for another query.
absl::StatusOr<Position> DecodePageToken(absl::string_view token,
                                         uint64_t fingerprint);
absl::StatusOr<Position> DecodePageToken(absl::string_view token,
                                         const Query& query);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_QUERY_PAGE_TOKEN_H_
