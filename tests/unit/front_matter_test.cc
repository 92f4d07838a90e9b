#include "loader/front_matter.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace newsmeta {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// The message of the INVALID_ARGUMENT error that splitting `content` must
// fail with.
std::string SplitError(absl::string_view content) {
  absl::StatusOr<FrontMatter> split = SplitFrontMatter(content);
  if (split.ok()) {
    ADD_FAILURE() << "split, expected an error: " << content;
    return "";
  }
  EXPECT_EQ(split.status().code(), absl::StatusCode::kInvalidArgument)
      << split.status();
  return std::string(split.status().message());
}

TEST(FrontMatterTest, SplitsLfDocument) {
  absl::StatusOr<FrontMatter> split =
      SplitFrontMatter("---\ntitle: x\nquality: 3\n---\nThe body.\n");
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->yaml, "title: x\nquality: 3\n");
  EXPECT_EQ(split->first_line, 2);
  EXPECT_EQ(split->body, "The body.\n");
}

TEST(FrontMatterTest, SplitsCrlfDocumentIntoLfYaml) {
  absl::StatusOr<FrontMatter> split =
      SplitFrontMatter("---\r\ntitle: x\r\nquality: 3\r\n---\r\nbody\r\n");
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->yaml, "title: x\nquality: 3\n");
  EXPECT_EQ(split->first_line, 2);
  // The body keeps its CRLF line ends.
  EXPECT_EQ(split->body, "body\r\n");
}

TEST(FrontMatterTest, SkipsUtf8ByteOrderMark) {
  absl::StatusOr<FrontMatter> split =
      SplitFrontMatter("\xEF\xBB\xBF---\ntitle: x\n---\nbody");
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->yaml, "title: x\n");
  EXPECT_EQ(split->first_line, 2);
  EXPECT_EQ(split->body, "body");
}

TEST(FrontMatterTest, SkipsByteOrderMarkOfCrlfDocument) {
  absl::StatusOr<FrontMatter> split =
      SplitFrontMatter("\xEF\xBB\xBF---\r\na: 1\r\n---\r\n");
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->yaml, "a: 1\n");
  EXPECT_EQ(split->body, "");
}

TEST(FrontMatterTest, KeepsBodyByteForByte) {
  const std::string body =
      "\n  indented\r\nmixed\rends\n---\nnot a delimiter any more\n...\n"
      "\xE2\x80\x99 \t trailing   ";
  absl::StatusOr<FrontMatter> split =
      SplitFrontMatter("---\na: 1\n---\n" + body);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->yaml, "a: 1\n");
  EXPECT_EQ(split->body, body);
}

TEST(FrontMatterTest, BodyIsEmptyWhenClosingLineEndsTheFile) {
  absl::StatusOr<FrontMatter> with_newline =
      SplitFrontMatter("---\na: 1\n---\n");
  ASSERT_TRUE(with_newline.ok()) << with_newline.status();
  EXPECT_EQ(with_newline->body, "");

  absl::StatusOr<FrontMatter> without_newline =
      SplitFrontMatter("---\na: 1\n---");
  ASSERT_TRUE(without_newline.ok()) << without_newline.status();
  EXPECT_EQ(without_newline->yaml, "a: 1\n");
  EXPECT_EQ(without_newline->body, "");
}

TEST(FrontMatterTest, AcceptsDotsAsClosingLine) {
  absl::StatusOr<FrontMatter> split =
      SplitFrontMatter("---\na: 1\nb: 2\n...\nbody\n");
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->yaml, "a: 1\nb: 2\n");
  EXPECT_EQ(split->body, "body\n");
}

TEST(FrontMatterTest, DoesNotAcceptDotsAsOpeningLine) {
  EXPECT_THAT(SplitError("...\na: 1\n---\n"), StartsWith("1: no front matter"));
}

TEST(FrontMatterTest, AcceptsTrailingSpacesOnDelimiterLines) {
  absl::StatusOr<FrontMatter> split = SplitFrontMatter("--- \na: 1\n---\t\nb");
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->yaml, "a: 1\n");
  EXPECT_EQ(split->body, "b");
}

TEST(FrontMatterTest, StopsAtTheFirstClosingLine) {
  absl::StatusOr<FrontMatter> split =
      SplitFrontMatter("---\na: 1\n---\nb: 2\n---\n");
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->yaml, "a: 1\n");
  EXPECT_EQ(split->body, "b: 2\n---\n");
}

TEST(FrontMatterTest, AcceptsEmptyFrontMatter) {
  absl::StatusOr<FrontMatter> split = SplitFrontMatter("---\n---\nbody");
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->yaml, "");
  EXPECT_EQ(split->body, "body");
}

TEST(FrontMatterTest, RejectsEmptyFile) {
  EXPECT_EQ(SplitError(""), "1: the file is empty");
}

TEST(FrontMatterTest, RejectsFileThatIsOnlyAByteOrderMark) {
  EXPECT_EQ(SplitError("\xEF\xBB\xBF"), "1: the file is empty");
}

TEST(FrontMatterTest, RejectsFileWithoutOpeningLine) {
  const std::string message = SplitError("title: x\n---\nbody\n");
  EXPECT_THAT(message, StartsWith("1: "));
  EXPECT_THAT(message, HasSubstr("no front matter"));
  EXPECT_THAT(message, HasSubstr("'---'"));
}

TEST(FrontMatterTest, RejectsOpeningLineAfterABlankLine) {
  EXPECT_THAT(SplitError("\n---\na: 1\n---\n"),
              StartsWith("1: no front matter"));
}

TEST(FrontMatterTest, RejectsUnterminatedFrontMatterNamingItsLastLine) {
  EXPECT_EQ(SplitError("---\ntitle: x\nquality: 3\nheat: 1\n"),
            "4: unterminated front matter: no closing line '---' after line "
            "1");
}

TEST(FrontMatterTest, RejectsUnterminatedCrlfFrontMatterWithLineNumber) {
  EXPECT_THAT(SplitError("\xEF\xBB\xBF---\r\na: 1\r\nb: 2"),
              StartsWith("3: unterminated front matter"));
}

TEST(FrontMatterTest, RejectsOpeningLineAlone) {
  EXPECT_THAT(SplitError("---\n"), StartsWith("1: unterminated front matter"));
}

}  // namespace
}  // namespace newsmeta
