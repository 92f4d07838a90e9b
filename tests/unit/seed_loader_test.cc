#include "loader/seed_loader.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "newsmeta/v1/article.pb.h"
#include "test_util.h"

namespace newsmeta {
namespace {

namespace fs = std::filesystem;

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;

// A valid seed whose article URL is https://example.com/<slug>.
std::string Seed(const std::string& slug) {
  return absl::StrCat(
      "---\n"
      "title: Article ",
      slug,
      "\n"
      "publishedDateTime: 2023-07-24T09:05:00Z\n"
      "originalUrl: https://example.com/",
      slug, "\n---\n");
}

std::vector<std::string> SourceFiles(const LoadResult& result) {
  std::vector<std::string> files;
  for (const auto& article : result.articles) {
    files.push_back(article.source_file());
  }
  return files;
}

std::vector<std::string> Messages(const LoadResult& result) {
  std::vector<std::string> messages;
  for (const absl::Status& status : result.rejections) {
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    messages.emplace_back(status.message());
  }
  return messages;
}

TEST(SeedLoaderTest, LoadsFolderRecursivelyInPathOrder) {
  TempFolder folder;
  folder.Write("z.txt", Seed("z"));
  folder.Write("m/y.txt", Seed("y"));
  folder.Write("m/n/x.txt", Seed("x"));
  folder.Write("a.txt", Seed("a"));

  absl::StatusOr<LoadResult> result = LoadSeedFolder(folder.root());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(Messages(*result), IsEmpty());
  EXPECT_THAT(SourceFiles(*result),
              ElementsAre("a.txt", "m/n/x.txt", "m/y.txt", "z.txt"));
  EXPECT_EQ(result->articles[0].title(), "Article a");
  EXPECT_EQ(result->articles[1].original_url(), "https://example.com/x");
}

TEST(SeedLoaderTest, KeepsPathOrderWithManyThreads) {
  TempFolder folder;
  std::vector<std::string> expected;
  for (int i = 0; i < 40; ++i) {
    const std::string name = absl::StrFormat("d%d/s%02d.txt", i % 3, i);
    folder.Write(name, Seed(absl::StrCat(i)));
  }
  for (int d = 0; d < 3; ++d) {
    for (int i = d; i < 40; i += 3) {
      expected.push_back(absl::StrFormat("d%d/s%02d.txt", d, i));
    }
  }
  LoaderOptions options;
  options.threads = 8;
  absl::StatusOr<LoadResult> result = LoadSeedFolder(folder.root(), options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(Messages(*result), IsEmpty());
  EXPECT_EQ(SourceFiles(*result), expected);
}

TEST(SeedLoaderTest, LoadsEmptyFolderAsNothing) {
  TempFolder folder;
  absl::StatusOr<LoadResult> result = LoadSeedFolder(folder.root());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->articles, IsEmpty());
  EXPECT_THAT(result->rejections, IsEmpty());
}

TEST(SeedLoaderTest, SkipsHiddenFilesAndFolders) {
  TempFolder folder;
  folder.Write("visible.txt", Seed("visible"));
  folder.Write(".hidden.txt", Seed("hidden"));
  folder.Write(".git/seed.txt", Seed("in-git"));
  folder.Write(".broken.txt", "not a seed");
  folder.Write("sub/.swp", "not a seed either");

  absl::StatusOr<LoadResult> result = LoadSeedFolder(folder.root());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(Messages(*result), IsEmpty());
  EXPECT_THAT(SourceFiles(*result), ElementsAre("visible.txt"));
}

TEST(SeedLoaderTest, ReportsBadFileByRelativePathAndLoadsTheOthers) {
  TempFolder folder;
  folder.Write("a.txt", Seed("a"));
  // Line 5 of this seed is `quality: high`.
  folder.Write("sub/bad.txt",
               "---\n"
               "title: T\n"
               "publishedDateTime: 2023-07-24T09:05:00Z\n"
               "originalUrl: https://example.com/bad\n"
               "quality: high\n"
               "---\n");
  folder.Write("sub/good.txt", Seed("good"));
  folder.Write("z.txt", Seed("z"));

  absl::StatusOr<LoadResult> result = LoadSeedFolder(folder.root());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(SourceFiles(*result),
              ElementsAre("a.txt", "sub/good.txt", "z.txt"));
  ASSERT_THAT(Messages(*result), SizeIs(1));
  EXPECT_THAT(Messages(*result)[0],
              StartsWith("sub/bad.txt:5:10: field 'quality' must be a whole "
                         "number"));
}

TEST(SeedLoaderTest, ReportsEveryBadFile) {
  TempFolder folder;
  folder.Write("empty.txt", "");
  folder.Write("no_front_matter.txt", "just text\n");
  folder.Write("ok.txt", Seed("ok"));

  absl::StatusOr<LoadResult> result = LoadSeedFolder(folder.root());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(SourceFiles(*result), ElementsAre("ok.txt"));
  EXPECT_THAT(
      Messages(*result),
      ElementsAre(StartsWith("empty.txt:1: the file is empty"),
                  StartsWith("no_front_matter.txt:1: no front matter")));
}

TEST(SeedLoaderTest, RejectsFileOverMaxFileBytesWithItsSize) {
  TempFolder folder;
  const std::string small = Seed("small");
  const std::string big = Seed("big") + std::string(200, 'x');
  folder.Write("big.txt", big);
  folder.Write("small.txt", small);
  ASSERT_LT(small.size(), 200u);
  ASSERT_GT(big.size(), 200u);

  LoaderOptions options;
  options.max_file_bytes = 200;
  absl::StatusOr<LoadResult> result = LoadSeedFolder(folder.root(), options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(SourceFiles(*result), ElementsAre("small.txt"));
  EXPECT_THAT(Messages(*result),
              ElementsAre(absl::StrCat("big.txt: is ", big.size(),
                                       " bytes, more than the limit of 200 "
                                       "bytes per seed")));
}

TEST(SeedLoaderTest, AcceptsFileOfExactlyMaxFileBytes) {
  TempFolder folder;
  const std::string seed = Seed("exact");
  folder.Write("exact.txt", seed);
  LoaderOptions options;
  options.max_file_bytes = static_cast<int64_t>(seed.size());
  absl::StatusOr<LoadResult> result = LoadSeedFolder(folder.root(), options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(Messages(*result), IsEmpty());
  EXPECT_THAT(SourceFiles(*result), ElementsAre("exact.txt"));
}

TEST(SeedLoaderTest, AppliesSeedLimitsFromOptions) {
  TempFolder folder;
  folder.Write("deep.txt",
               "---\n"
               "title: T\n"
               "publishedDateTime: 2023-07-24T09:05:00Z\n"
               "originalUrl: https://example.com/deep\n"
               "x: [[[1]]]\n"
               "---\n");
  LoaderOptions options;
  options.seed_limits.max_depth = 1;
  absl::StatusOr<LoadResult> result = LoadSeedFolder(folder.root(), options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->articles, IsEmpty());
  EXPECT_THAT(Messages(*result),
              ElementsAre(AllOf(StartsWith("deep.txt:5:"),
                                HasSubstr("nested deeper than 1 levels"))));
}

TEST(SeedLoaderTest, FollowsSymlinkLoopOnlyOnce) {
  TempFolder folder;
  folder.Write("top.txt", Seed("top"));
  folder.Write("a/seed.txt", Seed("seed"));
  folder.Link("a/parent", "..");
  folder.Link("a/self", ".");
  folder.Link("b", "a");

  const absl::Time start = absl::Now();
  absl::StatusOr<LoadResult> result = LoadSeedFolder(folder.root());
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(Messages(*result), IsEmpty());
  // Each folder is read once, by the first path that reaches it.
  EXPECT_THAT(SourceFiles(*result), ElementsAre("a/seed.txt", "top.txt"));
}

TEST(SeedLoaderTest, FollowsSymlinkToFolderOutsideTheRoot) {
  TempFolder outside;
  outside.Write("far.txt", Seed("far"));
  TempFolder folder;
  folder.Write("near.txt", Seed("near"));
  folder.Link("linked", outside.path());

  absl::StatusOr<LoadResult> result = LoadSeedFolder(folder.root());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(Messages(*result), IsEmpty());
  EXPECT_THAT(SourceFiles(*result), ElementsAre("linked/far.txt", "near.txt"));
}

TEST(SeedLoaderTest, ReportsDanglingSymlinkAndLoadsTheOthers) {
  TempFolder folder;
  folder.Write("a.txt", Seed("a"));
  folder.Link("gone.txt", "missing.txt");
  folder.Write("z.txt", Seed("z"));

  absl::StatusOr<LoadResult> result = LoadSeedFolder(folder.root());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(SourceFiles(*result), ElementsAre("a.txt", "z.txt"));
  ASSERT_THAT(Messages(*result), SizeIs(1));
  EXPECT_THAT(Messages(*result)[0], StartsWith("gone.txt: "));
  EXPECT_THAT(Messages(*result)[0], HasSubstr("No such file or directory"));
}

TEST(SeedLoaderTest, LoadsConfigMapVolumeOnce) {
  // The layout Kubernetes gives a mounted ConfigMap: the files live in a
  // hidden timestamped folder, `..data` links to it, and each key is a link
  // through `..data`.
  TempFolder folder;
  const std::string version = "..2024_06_01_12_00_00.123456789";
  folder.Write(version + "/a.txt", Seed("a"));
  folder.Write(version + "/b.txt", Seed("b"));
  folder.Link("..data", version);
  folder.Link("a.txt", "..data/a.txt");
  folder.Link("b.txt", "..data/b.txt");

  absl::StatusOr<LoadResult> result = LoadSeedFolder(folder.root());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(Messages(*result), IsEmpty());
  EXPECT_THAT(SourceFiles(*result), ElementsAre("a.txt", "b.txt"));
  EXPECT_EQ(result->articles[1].original_url(), "https://example.com/b");
}

TEST(SeedLoaderTest, LoadsFilesLinkedThroughPlainDataFolderOnce) {
  TempFolder folder;
  folder.Write("..data/a.txt", Seed("a"));
  folder.Link("a.txt", "..data/a.txt");

  absl::StatusOr<LoadResult> result = LoadSeedFolder(folder.root());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(Messages(*result), IsEmpty());
  EXPECT_THAT(SourceFiles(*result), ElementsAre("a.txt"));
}

TEST(SeedLoaderTest, FailsPreconditionWhenRootIsMissing) {
  TempFolder folder;
  const std::string missing = (folder.path() / "does-not-exist").string();
  absl::StatusOr<LoadResult> result = LoadSeedFolder(missing);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(missing));
}

TEST(SeedLoaderTest, FailsPreconditionWhenRootIsAFile) {
  TempFolder folder;
  folder.Write("seed.txt", Seed("a"));
  const std::string file = (folder.path() / "seed.txt").string();
  absl::StatusOr<LoadResult> result = LoadSeedFolder(file);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(file));
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("is not a folder"));
}

TEST(SeedLoaderTest, ReturnsCancelledWhenCancelFlagIsSet) {
  TempFolder folder;
  folder.Write("a.txt", Seed("a"));
  folder.Write("b.txt", Seed("b"));
  std::atomic<bool> cancel{true};
  LoaderOptions options;
  options.cancel = &cancel;
  absl::StatusOr<LoadResult> result = LoadSeedFolder(folder.root(), options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled);
}

TEST(SeedLoaderTest, LoadsWhenCancelFlagIsClear) {
  TempFolder folder;
  folder.Write("a.txt", Seed("a"));
  std::atomic<bool> cancel{false};
  LoaderOptions options;
  options.cancel = &cancel;
  absl::StatusOr<LoadResult> result = LoadSeedFolder(folder.root(), options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(SourceFiles(*result), ElementsAre("a.txt"));
}

}  // namespace
}  // namespace newsmeta
