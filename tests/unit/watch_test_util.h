// Test helpers for WatchArticles sessions: reading their events, and the
// state a client builds from them.
#ifndef NEWSMETA_TESTS_UNIT_WATCH_TEST_UTIL_H_
#define NEWSMETA_TESTS_UNIT_WATCH_TEST_UTIL_H_

#include <map>
#include <string>
#include <vector>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "newsmeta/v1/article_service.pb.h"
#include "watch/watch_session.h"

namespace newsmeta {

// `message` serialized deterministically (map entries in key order), so
// equal messages give equal bytes.
inline std::string CanonicalBytes(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return bytes;
}

inline v1::ArticleEvent Parse(const WatchStep& step) {
  v1::ArticleEvent event;
  EXPECT_TRUE(event.ParseFromString(step.event));
  return event;
}

// Reads events until the session is idle; fails on kEnd.
inline std::vector<v1::ArticleEvent> Drain(WatchSession& session) {
  std::vector<v1::ArticleEvent> events;
  for (int i = 0; i < 10000; ++i) {
    WatchStep step = session.Next(false);
    if (step.kind == WatchStep::Kind::kIdle) return events;
    EXPECT_EQ(step.kind, WatchStep::Kind::kEvent) << step.status;
    if (step.kind != WatchStep::Kind::kEvent) return events;
    session.Delivered(step.token);
    events.push_back(Parse(step));
  }
  ADD_FAILURE() << "the session never went idle";
  return events;
}

// The state a client builds from events; fails on any event that repeats or
// skips one (EXISTING or ADDED of a name it has, UPDATED or REMOVED of one
// it lacks).
class ClientState {
 public:
  void Apply(const v1::ArticleEvent& event) {
    switch (event.type()) {
      case v1::ArticleEvent::TYPE_EXISTING:
      case v1::ArticleEvent::TYPE_ADDED:
        EXPECT_EQ(titles_.count(event.name()), 0u)
            << "duplicate " << event.name();
        titles_[event.name()] = event.article().title();
        articles_[event.name()] = CanonicalBytes(event.article());
        break;
      case v1::ArticleEvent::TYPE_UPDATED:
        EXPECT_EQ(titles_.count(event.name()), 1u) << "gap " << event.name();
        titles_[event.name()] = event.article().title();
        articles_[event.name()] = CanonicalBytes(event.article());
        break;
      case v1::ArticleEvent::TYPE_REMOVED:
        EXPECT_EQ(titles_.erase(event.name()), 1u) << "gap " << event.name();
        articles_.erase(event.name());
        break;
      default:
        break;
    }
  }
  const std::map<std::string, std::string>& titles() const { return titles_; }
  // Each article as its event gave it (CanonicalBytes).
  const std::map<std::string, std::string>& articles() const {
    return articles_;
  }

 private:
  std::map<std::string, std::string> titles_;
  std::map<std::string, std::string> articles_;
};

}  // namespace newsmeta

#endif  // NEWSMETA_TESTS_UNIT_WATCH_TEST_UTIL_H_
