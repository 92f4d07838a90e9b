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

}  // namespace
}  // namespace newsmeta
