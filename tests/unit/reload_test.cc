// Tests of the seeds watcher and the background catalog reloader. They wait
// for events with generous deadlines and never assert on timings.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "reload/catalog_reloader.h"
#include "reload/seed_watcher.h"
#include "test_util.h"

namespace newsmeta {
namespace {

using ::testing::HasSubstr;

constexpr absl::Duration kDeadline = absl::Seconds(10);

std::string Seed(const std::string& slug) {
  return absl::StrCat("---\ntitle: Article ", slug,
                      "\npublishedDateTime: 2023-07-24T09:05:00Z\n"
                      "originalUrl: https://example.com/",
                      slug, "\n---\n");
}

// Counts a watcher's reports.
class Reports {
 public:
  void Add() {
    absl::MutexLock lock(&mutex_);
    ++count_;
  }
  int count() {
    absl::MutexLock lock(&mutex_);
    return count_;
  }
  // Waits until at least `n` reports came; false at the deadline.
  bool WaitFor(int n) {
    absl::MutexLock lock(&mutex_);
    auto reached = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
      return count_ >= n;
    };
    return mutex_.AwaitWithTimeout(absl::Condition(&reached), kDeadline);
  }

 private:
  absl::Mutex mutex_;
  int count_ ABSL_GUARDED_BY(mutex_) = 0;
};

std::unique_ptr<SeedWatcher> Watch(const TempFolder& folder, Reports* reports,
                                   absl::Duration quiet) {
  SeedWatcherOptions options;
  options.quiet_period = quiet;
  absl::StatusOr<std::unique_ptr<SeedWatcher>> watcher = SeedWatcher::Start(
      folder.root(), options, [reports] { reports->Add(); },
      [](const absl::Status& error) { ADD_FAILURE() << error; });
  EXPECT_TRUE(watcher.ok()) << watcher.status();
  return watcher.ok() ? *std::move(watcher) : nullptr;
}

TEST(SeedWatcherTest, ReportsAWrittenFile) {
  TempFolder folder;
  Reports reports;
  auto watcher = Watch(folder, &reports, absl::Milliseconds(50));
  folder.Write("a.txt", Seed("a"));
  EXPECT_TRUE(reports.WaitFor(1));
}

TEST(SeedWatcherTest, ABurstOfChangesIsOneReport) {
  TempFolder folder;
  Reports reports;
  auto watcher = Watch(folder, &reports, absl::Milliseconds(500));
  for (int i = 0; i < 20; ++i) folder.Write(absl::StrCat(i, ".txt"), "x");
  ASSERT_TRUE(reports.WaitFor(1));
  absl::SleepFor(absl::Seconds(1));
  EXPECT_EQ(reports.count(), 1);
}

TEST(SeedWatcherTest, WatchesFoldersMadeLaterAndFoldersThroughLinks) {
  TempFolder outside;
  TempFolder folder;
  folder.Link("linked", outside.path());
  Reports reports;
  auto watcher = Watch(folder, &reports, absl::Milliseconds(50));
  std::filesystem::create_directories(folder.path() / "new");
  ASSERT_TRUE(reports.WaitFor(1));
  folder.Write("new/a.txt", Seed("a"));
  ASSERT_TRUE(reports.WaitFor(2));
  outside.Write("b.txt", Seed("b"));
  EXPECT_TRUE(reports.WaitFor(3));
}

TEST(SeedWatcherTest, ReportsAConfigMapDataLinkSwap) {
  TempFolder folder;
  folder.Write("..v1/a.txt", Seed("a"));
  folder.Link("..data", "..v1");
  folder.Link("a.txt", "..data/a.txt");
  Reports reports;
  auto watcher = Watch(folder, &reports, absl::Milliseconds(50));
  folder.Write("..v2/a.txt", Seed("a2"));
  folder.Link("..data_tmp", "..v2");
  std::filesystem::rename(folder.path() / "..data_tmp",
                          folder.path() / "..data");
  EXPECT_TRUE(reports.WaitFor(1));
}

TEST(SeedWatcherTest, AMissingFolderIsAnError) {
  TempFolder folder;
  const std::string missing = folder.root() + "/missing";
  const auto watcher = SeedWatcher::Start(
      missing, {}, [] {}, [](const absl::Status&) {});
  EXPECT_EQ(watcher.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(watcher.status().message()), HasSubstr(missing));
}

CatalogReloaderOptions Options(const std::string& seeds) {
  CatalogReloaderOptions options;
  options.seeds = seeds;
  return options;
}

// Records a reloader's publications and reports.
class Loads {
 public:
  CatalogReloader::Publish Publish() {
    return [this](std::shared_ptr<const Catalog> catalog) {
      absl::MutexLock lock(&mutex_);
      published_.push_back(std::move(catalog));
    };
  }
  CatalogReloader::Report Report() {
    return [this](const LoadReport& report) {
      absl::MutexLock lock(&mutex_);
      reports_.push_back(report);
    };
  }
  // The `n`th report (1-based), waiting for it; fails the test at the
  // deadline.
  LoadReport Await(int n) {
    absl::MutexLock lock(&mutex_);
    auto reached = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
      return static_cast<int>(reports_.size()) >= n;
    };
    if (!mutex_.AwaitWithTimeout(absl::Condition(&reached), kDeadline)) {
      ADD_FAILURE() << "no report " << n;
      return {};
    }
    return reports_[n - 1];
  }
  int published() {
    absl::MutexLock lock(&mutex_);
    return static_cast<int>(published_.size());
  }
  int reports() {
    absl::MutexLock lock(&mutex_);
    return static_cast<int>(reports_.size());
  }

 private:
  absl::Mutex mutex_;
  std::vector<std::shared_ptr<const Catalog>> published_
      ABSL_GUARDED_BY(mutex_);
  std::vector<LoadReport> reports_ ABSL_GUARDED_BY(mutex_);
};

TEST(CatalogReloaderTest, LoadsAtStartThenAgainOnRequest) {
  TempFolder folder;
  folder.Write("a.txt", Seed("a"));
  folder.Write("b.txt", Seed("b"));
  Loads loads;
  CatalogReloader reloader(Options(folder.root()), loads.Publish(),
                           loads.Report());
  reloader.Start();
  const LoadReport first = loads.Await(1);
  ASSERT_TRUE(first.status.ok()) << first.status;
  EXPECT_EQ(first.generation, 1);
  EXPECT_EQ(first.reason, "start");
  EXPECT_EQ(first.catalog->size(), 2u);
  EXPECT_EQ(first.previous, nullptr);

  folder.Write("c.txt", Seed("c"));
  reloader.RequestReload("test");
  const LoadReport second = loads.Await(2);
  ASSERT_TRUE(second.status.ok()) << second.status;
  EXPECT_EQ(second.generation, 2);
  EXPECT_EQ(second.reason, "test");
  EXPECT_EQ(second.catalog->size(), 3u);
  EXPECT_EQ(second.previous, first.catalog);
  EXPECT_NE(second.catalog->version(), first.catalog->version());
  EXPECT_EQ(loads.published(), 2);
}

TEST(CatalogReloaderTest, StrictReloadWithARejectedFileKeepsThePrevious) {
  TempFolder folder;
  folder.Write("a.txt", Seed("a"));
  Loads loads;
  CatalogReloaderOptions options;
  options.seeds = folder.root();
  options.strict = true;
  CatalogReloader reloader(options, loads.Publish(), loads.Report());
  reloader.Start();
  const LoadReport first = loads.Await(1);
  ASSERT_TRUE(first.status.ok()) << first.status;

  folder.Write("bad.txt", "---\ntitle: [unclosed\n---\n");
  reloader.RequestReload("test");
  const LoadReport second = loads.Await(2);
  EXPECT_EQ(second.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(second.status.message()),
              HasSubstr(absl::StrCat("still serving version ",
                                     first.catalog->version())));
  ASSERT_EQ(second.rejections.size(), 1u);
  EXPECT_THAT(std::string(second.rejections[0].message()),
              HasSubstr("bad.txt"));
  EXPECT_EQ(loads.published(), 1);
}

TEST(CatalogReloaderTest, AMissingFolderIsReportedAndNothingPublished) {
  TempFolder folder;
  Loads loads;
  CatalogReloader reloader(Options(folder.root() + "/missing"), loads.Publish(),
                           loads.Report());
  reloader.Start();
  const LoadReport first = loads.Await(1);
  EXPECT_FALSE(first.status.ok());
  EXPECT_EQ(first.catalog, nullptr);
  EXPECT_EQ(loads.published(), 0);
}

TEST(CatalogReloaderTest, RequestsMadeWhileOneWaitsAreMergedIntoIt) {
  TempFolder folder;
  folder.Write("a.txt", Seed("a"));
  Loads loads;
  CatalogReloader reloader(Options(folder.root()), loads.Publish(),
                           loads.Report());
  reloader.RequestReload("SIGHUP");
  reloader.RequestReload("SIGHUP");
  reloader.RequestReload("seeds folder changed");
  reloader.Start();
  const LoadReport first = loads.Await(1);
  EXPECT_EQ(first.reason, "SIGHUP, seeds folder changed, start");
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(loads.reports(), 1);
}

}  // namespace
}  // namespace newsmeta
