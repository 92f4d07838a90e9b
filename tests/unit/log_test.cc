#include "util/log.h"

#include <string>

#include "gtest/gtest.h"

namespace newsmeta {
namespace {

std::string Json(absl::string_view text) {
  std::string out;
  AppendJsonString(text, &out);
  return out;
}

TEST(LogTest, LineIsOneJsonObjectWithTimeLevelMessageAndFields) {
  EXPECT_EQ(
      FormatLogLine("2026-11-25T10:00:00.000000Z", LogLevel::kWarning,
                    "rejected seed",
                    {{"file", "a/b.txt"}, {"count", 3}, {"strict", true}}),
      "{\"time\":\"2026-11-25T10:00:00.000000Z\",\"level\":\"WARNING\","
      "\"message\":\"rejected seed\",\"file\":\"a/b.txt\",\"count\":3,"
      "\"strict\":true}");
}

TEST(LogTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(Json("say \"hi\"\\ now"), R"("say \"hi\"\\ now")");
  EXPECT_EQ(Json("line1\nline2\r\tend"), R"("line1\nline2\r\tend")");
  EXPECT_EQ(Json(absl::string_view("nul\0bel\x07", 8)),
            R"("nul\u0000bel\u0007")");
  EXPECT_EQ(Json("del\x7f"), R"("del\u007f")");
}

TEST(LogTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(Json("Économie 東京"), "\"Économie 東京\"");
  EXPECT_EQ(Json("bad\xff\xfe|\xc3"), R"("bad\ufffd\ufffd|\ufffd")");
}

TEST(LogTest, NegativeAndLargeIntegersAreJsonNumbers) {
  EXPECT_EQ(FormatLogLine("t", LogLevel::kError, "m",
                          {{"a", -5}, {"b", int64_t{1} << 40}}),
            "{\"time\":\"t\",\"level\":\"ERROR\",\"message\":\"m\","
            "\"a\":-5,\"b\":1099511627776}");
}

}  // namespace
}  // namespace newsmeta
