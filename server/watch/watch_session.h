// One WatchArticles call, transport-free: produces its events one at a time,
// as the stream is ready for them, from the catalog (backfill) and the
// hub's history (live). Holds no queue: its memory is a cursor.
#ifndef NEWSMETA_SERVER_WATCH_WATCH_SESSION_H_
#define NEWSMETA_SERVER_WATCH_WATCH_SESSION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "catalog/catalog.h"
#include "newsmeta/v1/article_service.pb.h"
#include "query/ordered_matches.h"
#include "watch/watch_hub.h"
#include "watch/watch_query.h"
#include "watch/watch_token.h"

namespace newsmeta {

// Trailing metadata key that carries the last delivered resume token when a
// watch ends with RESOURCE_EXHAUSTED or UNAVAILABLE.
inline constexpr char kResumeTokenTrailer[] = "newsmeta-resume-token";

struct WatchStep {
  enum class Kind {
    // `event` holds an ArticleEvent's wire bytes, to send.
    kEvent,
    // Nothing to send until the hub wakes the session again.
    kIdle,
    // The call must end with `status`.
    kEnd,
  };
  Kind kind = Kind::kIdle;
  std::string event;
  newsmeta::v1::ArticleEvent::Type type =
      newsmeta::v1::ArticleEvent::TYPE_UNSPECIFIED;
  // The event's resume_token.
  std::string token;
  absl::Status status;
};

class WatchSession {
 public:
  // Validates the request and places the session: at the start of the
  // backfill, or where the resume token says. INVALID_ARGUMENT for a bad
  // field or token; FAILED_PRECONDITION for a token naming a catalog state
  // the hub no longer remembers; UNAVAILABLE while no catalog is loaded or
  // the hub is closing. `hub` must outlive the session.
  static absl::StatusOr<std::unique_ptr<WatchSession>> Open(
      const WatchHub* hub, const newsmeta::v1::WatchArticlesRequest& request);

  // The next step. `heartbeat` asks for a HEARTBEAT when there is nothing
  // else to send. Once kEnd is returned, call no more.
  WatchStep Next(bool heartbeat);

  // The event whose token is `token` reached the caller (its write
  // completed): the token to name when the call is ended.
  void Delivered(std::string token) { delivered_token_ = std::move(token); }
  const std::string& delivered_token() const { return delivered_token_; }

  // The status that ends the call when the hub is closing: UNAVAILABLE,
  // naming the last delivered token.
  absl::Status Closing() const;

  // The version of the catalog the session started on.
  const std::string& start_version() const { return start_version_; }

 private:
  enum class Phase { kReplay, kBackfill, kLive };

  WatchSession(const WatchHub* hub, WatchQuery query);

  // The event of the next change of the history that concerns the caller
  // (within `backfill_` while replaying); nullopt when the cursor reached
  // `stop_seq` or the hub's head. Sets `*fell_out` when the cursor's entry
  // left the history.
  std::optional<WatchStep> NextChange(int64_t stop_seq, bool* fell_out);
  // Whether the caller holds, or is to hold, this version of an article.
  bool Concerns(const StoredArticle& article) const;
  WatchStep Event(newsmeta::v1::ArticleEvent::Type type, absl::string_view name,
                  std::optional<absl::string_view> article,
                  absl::string_view version) const;
  // The wire bytes of `article` in the requested view.
  absl::string_view InView(const StoredArticle& article) const;
  // RESOURCE_EXHAUSTED when the caller fell too far behind.
  std::optional<WatchStep> CheckLag() const;
  WatchStep End(absl::Status status) const;

  const WatchHub* hub_;
  const WatchQuery query_;
  // The backfill's query: query_ with the backfill start applied.
  Query backfill_query_;
  Phase phase_ = Phase::kLive;
  std::string start_version_;

  // Replay and live: the history cursor and the state it stands for.
  HistoryCursor cursor_;
  WatchPoint point_;
  std::shared_ptr<const HistoryEntry> entry_;  // cursor_.seq's, when read

  // Backfill: the catalog it walks (released at its end), the cursor into
  // it, and the seq at which the live part starts.
  std::shared_ptr<const SegmentedCatalog> catalog_;
  std::unique_ptr<OrderedMatches> backfill_cursor_;
  int64_t backfill_seq_ = 0;
  // CAUGHT_UP goes out once the cursor reaches this seq.
  int64_t caught_up_seq_ = 0;
  bool caught_up_sent_ = false;
  std::string delivered_token_;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_WATCH_WATCH_SESSION_H_
