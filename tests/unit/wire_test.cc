#include "query/wire.h"

#include <string>

#include "gtest/gtest.h"
#include "newsmeta/v1/article_service.pb.h"

namespace newsmeta {
namespace {

TEST(WireTest, FieldsEncodeAsProtobufDoes) {
  std::string bytes;
  AppendBytesField(2, "token", &bytes);
  AppendVarintField(3, 300, &bytes);
  EXPECT_EQ(bytes, std::string("\x12\x05token\x18\xac\x02"));

  newsmeta::v1::ListArticlesResponse expected;
  expected.set_next_page_token("token");
  expected.set_total_size(300);
  EXPECT_EQ(bytes, expected.SerializeAsString());
}

TEST(WireTest, EmptyAndZeroAreLeftOutUnlessKept) {
  std::string bytes;
  AppendBytesField(2, "", &bytes);
  AppendVarintField(3, 0, &bytes);
  EXPECT_EQ(bytes, "");
  AppendBytesField(1, "", &bytes, /*keep_empty=*/true);
  EXPECT_EQ(bytes, std::string("\x0a\x00", 2));
}

TEST(WireTest, LongValuesUseMultiByteLengths) {
  const std::string name(200, 'n');
  newsmeta::v1::Article article;
  article.set_name(name);
  std::string bytes;
  AppendBytesField(1, article.SerializeAsString(), &bytes, true);
  newsmeta::v1::ListArticlesResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  ASSERT_EQ(parsed.articles_size(), 1);
  EXPECT_EQ(parsed.articles(0).name(), name);
}

TEST(WireTest, MessageOfPiecesFlattensToTheSameBytes) {
  const std::string article_a = "first article bytes";
  const std::string article_b = "second";
  std::string expected;
  AppendBytesField(1, article_a, &expected, /*keep_empty=*/true);
  AppendBytesField(1, "", &expected, /*keep_empty=*/true);
  AppendBytesField(1, article_b, &expected, /*keep_empty=*/true);
  AppendBytesField(2, "token", &expected);
  AppendVarintField(3, 300, &expected);

  WireMessage message;
  AppendBytesFieldView(1, article_a, &message, /*keep_empty=*/true);
  AppendBytesFieldView(1, "", &message, /*keep_empty=*/true);
  AppendBytesFieldView(1, article_b, &message, /*keep_empty=*/true);
  AppendBytesField(2, "token", &message);
  AppendVarintField(3, 300, &message);
  EXPECT_EQ(message.size(), expected.size());
  EXPECT_EQ(message.Flatten(), expected);

  // The articles are referred to, not copied.
  bool saw_view = false;
  message.ForEachPiece([&](absl::string_view piece) {
    if (piece.data() == article_a.data()) saw_view = true;
  });
  EXPECT_TRUE(saw_view);

  message.Clear();
  EXPECT_EQ(message.size(), 0u);
  EXPECT_EQ(message.Flatten(), "");
}

}  // namespace
}  // namespace newsmeta
