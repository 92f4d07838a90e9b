#include "loader/seed_loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "catalog/catalog.h"
#include "gen_seeds/corpus.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loader/seed_parser.h"
#include "newsmeta/v1/article.pb.h"
#include "test_util.h"
#include "yaml-cpp/yaml.h"

namespace newsmeta {
namespace {

namespace fs = std::filesystem;

using ::newsmeta::v1::Article;
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

// A FIFO put in a seed's place after the folder was listed: opening it for
// reading would wait for a writer forever and hang every later reload. It
// is reported, and the other files load.
TEST(SeedLoaderTest, FifoSwappedInAfterTheWalkIsReportedWithoutBlocking) {
  TempFolder folder;
  folder.Write("a.txt", Seed("a"));
  folder.Write("swapped.txt", Seed("s"));
  folder.Write("z.txt", Seed("z"));
  const std::string fifo = (folder.path() / "swapped.txt").string();
  LoaderOptions options;
  options.threads = 1;
  options.after_walk = [&fifo] {
    ASSERT_EQ(::unlink(fifo.c_str()), 0);
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  };

  std::future<absl::StatusOr<LoadResult>> load =
      std::async(std::launch::async,
                 [&] { return LoadSeedFolder(folder.root(), options); });
  // Not a timing assertion: a load blocked on the FIFO is released by
  // opening its other end, so the test ends and fails instead of hanging.
  if (load.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    ADD_FAILURE() << "the load blocked opening a FIFO";
    const int writer = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    if (writer >= 0) ::close(writer);
  }
  absl::StatusOr<LoadResult> result = load.get();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(SourceFiles(*result), ElementsAre("a.txt", "z.txt"));
  EXPECT_THAT(Messages(*result),
              ElementsAre(AllOf(StartsWith("swapped.txt: "),
                                HasSubstr("not a regular file"))));
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

// Sets the file's modification time (and so changes its ctime).
void SetModified(const TempFolder& folder, const std::string& relative,
                 absl::Time time) {
  const timespec times[2] = {absl::ToTimespec(time), absl::ToTimespec(time)};
  ASSERT_EQ(::utimensat(AT_FDCWD, (folder.path() / relative).c_str(), times, 0),
            0);
}

// Loads `folder` with `cache` (only the `changed` paths, when given) and
// attaches the catalog built from it, as the reloader does; returns the
// result (articles moved into `*catalog`).
LoadResult LoadWithCache(const TempFolder& folder, SeedCache* cache,
                         std::shared_ptr<const Catalog>* catalog = nullptr,
                         const std::vector<std::string>* changed = nullptr) {
  LoaderOptions options;
  options.cache = cache;
  options.changed_paths = changed;
  absl::StatusOr<LoadResult> result = LoadSeedFolder(folder.root(), options);
  EXPECT_TRUE(result.ok()) << result.status();
  if (!result.ok()) return {};
  LoadResult copy = *result;
  Catalog::BuildResult built = Catalog::Build(std::move(result->articles));
  cache->Attach(built.catalog);
  if (catalog != nullptr) *catalog = built.catalog;
  return copy;
}

const absl::Time kLongAgo = absl::Now() - absl::Hours(1);

TEST(SeedCacheTest, UnchangedFilesAreNeitherReadNorParsedAgain) {
  TempFolder folder;
  folder.Write("a.txt", Seed("a"));
  folder.Write("m/b.txt", Seed("b"));
  folder.Write("bad.txt", "---\ntitle: [unclosed\n---\n");
  for (const char* file : {"a.txt", "m/b.txt", "bad.txt"}) {
    SetModified(folder, file, kLongAgo);
  }
  SeedCache cache;
  const LoadResult first = LoadWithCache(folder, &cache);
  EXPECT_EQ(first.files_read, 3);
  EXPECT_EQ(first.files_parsed, 3);
  EXPECT_EQ(first.files_reused, 0);

  const LoadResult second = LoadWithCache(folder, &cache);
  EXPECT_EQ(second.files_read, 0);
  EXPECT_EQ(second.files_parsed, 0);
  EXPECT_EQ(second.files_reused, 3);
  EXPECT_THAT(SourceFiles(second), ElementsAre("a.txt", "m/b.txt"));
  EXPECT_EQ(second.articles[1].title(), "Article b");
  ASSERT_THAT(Messages(second), SizeIs(1));
  EXPECT_THAT(Messages(second)[0], StartsWith("bad.txt:3:1: invalid YAML"));
}

TEST(SeedCacheTest, FileChangedAtTheSameSizeIsParsedAgain) {
  TempFolder folder;
  folder.Write("a.txt", Seed("a"));
  folder.Write("b.txt", Seed("b"));
  SetModified(folder, "a.txt", kLongAgo);
  SetModified(folder, "b.txt", kLongAgo);
  SeedCache cache;
  LoadWithCache(folder, &cache);

  folder.Write("a.txt", Seed("x"));  // same size, other content
  SetModified(folder, "a.txt", kLongAgo + absl::Seconds(1));
  const LoadResult second = LoadWithCache(folder, &cache);
  EXPECT_EQ(second.files_read, 1);
  EXPECT_EQ(second.files_parsed, 1);
  EXPECT_EQ(second.files_reused, 1);
  ASSERT_THAT(second.articles, SizeIs(2));
  EXPECT_EQ(second.articles[0].title(), "Article x");
  EXPECT_EQ(second.articles[1].title(), "Article b");
}

TEST(SeedCacheTest, FileTouchedWithoutChangeIsReadButNotParsed) {
  TempFolder folder;
  folder.Write("a.txt", Seed("a"));
  SetModified(folder, "a.txt", kLongAgo);
  SeedCache cache;
  LoadWithCache(folder, &cache);

  SetModified(folder, "a.txt", kLongAgo + absl::Seconds(5));
  const LoadResult second = LoadWithCache(folder, &cache);
  EXPECT_EQ(second.files_read, 1);
  EXPECT_EQ(second.files_parsed, 0);
  EXPECT_EQ(second.files_reused, 1);
  EXPECT_THAT(SourceFiles(second), ElementsAre("a.txt"));
}

TEST(SeedCacheTest, FileModifiedJustBeforeTheLoadIsReadAgain) {
  TempFolder folder;
  folder.Write("a.txt", Seed("a"));  // modified now: within the racy window
  SeedCache cache;
  LoadWithCache(folder, &cache);
  const LoadResult second = LoadWithCache(folder, &cache);
  EXPECT_EQ(second.files_read, 1);
  EXPECT_EQ(second.files_parsed, 0);
  EXPECT_EQ(second.files_reused, 1);
}

TEST(SeedCacheTest, RemovedAndAddedFilesAreSeen) {
  TempFolder folder;
  folder.Write("a.txt", Seed("a"));
  folder.Write("b.txt", Seed("b"));
  SetModified(folder, "a.txt", kLongAgo);
  SetModified(folder, "b.txt", kLongAgo);
  SeedCache cache;
  LoadWithCache(folder, &cache);

  fs::remove(folder.path() / "a.txt");
  folder.Write("c.txt", Seed("c"));
  const LoadResult second = LoadWithCache(folder, &cache);
  EXPECT_THAT(SourceFiles(second), ElementsAre("b.txt", "c.txt"));
  EXPECT_EQ(second.files_parsed, 1);
  EXPECT_EQ(second.files_reused, 1);
  EXPECT_EQ(cache.size(), 2u);
}

TEST(SeedCacheTest, DuplicateLeftOutOfTheCatalogIsParsedAgain) {
  TempFolder folder;
  folder.Write("a.txt", Seed("same"));
  folder.Write("b.txt", Seed("same"));
  SetModified(folder, "a.txt", kLongAgo);
  SetModified(folder, "b.txt", kLongAgo);
  SeedCache cache;
  LoadWithCache(folder, &cache);
  const LoadResult second = LoadWithCache(folder, &cache);
  EXPECT_EQ(second.files_parsed, 1);  // b.txt, the duplicate
  EXPECT_EQ(second.files_reused, 1);  // a.txt, in the catalog
  EXPECT_THAT(SourceFiles(second), ElementsAre("a.txt", "b.txt"));
}

TEST(SeedCacheTest, ArticlesAreReusedLoadAfterLoadWithTheirNames) {
  TempFolder folder;
  folder.Write("a.txt", Seed("a"));
  folder.Write("b.txt", Seed("same"));
  folder.Write("c.txt", Seed("same"));  // a duplicate of b.txt
  for (const char* file : {"a.txt", "b.txt", "c.txt"}) {
    SetModified(folder, file, kLongAgo);
  }
  SeedCache cache;
  LoadWithCache(folder, &cache);
  // Each load keeps the names of the one before it in a buffer of its own:
  // the third load finds the articles by the names the second one copied.
  for (int load = 2; load <= 3; ++load) {
    std::shared_ptr<const Catalog> catalog;
    const LoadResult again = LoadWithCache(folder, &cache, &catalog);
    EXPECT_EQ(again.files_parsed, 1) << load;  // c.txt, the duplicate
    EXPECT_EQ(again.files_reused, 2) << load;
    EXPECT_THAT(SourceFiles(again), ElementsAre("a.txt", "b.txt", "c.txt"));
    ASSERT_EQ(catalog->size(), 2u);
  }
  const SeedCache::MemoryUsage usage = cache.memory_usage();
  EXPECT_GT(usage.entries, 0u);
  EXPECT_GT(usage.names, 0u);
  EXPECT_GT(usage.listing, 0u);
}

TEST(SeedCacheTest, OtherOptionsStartAfresh) {
  TempFolder folder;
  folder.Write("a.txt", Seed("a"));
  SetModified(folder, "a.txt", kLongAgo);
  SeedCache cache;
  LoadWithCache(folder, &cache);
  LoaderOptions options;
  options.cache = &cache;
  options.max_file_bytes = 10;
  absl::StatusOr<LoadResult> result = LoadSeedFolder(folder.root(), options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->files_reused, 0);
  EXPECT_THAT(Messages(*result), ElementsAre(HasSubstr("more than the limit")));
}

TEST(SeedCacheTest, IncrementalLoadBuildsTheCatalogAFullLoadBuilds) {
  // Generated seeds link to each other (RelatedLink.article, set by the
  // catalog); remove one that others link to and change another.
  TempFolder folder;
  CorpusOptions corpus;
  corpus.count = 60;
  ASSERT_TRUE(WriteCorpus(corpus, folder.root()).ok());
  for (const auto& entry : fs::recursive_directory_iterator(folder.path())) {
    if (entry.is_regular_file()) {
      SetModified(folder, fs::relative(entry.path(), folder.path()).string(),
                  kLongAgo);
    }
  }
  SeedCache cache;
  std::shared_ptr<const Catalog> first;
  LoadWithCache(folder, &cache, &first);
  int linked = 0;
  std::string target;  // a source file some article links to
  for (ArticleIndex i = 0; i < first->size(); ++i) {
    const Article article = first->article(i);
    for (const auto& link : article.related()) {
      if (!link.article().empty() && target.empty()) {
        for (ArticleIndex j = 0; j < first->size(); ++j) {
          if (first->article(j).name() == link.article()) {
            target = first->article(j).source_file();
          }
        }
      }
      linked += link.article().empty() ? 0 : 1;
    }
  }
  ASSERT_GT(linked, 0);
  ASSERT_FALSE(target.empty());
  fs::remove(folder.path() / target);
  const std::string changed = first->article(0).source_file() == target
                                  ? first->article(1).source_file()
                                  : first->article(0).source_file();
  CorpusOptions other = corpus;
  other.seed = 7;
  folder.Write(changed, GenerateSeed(other, 0).content);

  std::shared_ptr<const Catalog> incremental;
  const LoadResult second = LoadWithCache(folder, &cache, &incremental);
  EXPECT_EQ(second.files_parsed, 1);
  EXPECT_EQ(second.files_reused, 58);
  absl::StatusOr<LoadResult> full = LoadSeedFolder(folder.root());
  ASSERT_TRUE(full.ok()) << full.status();
  const std::shared_ptr<const Catalog> fresh =
      Catalog::Build(std::move(full->articles)).catalog;
  EXPECT_EQ(incremental->version(), fresh->version());
  EXPECT_NE(incremental->version(), first->version());
}

std::vector<std::string> Serialized(const LoadResult& result) {
  std::vector<std::string> bytes;
  for (const Article& article : result.articles) {
    bytes.push_back(article.SerializeAsString());
  }
  return bytes;
}

// A random sequence of changes to a folder; after each, a load given only the
// changed names gives what a fresh walk of the folder gives.
TEST(SeedCacheTest, LoadOfNamedChangesEqualsAFullLoad) {
  TempFolder folder;
  std::mt19937 random(20240611);
  std::vector<std::string> folders = {"", "m"};
  std::vector<std::string> files;  // regular files
  std::vector<std::string> links;  // links that lead nowhere
  int next_name = 0;
  int next_slug = 0;
  int64_t tick = 0;  // distinct old modification times
  const auto pick = [&](const std::vector<std::string>& from) {
    return from[std::uniform_int_distribution<size_t>(0,
                                                      from.size() - 1)(random)];
  };
  const auto pick_any = [&] {
    std::vector<std::string> all = files;
    all.insert(all.end(), links.begin(), links.end());
    return pick(all);
  };
  const auto new_name = [&] {
    const std::string& in = pick(folders);
    // "m-" sorts before "m/" bytewise, after it in walk order.
    const int n = next_name++;
    return absl::StrCat(in, in.empty() ? "" : "/", n % 3 == 0 ? "m-" : "f", n,
                        ".txt");
  };
  const auto write = [&](const std::string& name, const std::string& content,
                         bool age) {
    folder.Write(name, content);
    if (age) SetModified(folder, name, kLongAgo + absl::Seconds(++tick));
  };
  // Forgets `name`; true when it was a link.
  const auto forget = [&](const std::string& name) {
    for (std::vector<std::string>* list : {&files, &links}) {
      const auto it = std::find(list->begin(), list->end(), name);
      if (it != list->end()) {
        list->erase(it);
        return list == &links;
      }
    }
    return false;
  };
  for (int i = 0; i < 8; ++i) {
    files.push_back(new_name());
    write(files.back(), Seed(absl::StrCat("s", next_slug++)), true);
  }
  SeedCache cache;
  LoadWithCache(folder, &cache);
  int incremental = 0;
  for (int step = 0; step < 400; ++step) {
    std::vector<std::string> changed;
    bool folder_changed = false;
    const int kind =
        std::uniform_int_distribution<int>(0, files.size() < 3 ? 0 : 9)(random);
    switch (kind) {
      case 0: {  // add
        changed.push_back(new_name());
        files.push_back(changed.back());
        write(changed.back(), Seed(absl::StrCat("s", next_slug++)), true);
        break;
      }
      case 1: {  // edit in place: another article, same size or not
        changed.push_back(pick(files));
        write(changed.back(), Seed(absl::StrCat("e", next_slug++)),
              step % 2 == 0);
        break;
      }
      case 2: {  // edit twice within the tick: same size, other content
        changed.push_back(pick(files));
        folder.Write(changed.back(), Seed("t1"));
        const LoadResult between =
            LoadWithCache(folder, &cache, nullptr, &changed);
        EXPECT_FALSE(between.walked);
        folder.Write(changed.back(), Seed("t2"));
        break;
      }
      case 3: {  // remove
        changed.push_back(pick_any());
        fs::remove(folder.path() / changed.back());
        forget(changed.back());
        break;
      }
      case 4: {  // rename to a new name
        const std::string from = pick_any();
        const std::string to = new_name();
        fs::rename(folder.path() / from, folder.path() / to);
        (forget(from) ? links : files).push_back(to);
        changed = {from, to};
        break;
      }
      case 5: {  // rename over another
        const std::string from = pick_any();
        const std::string to = pick_any();
        if (from == to) break;
        fs::rename(folder.path() / from, folder.path() / to);
        forget(to);
        (forget(from) ? links : files).push_back(to);
        changed = {from, to};
        break;
      }
      case 6: {  // a duplicate: the same article in another file
        const std::string of = pick(files);
        changed.push_back(new_name());
        files.push_back(changed.back());
        write(changed.back(), ReadBytes((folder.path() / of).string()), true);
        break;
      }
      case 7: {  // a rejected file
        changed.push_back(new_name());
        files.push_back(changed.back());
        write(changed.back(), "---\ntitle: [unclosed\n---\n", true);
        break;
      }
      case 8: {  // a link that leads nowhere (rejected by the walk)
        changed.push_back(new_name());
        links.push_back(changed.back());
        folder.Link(changed.back(), "missing.txt");
        break;
      }
      case 9: {  // a new subfolder with a file
        const std::string sub = absl::StrCat("d", folders.size());
        folders.push_back(sub);
        changed = {sub};
        files.push_back(absl::StrCat(sub, "/f", next_name++, ".txt"));
        write(files.back(), Seed(absl::StrCat("s", next_slug++)), true);
        folder_changed = true;
        break;
      }
    }
    std::sort(changed.begin(), changed.end());
    changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
    const LoadResult loaded = LoadWithCache(folder, &cache, nullptr, &changed);
    absl::StatusOr<LoadResult> fresh = LoadSeedFolder(folder.root());
    ASSERT_TRUE(fresh.ok()) << fresh.status();
    ASSERT_EQ(Serialized(loaded), Serialized(*fresh))
        << "step " << step << ", change " << kind;
    ASSERT_EQ(Messages(loaded), Messages(*fresh))
        << "step " << step << ", change " << kind;
    EXPECT_EQ(loaded.walked, folder_changed) << "step " << step;
    if (!loaded.walked) ++incremental;
  }
  EXPECT_GT(incremental, 300);
}

// The parser reads YAML through its own tree (loader/yaml_tree.h); booleans
// must still read as yaml-cpp's convert<bool> reads them.
TEST(SeedParserBoolTest, ReadsBooleansAsYamlCppDoes) {
  for (const std::string text :
       {"true", "True",  "TRUE",     "tRUE", "false", "FALSE", "fAlse", "yes",
        "Yes",  "YES",   "no",       "NO",   "on",    "On",    "ON",    "off",
        "Off",  "OFF",   "y",        "Y",    "n",     "N",     "1",     "0",
        "",     "truee", "\"true\"", "'no'", "t"}) {
    const std::string seed = absl::StrCat(
        "---\ntitle: T\npublishedDateTime: 2023-07-24T09:05:00Z\n"
        "originalUrl: https://example.com/a\npublished: ",
        text, "\n---\n");
    const absl::StatusOr<Article> article = ParseSeed(seed, "a.txt");
    const YAML::Node node = YAML::Load(text);
    bool expected = false;
    const bool decodes =
        node.IsNull() || YAML::convert<bool>::decode(node, expected);
    EXPECT_EQ(article.ok(), decodes) << text << ": " << article.status();
    if (article.ok()) {
      EXPECT_EQ(article->published(), expected) << text;
    }
  }
}

}  // namespace
}  // namespace newsmeta
