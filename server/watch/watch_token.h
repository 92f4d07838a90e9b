// Resume tokens of WatchArticles: opaque to callers, stateless on the server.
//
// A token names what the caller has been sent, as a catalog state: the
// catalog version whose matches it holds (all of them, or during the
// backfill those up to a position in publish-time order), plus how many
// changes of the next diff it has already been through. Catalog versions are
// content hashes, so a token works on any replica, and across restarts,
// that serves the same catalog (or still remembers that version).
#ifndef NEWSMETA_SERVER_WATCH_WATCH_TOKEN_H_
#define NEWSMETA_SERVER_WATCH_WATCH_TOKEN_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace newsmeta {

// Where a backfill stopped: the last article sent, by (publish_time, name).
struct BackfillPosition {
  absl::Time time;
  std::string name;
};

struct WatchPoint {
  // The caller holds the matches of the catalog of this version...
  std::string version;
  // ...to which the first `applied` changes of the diff from `version` to
  // `next_version` have been applied (none when `next_version` is empty).
  std::string next_version;
  int64_t applied = 0;
  // Set while backfilling: the caller holds only the matches up to this
  // position (inclusive); the backfill continues after it.
  std::optional<BackfillPosition> backfill;
};

std::string EncodeWatchToken(absl::string_view fingerprint,
                             const WatchPoint& point);

// INVALID_ARGUMENT naming `resume_token` when it is malformed or was issued
// for another query (fingerprint).
absl::StatusOr<WatchPoint> DecodeWatchToken(absl::string_view token,
                                            absl::string_view fingerprint);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_WATCH_WATCH_TOKEN_H_
