// WatchArticles' domain side: the resume token, the per-article matcher, the
// hub's history and the session's events (backfill, caught up, live,
// resume, falling behind), without gRPC.
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "newsmeta/v1/article.pb.h"
#include "newsmeta/v1/article_service.pb.h"
#include "test_util.h"
#include "watch/watch_hub.h"
#include "watch/watch_query.h"
#include "watch/watch_session.h"
#include "watch/watch_token.h"
#include "watch_test_util.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;
using ::newsmeta::v1::ArticleEvent;
using ::newsmeta::v1::WatchArticlesRequest;

Article MakeArticle(int id, int day, const std::string& title,
                    const std::string& topic = "AI") {
  Article article;
  article.set_name(Name(id));
  article.set_title(title);
  article.add_topics(topic);
  SetTime(
      Rfc3339(absl::StrCat("2024-01-", day < 10 ? "0" : "", day, "T00:00:00Z")),
      article.mutable_publish_time());
  article.set_source_file(absl::StrCat(id, ".md"));
  return article;
}

std::shared_ptr<const Catalog> Build(std::vector<Article> articles) {
  return Catalog::Build(std::move(articles)).catalog;
}

WatchArticlesRequest TopicRequest(const std::string& topic) {
  WatchArticlesRequest request;
  request.add_topics(topic);
  return request;
}

std::vector<std::string> Describe(const std::vector<ArticleEvent>& events) {
  std::vector<std::string> out;
  for (const ArticleEvent& event : events) {
    std::string type = ArticleEvent::Type_Name(event.type()).substr(5);
    out.push_back(event.name().empty() ? type
                                       : absl::StrCat(type, " ", event.name()));
  }
  return out;
}

TEST(WatchTokenTest, RoundTripsAndRefusesOtherQueriesAndGarbage) {
  WatchPoint point;
  point.version = "0123456789abcdef";
  point.next_version = "fedcba9876543210";
  point.applied = 3;
  point.backfill =
      BackfillPosition{Rfc3339("2024-01-02T03:04:05.5Z"), Name(42)};
  const std::string token = EncodeWatchToken("fp", point);
  absl::StatusOr<WatchPoint> decoded = DecodeWatchToken(token, "fp");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->version, point.version);
  EXPECT_EQ(decoded->next_version, point.next_version);
  EXPECT_EQ(decoded->applied, 3);
  ASSERT_TRUE(decoded->backfill.has_value());
  EXPECT_EQ(decoded->backfill->time, point.backfill->time);
  EXPECT_EQ(decoded->backfill->name, Name(42));

  EXPECT_TRUE(
      absl::IsInvalidArgument(DecodeWatchToken(token, "other").status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument(DecodeWatchToken("bm9wZQ", "fp").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(DecodeWatchToken("!!", "fp").status()));
}

TEST(WatchQueryTest, MatchesArticlesAsQueriesDo) {
  WatchArticlesRequest request;
  request.add_topics("ai");
  request.set_text("chips -memory");
  request.set_filter("quality >= 10");
  absl::StatusOr<WatchQuery> query = WatchQueryFromRequest(request);
  ASSERT_TRUE(query.ok()) << query.status();
  Article article = MakeArticle(1, 1, "New chips arrive");
  article.set_quality(20);
  std::vector<absl::string_view> topics;
  EXPECT_TRUE(ArticleMatches(query->query, FieldsOf(article, &topics)));
  article.set_quality(5);
  EXPECT_FALSE(ArticleMatches(query->query, FieldsOf(article, &topics)));
  article.set_quality(20);
  article.set_title("New memory chips");
  EXPECT_FALSE(ArticleMatches(query->query, FieldsOf(article, &topics)));
  article.set_title("New chips");
  article.clear_topics();
  article.add_topics("Energy");
  EXPECT_FALSE(ArticleMatches(query->query, FieldsOf(article, &topics)));
}

TEST(WatchQueryTest, RefusesBadFieldsNamingThem) {
  WatchArticlesRequest request;
  request.set_filter("quality >=");
  EXPECT_TRUE(absl::IsInvalidArgument(WatchQueryFromRequest(request).status()));
  request.clear_filter();
  request.mutable_backfill_start_time()->set_seconds(7);
  request.mutable_backfill_start_time()->set_nanos(-1);
  absl::Status status = WatchQueryFromRequest(request).status();
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_NE(status.message().find("backfill_start_time"), std::string::npos);
  // The same ErrorInfo as StreamArticles' start_time and end_time.
  google::rpc::ErrorInfo info;
  const absl::optional<absl::Cord> payload =
      status.GetPayload("type.googleapis.com/google.rpc.ErrorInfo");
  ASSERT_TRUE(payload.has_value()) << status;
  ASSERT_TRUE(info.ParseFromString(std::string(*payload)));
  EXPECT_EQ(info.reason(), "INVALID_TIMESTAMP");
  EXPECT_EQ(
      (std::map<std::string, std::string>(info.metadata().begin(),
                                          info.metadata().end())),
      (std::map<std::string, std::string>{{"nanos", "-1"}, {"seconds", "7"}}));
}

TEST(WatchSessionTest, BackfillsThenCatchesUpThenFollowsReloads) {
  WatchHub hub;
  hub.Publish(Build({MakeArticle(1, 2, "one"), MakeArticle(2, 1, "two"),
                     MakeArticle(3, 3, "three", "Energy")}));
  auto session = WatchSession::Open(&hub, TopicRequest("AI"));
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(Describe(Drain(**session)),
            (std::vector<std::string>{"EXISTING " + Name(2),
                                      "EXISTING " + Name(1), "CAUGHT_UP"}));

  // 1 changes, 2 leaves the topic, 3 joins it, 4 is new, and 5 is new in
  // another topic.
  Article one = MakeArticle(1, 2, "one, edited");
  hub.Publish(Build({one, MakeArticle(2, 1, "two", "Energy"),
                     MakeArticle(3, 3, "three"), MakeArticle(4, 4, "four"),
                     MakeArticle(5, 5, "five", "Energy")}));
  std::vector<ArticleEvent> events = Drain(**session);
  EXPECT_EQ(Describe(events), (std::vector<std::string>{
                                  "REMOVED " + Name(2), "UPDATED " + Name(1),
                                  "ADDED " + Name(3), "ADDED " + Name(4)}));
  EXPECT_EQ(events[1].article().title(), "one, edited");
  EXPECT_FALSE(events[0].has_article());
  EXPECT_EQ(events[3].catalog_version(), hub.head().catalog->version());

  hub.Publish(Build({MakeArticle(3, 3, "three")}));
  EXPECT_EQ(
      Describe(Drain(**session)),
      (std::vector<std::string>{"REMOVED " + Name(1), "REMOVED " + Name(4)}));

  WatchStep heartbeat = (*session)->Next(true);
  EXPECT_EQ(heartbeat.type, ArticleEvent::TYPE_HEARTBEAT);
}

TEST(WatchHubTest, KeepsTheBasicViewOfWhatWasThere) {
  // An article with FULL-only bytes (a body), edited, and another removed:
  // the history keeps their BASIC bytes before (all a query reads), the
  // edited one's FULL bytes after.
  Article one = MakeArticle(1, 2, "one");
  one.set_body(std::string(1000, 'b'));
  Article two = MakeArticle(2, 3, "two");
  two.set_body(std::string(1000, 'c'));
  WatchHub hub;
  hub.Publish(Build({one, two}));
  one.set_title("one, edited");
  const std::shared_ptr<const Catalog> after = Build({one});
  hub.Publish(after);
  const std::shared_ptr<const HistoryEntry> entry = hub.Entry(0);
  ASSERT_NE(entry, nullptr);
  ASSERT_EQ(entry->changes.size(), 2u);
  const WatchChange& edited = entry->changes[0];
  const WatchChange& removed = entry->changes[1];
  EXPECT_EQ(removed.name, Name(2));
  ASSERT_TRUE(edited.before && edited.after && removed.before);
  EXPECT_FALSE(removed.after);
  for (const StoredArticle* basic : {&*edited.before, &*removed.before}) {
    EXPECT_EQ(basic->wire.size(), basic->basic_size);
    Article parsed;
    ASSERT_TRUE(parsed.ParseFromString(basic->wire));
    EXPECT_TRUE(parsed.body().empty());
    EXPECT_FALSE(parsed.title().empty());
  }
  EXPECT_EQ(edited.after->wire,
            after->ArticleBytes(0, newsmeta::v1::ARTICLE_VIEW_FULL));
  EXPECT_LT(edited.after->basic_size, edited.after->wire.size());
  EXPECT_LT(entry->bytes, 2 * 1000u + 200u + 2 * sizeof(WatchChange));
}

TEST(WatchSessionTest, BackfillStartTimeBoundsOnlyTheBackfill) {
  WatchHub hub;
  hub.Publish(Build({MakeArticle(1, 1, "one"), MakeArticle(2, 5, "two")}));
  WatchArticlesRequest request = TopicRequest("AI");
  SetTime(Rfc3339("2024-01-03T00:00:00Z"),
          request.mutable_backfill_start_time());
  auto session = WatchSession::Open(&hub, request);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(Describe(Drain(**session)),
            (std::vector<std::string>{"EXISTING " + Name(2), "CAUGHT_UP"}));
  hub.Publish(Build({MakeArticle(1, 1, "one"), MakeArticle(2, 5, "two"),
                     MakeArticle(3, 2, "three")}));
  EXPECT_EQ(Describe(Drain(**session)),
            (std::vector<std::string>{"ADDED " + Name(3)}));
}

TEST(WatchSessionTest, TooOldTokenIsFailedPrecondition) {
  WatchHubOptions options;
  options.max_history_entries = 1;
  WatchHub hub(options);
  hub.Publish(Build({MakeArticle(1, 1, "one")}));
  auto session = WatchSession::Open(&hub, TopicRequest("AI"));
  ASSERT_TRUE(session.ok());
  std::vector<ArticleEvent> events = Drain(**session);
  const std::string token = events.back().resume_token();
  hub.Publish(Build({MakeArticle(1, 1, "one, 2")}));
  hub.Publish(Build({MakeArticle(1, 1, "one, 3")}));
  WatchArticlesRequest request = TopicRequest("AI");
  request.set_resume_token(token);
  absl::Status status = WatchSession::Open(&hub, request).status();
  EXPECT_TRUE(absl::IsFailedPrecondition(status)) << status;
  EXPECT_NE(status.message().find("no longer remembers"), std::string::npos);

  request.set_resume_token(events.back().resume_token());
  request.clear_topics();
  request.add_topics("Energy");
  EXPECT_TRUE(
      absl::IsInvalidArgument(WatchSession::Open(&hub, request).status()));
}

TEST(WatchSessionTest, WatcherTooFarBehindIsResourceExhaustedWithToken) {
  WatchHubOptions options;
  options.max_lag_changes = 2;
  WatchHub hub(options);
  hub.Publish(Build({MakeArticle(1, 1, "one")}));
  auto session = WatchSession::Open(&hub, TopicRequest("AI"));
  ASSERT_TRUE(session.ok());
  Drain(**session);
  const std::string delivered = (*session)->delivered_token();
  // Three reloads of one change each, none read: the first is being sent,
  // the two after it are within the bound; a fourth is one too many.
  for (int i = 2; i <= 5; ++i) {
    hub.Publish(Build({MakeArticle(1, 1, absl::StrCat("one ", i))}));
  }
  WatchStep step = (*session)->Next(false);
  ASSERT_EQ(step.kind, WatchStep::Kind::kEnd);
  EXPECT_TRUE(absl::IsResourceExhausted(step.status)) << step.status;
  EXPECT_NE(step.status.message().find(delivered), std::string::npos);
}

std::map<std::string, std::string> Expected(const SegmentedCatalog& catalog,
                                            const std::string& topic) {
  std::map<std::string, std::string> titles;
  for (const ArticleRef i : catalog.InOrder()) {
    const Article article = catalog.article(i);
    if (article.topics(0) == topic) titles[article.name()] = article.title();
  }
  return titles;
}

// Random catalogs published while a watcher reads a few events at a time
// and reconnects with its last token: it ends with exactly the matches,
// every event applying cleanly.
TEST(WatchSessionTest, ResumingAnywhereNeitherRepeatsNorLosesEvents) {
  std::mt19937 random(7);
  for (int round = 0; round < 30; ++round) {
    WatchHub hub;
    const auto random_catalog = [&random]() {
      std::vector<Article> articles;
      for (int id = 1; id <= 12; ++id) {
        if (random() % 4 == 0) continue;
        articles.push_back(MakeArticle(id, 1 + static_cast<int>(random() % 5),
                                       absl::StrCat("title ", random() % 3),
                                       random() % 3 == 0 ? "Energy" : "AI"));
      }
      return Build(std::move(articles));
    };
    hub.Publish(random_catalog());
    ClientState client;
    std::string token;
    for (int step = 0; step < 40; ++step) {
      if (random() % 3 == 0) hub.Publish(random_catalog());
      WatchArticlesRequest request = TopicRequest("AI");
      request.set_resume_token(token);
      auto session = WatchSession::Open(&hub, request);
      ASSERT_TRUE(session.ok()) << session.status();
      const int reads = static_cast<int>(random() % 6);
      for (int i = 0; i < reads; ++i) {
        WatchStep next = (*session)->Next(false);
        if (next.kind != WatchStep::Kind::kEvent) break;
        client.Apply(Parse(next));
        token = next.token;
        if (random() % 4 == 0) hub.Publish(random_catalog());
      }
    }
    WatchArticlesRequest request = TopicRequest("AI");
    request.set_resume_token(token);
    auto session = WatchSession::Open(&hub, request);
    ASSERT_TRUE(session.ok()) << session.status();
    for (const ArticleEvent& event : Drain(**session)) client.Apply(event);
    EXPECT_EQ(client.titles(), Expected(*hub.head().catalog, "AI"))
        << "round " << round;
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace newsmeta
