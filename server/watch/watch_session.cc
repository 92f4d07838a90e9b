#include "watch/watch_session.h"

#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "query/wire.h"
#include "util/errors.h"
#include "util/status_macros.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::ArticleEvent;

constexpr int kArticleField = 2;  // ArticleEvent.article

absl::Status CatalogLoading() {
  return Error(absl::StatusCode::kUnavailable, "CATALOG_LOADING",
               "the catalog is still loading; retry in a moment");
}

absl::Status ShuttingDown(const std::string& token) {
  return Error(absl::StatusCode::kUnavailable, "SERVER_SHUTTING_DOWN",
               token.empty()
                   ? "the server is shutting down; start the watch again "
                     "(another replica will take it)"
                   : absl::StrCat("the server is shutting down; resume with "
                                  "resume_token ",
                                  token, " (also in the trailing metadata ",
                                  kResumeTokenTrailer, ")"),
               {{"resume_token", token}});
}

}  // namespace

WatchSession::WatchSession(const WatchHub* hub, WatchQuery query)
    : hub_(hub), query_(std::move(query)), backfill_query_(query_.query) {
  if (query_.backfill_start &&
      (!backfill_query_.start_time ||
       *query_.backfill_start > *backfill_query_.start_time)) {
    backfill_query_.start_time = query_.backfill_start;
  }
}

absl::StatusOr<std::unique_ptr<WatchSession>> WatchSession::Open(
    const WatchHub* hub, const newsmeta::v1::WatchArticlesRequest& request) {
  ASSIGN_OR_RETURN(WatchQuery query, WatchQueryFromRequest(request));
  std::unique_ptr<WatchSession> session(
      new WatchSession(hub, std::move(query)));
  WatchHub::Head head = hub->head();
  if (head.closing) return ShuttingDown(request.resume_token());
  if (head.catalog == nullptr) return CatalogLoading();
  session->start_version_ = head.catalog->version();

  if (request.resume_token().empty()) {
    session->phase_ = Phase::kBackfill;
    session->catalog_ = head.catalog;
    session->cursor_ = HistoryCursor{head.seq, 0};
    session->point_.version = head.catalog->version();
    session->backfill_seq_ = head.seq;
    session->caught_up_seq_ = head.seq;
    session->backfill_cursor_ = std::make_unique<OrderedMatches>(
        *session->catalog_, session->backfill_query_);
    return session;
  }

  ASSIGN_OR_RETURN(
      WatchPoint point,
      DecodeWatchToken(request.resume_token(), session->query_.fingerprint));
  // Locate first, then take the head: the head is then at or after the
  // cursor, and the replay up to it brings the caller to its catalog.
  const std::optional<HistoryCursor> at =
      hub->Locate(point.version, point.next_version, point.applied);
  if (!at) {
    return Error(
        absl::StatusCode::kFailedPrecondition, "RESUME_TOKEN_EXPIRED",
        absl::StrCat("resume token names catalog version ", point.version,
                     " which this server no longer remembers (it serves "
                     "version ",
                     head.catalog->version(),
                     " and remembers the changes of its last ",
                     hub->history_entries(),
                     " reloads); start a new watch with backfill"),
        {{"version", point.version},
         {"current_version", head.catalog->version()}});
  }
  if (point.applied == 0) point.next_version.clear();
  head = hub->head();
  session->start_version_ = head.catalog->version();
  session->cursor_ = *at;
  session->point_ = std::move(point);
  session->caught_up_seq_ = head.seq;
  if (session->point_.backfill) {
    session->phase_ = Phase::kReplay;
    session->catalog_ = head.catalog;
    session->backfill_seq_ = head.seq;
  } else {
    session->phase_ = Phase::kLive;
  }
  return session;
}

absl::Status WatchSession::Closing() const {
  return ShuttingDown(delivered_token_);
}

WatchStep WatchSession::End(absl::Status status) const {
  WatchStep step;
  step.kind = WatchStep::Kind::kEnd;
  step.status = std::move(status);
  return step;
}

std::optional<WatchStep> WatchSession::CheckLag() const {
  const std::optional<int64_t> lag = hub_->Lag(cursor_);
  if (lag && *lag <= hub_->options().max_lag_changes) return std::nullopt;
  return End(Error(
      absl::StatusCode::kResourceExhausted, "WATCH_TOO_SLOW",
      delivered_token_.empty()
          ? std::string("the watch fell too far behind the catalog's changes "
                        "before any event reached it; start a new watch and "
                        "read faster")
          : absl::StrCat("the watch fell too far behind the catalog's "
                         "changes; resume with resume_token ",
                         delivered_token_, " (also in the trailing metadata ",
                         kResumeTokenTrailer, ") and read faster"),
      {{"resume_token", delivered_token_}}));
}

absl::string_view WatchSession::InView(const StoredArticle& article) const {
  absl::string_view wire = article.wire;
  if (query_.view == newsmeta::v1::ARTICLE_VIEW_FULL) return wire;
  return wire.substr(0, article.basic_size);
}

bool WatchSession::Concerns(const StoredArticle& article) const {
  ArticleFields fields;
  std::vector<absl::string_view> topics;
  if (!ScanFields(article.wire, &fields, &topics)) return false;
  fields.topics = topics;
  if (!ArticleMatches(query_.query, fields)) return false;
  if (phase_ != Phase::kReplay) return true;
  // Replaying for an interrupted backfill: the caller holds only the
  // backfilled part; the rest comes with the backfill's continuation.
  if (query_.backfill_start && fields.publish_time < *query_.backfill_start) {
    return false;
  }
  const BackfillPosition& last = *point_.backfill;
  return fields.publish_time < last.time ||
         (fields.publish_time == last.time && fields.name <= last.name);
}

WatchStep WatchSession::Event(ArticleEvent::Type type, absl::string_view name,
                              std::optional<absl::string_view> article,
                              absl::string_view version) const {
  ArticleEvent event;
  event.set_type(type);
  event.set_name(std::string(name));
  WatchStep step;
  step.kind = WatchStep::Kind::kEvent;
  step.type = type;
  step.token = EncodeWatchToken(query_.fingerprint, point_);
  event.set_resume_token(step.token);
  event.set_catalog_version(std::string(version));
  event.SerializeToString(&step.event);
  // The article goes in as the catalog's bytes, not re-serialized.
  if (article) {
    AppendBytesField(kArticleField, *article, &step.event,
                     /*keep_empty=*/true);
  }
  return step;
}

std::optional<WatchStep> WatchSession::NextChange(int64_t stop_seq,
                                                  bool* fell_out) {
  while (cursor_.seq < stop_seq) {
    if (entry_ == nullptr || entry_->seq != cursor_.seq) {
      entry_ = hub_->Entry(cursor_.seq);
      if (entry_ == nullptr) {
        *fell_out = !hub_->Lag(cursor_).has_value();
        return std::nullopt;
      }
    }
    const std::shared_ptr<const HistoryEntry> entry = entry_;
    const int64_t size = static_cast<int64_t>(entry->changes.size());
    if (cursor_.applied >= size) {
      cursor_ = HistoryCursor{entry->seq + 1, 0};
      point_.version = entry->to_version;
      point_.next_version.clear();
      point_.applied = 0;
      continue;
    }
    const WatchChange& change =
        entry->changes[static_cast<size_t>(cursor_.applied)];
    ++cursor_.applied;
    if (cursor_.applied == size) {
      cursor_ = HistoryCursor{entry->seq + 1, 0};
      point_.version = entry->to_version;
      point_.next_version.clear();
      point_.applied = 0;
    } else {
      point_.version = entry->from_version;
      point_.next_version = entry->to_version;
      point_.applied = cursor_.applied;
    }
    const bool before = change.before && Concerns(*change.before);
    const bool after = change.after && Concerns(*change.after);
    if (before && after) {
      return Event(ArticleEvent::TYPE_UPDATED, change.name,
                   InView(*change.after), entry->to_version);
    }
    if (after) {
      return Event(ArticleEvent::TYPE_ADDED, change.name, InView(*change.after),
                   entry->to_version);
    }
    if (before) {
      return Event(ArticleEvent::TYPE_REMOVED, change.name, std::nullopt,
                   entry->to_version);
    }
  }
  return std::nullopt;
}

WatchStep WatchSession::Next(bool heartbeat) {
  while (true) {
    switch (phase_) {
      case Phase::kReplay: {
        bool fell_out = false;
        std::optional<WatchStep> step = NextChange(backfill_seq_, &fell_out);
        if (fell_out) return *CheckLag();
        if (step) return *std::move(step);
        // Replayed up to the catalog the backfill continues on.
        const Position after{point_.backfill->time, 0, 0,
                             point_.backfill->name};
        backfill_cursor_ =
            std::make_unique<OrderedMatches>(*catalog_, backfill_query_, after);
        phase_ = Phase::kBackfill;
        break;
      }
      case Phase::kBackfill: {
        if (std::optional<WatchStep> lagged = CheckLag()) return *lagged;
        if (const std::optional<ArticleRef> i = backfill_cursor_->Next()) {
          const ArticleFields& fields = catalog_->fields(*i);
          point_.backfill =
              BackfillPosition{fields.publish_time, std::string(fields.name)};
          return Event(ArticleEvent::TYPE_EXISTING, fields.name,
                       catalog_->ArticleBytes(*i, query_.view),
                       catalog_->version());
        }
        backfill_cursor_.reset();
        catalog_.reset();
        point_.backfill.reset();
        phase_ = Phase::kLive;
        break;
      }
      case Phase::kLive: {
        if (!caught_up_sent_ && cursor_.seq >= caught_up_seq_) {
          caught_up_sent_ = true;
          return Event(ArticleEvent::TYPE_CAUGHT_UP, "", std::nullopt,
                       point_.version);
        }
        if (std::optional<WatchStep> lagged = CheckLag()) return *lagged;
        bool fell_out = false;
        std::optional<WatchStep> step =
            NextChange(caught_up_sent_ ? std::numeric_limits<int64_t>::max()
                                       : caught_up_seq_,
                       &fell_out);
        if (fell_out) return *CheckLag();
        if (step) return *std::move(step);
        if (!caught_up_sent_) break;  // reached caught_up_seq_
        if (heartbeat) {
          return Event(ArticleEvent::TYPE_HEARTBEAT, "", std::nullopt,
                       point_.version);
        }
        return WatchStep{};
      }
    }
  }
}

}  // namespace newsmeta
