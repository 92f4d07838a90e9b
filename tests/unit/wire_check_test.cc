#include "loader/wire_check.h"

#include <random>
#include <string>

#include "gen_seeds/corpus.h"
#include "gtest/gtest.h"
#include "newsmeta/v1/article.pb.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;

constexpr absl::string_view kMarker = "@@MARK@@";

Article SomeArticle(int index) {
  CorpusOptions options;
  options.count = 50;
  return GenerateArticle(options, index);
}

// `wire` with the first kMarker replaced by `bytes` of the same length.
std::string Patched(std::string wire, absl::string_view bytes) {
  const size_t at = wire.find(kMarker.data(), 0, kMarker.size());
  EXPECT_NE(at, std::string::npos);
  EXPECT_EQ(bytes.size(), kMarker.size());
  if (at != std::string::npos) wire.replace(at, bytes.size(), bytes.data(), bytes.size());
  return wire;
}

// A Struct value nested `levels` Structs deep.
google::protobuf::Value Nested(int levels) {
  google::protobuf::Value value;
  value.set_string_value("leaf");
  for (int i = 0; i < levels; ++i) {
    google::protobuf::Value outer;
    (*outer.mutable_struct_value()->mutable_fields())["k"] = value;
    value = outer;
  }
  return value;
}

TEST(WireCheckerTest, AcceptsWhatProtobufWrites) {
  const WireChecker checker(Article::descriptor());
  for (int i = 0; i < 50; ++i) {
    const std::string wire = SomeArticle(i).SerializeAsString();
    EXPECT_TRUE(checker.Check(wire)) << i;
  }
  EXPECT_TRUE(checker.Check(""));
}

TEST(WireCheckerTest, SkipsUnknownFieldsAsTheParserKeepsThem) {
  const WireChecker checker(Article::descriptor());
  std::string wire = SomeArticle(1).SerializeAsString();
  // Field 50 (unknown) as a varint, a length-delimited value holding bytes
  // that are not UTF-8, a fixed32 and a fixed64.
  wire += std::string("\x90\x03\x05", 3);
  wire += std::string("\x92\x03\x02\xFF\xFE", 5);
  wire += std::string("\x95\x03\x01\x02\x03\x04", 6);
  wire += std::string("\x91\x03\x01\x02\x03\x04\x05\x06\x07\x08", 10);
  Article parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));
  EXPECT_TRUE(checker.Check(wire));
}

TEST(WireCheckerTest, RefusesInvalidUtf8InStringsAtAnyDepth) {
  const WireChecker checker(Article::descriptor());
  const std::string bad("\xC3\x28@@MARK", kMarker.size());  // a broken é
  Article article = SomeArticle(2);
  const auto expect_refused = [&](const Article& marked, const char* where) {
    const std::string wire = Patched(marked.SerializeAsString(), bad);
    Article parsed;
    EXPECT_FALSE(parsed.ParseFromString(wire)) << where;
    EXPECT_FALSE(checker.Check(wire)) << where;
  };
  Article title = article;
  title.set_title(std::string(kMarker));
  expect_refused(title, "title");
  Article provider = article;
  provider.mutable_provider()->set_name(std::string(kMarker));
  expect_refused(provider, "provider.name");
  Article related = article;
  related.add_related()->set_title(std::string(kMarker));
  expect_refused(related, "related.title");
  Article extra = article;
  (*extra.mutable_extra_fields()->mutable_fields())[std::string(kMarker)]
      .set_bool_value(true);
  expect_refused(extra, "extra_fields key");
}

TEST(WireCheckerTest, LeavesBytesThatAreNotUtf8InNonStringFields) {
  // The marker inside a fixed64 field (Timestamp seconds are varints, so an
  // unknown fixed64 of Article serves): any 8 bytes are a valid value.
  const WireChecker checker(Article::descriptor());
  std::string wire = SomeArticle(3).SerializeAsString();
  wire += std::string("\x91\x03", 2) + std::string(kMarker);
  wire = Patched(wire, std::string("\xFF\xFE\xFD\xFC\xFB\xFA\xF9\xF8", 8));
  Article parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));
  EXPECT_TRUE(checker.Check(wire));
}

TEST(WireCheckerTest, RefusesNestingPastProtobufsLimit) {
  const WireChecker checker(Article::descriptor());
  for (const int levels : {5, 60}) {
    Article article = SomeArticle(4);
    (*article.mutable_extra_fields()->mutable_fields())["deep"] =
        Nested(levels);
    const std::string wire = article.SerializeAsString();
    Article parsed;
    const bool parses = parsed.ParseFromString(wire);
    // Each level is a Struct, a map entry and a Value: 60 levels are 180.
    EXPECT_EQ(parses, levels == 5);
    EXPECT_EQ(checker.Check(wire), parses) << levels;
  }
}

TEST(WireCheckerTest, RefusesMalformedWire) {
  const WireChecker checker(Article::descriptor());
  const std::string wire = SomeArticle(5).SerializeAsString();
  EXPECT_FALSE(checker.Check(std::string("\x00\x01", 2)));  // field 0
  EXPECT_FALSE(checker.Check(std::string("\x0B\x0C", 2)));  // a group
  EXPECT_FALSE(checker.Check(std::string("\x0E", 1)));      // wire type 6
  EXPECT_FALSE(checker.Check(std::string("\x48\xFF", 2)));  // cut varint
  EXPECT_FALSE(
      checker.Check(std::string("\x0A\x05"
                                "ab",
                                4)));  // overrun
  EXPECT_FALSE(checker.Check(wire.substr(0, wire.size() - 1)));
  EXPECT_FALSE(checker.Check(std::string(11, '\xFF')));  // varint too long
  // Tags and lengths longer than 5 bytes, or past 32 bits, as the parser.
  EXPECT_FALSE(checker.Check(std::string("\x88\x80\x80\x80\x80\x00\x01", 7)));
  EXPECT_FALSE(checker.Check(std::string("\x88\x80\x80\x80\x10\x01", 6)));
  EXPECT_FALSE(
      checker.Check(std::string("\x1A\x82\x80\x80\x80\x80\x00"
                                "ab",
                                9)));
  EXPECT_TRUE(
      checker.Check(std::string("\x1A\x82\x80\x80\x80\x00"
                                "ab",
                                8)));
}

// Whatever the checker accepts, protobuf parses: random byte changes,
// insertions and cuts of real articles.
TEST(WireCheckerTest, AcceptsNothingProtobufRefuses) {
  const WireChecker checker(Article::descriptor());
  std::mt19937 random(20261203);
  int accepted = 0;
  int refused = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string wire = SomeArticle(round % 50).SerializeAsString();
    const int edits = 1 + static_cast<int>(random() % 3);
    for (int e = 0; e < edits && !wire.empty(); ++e) {
      const size_t at = random() % wire.size();
      switch (random() % 3) {
        case 0:
          wire[at] = static_cast<char>(random());
          break;
        case 1:
          wire.insert(at, 1, static_cast<char>(random()));
          break;
        default:
          wire.resize(at);
          break;
      }
    }
    Article parsed;
    if (checker.Check(wire)) {
      ++accepted;
      EXPECT_TRUE(parsed.ParseFromString(wire)) << round;
    } else {
      ++refused;
    }
  }
  // Both outcomes happen often enough for the check to mean something.
  EXPECT_GT(accepted, 1000);
  EXPECT_GT(refused, 1000);
}

}  // namespace
}  // namespace newsmeta
