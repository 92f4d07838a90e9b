// Tests of the seeds watcher and the background catalog reloader. They wait
// for events with generous deadlines and never assert on timings.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loader/seed_loader.h"
#include "reload/catalog_reloader.h"
#include "reload/seed_watcher.h"
#include "reload_test_util.h"
#include "test_util.h"

namespace newsmeta {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr absl::Duration kDeadline = absl::Seconds(10);

std::string Seed(const std::string& slug) {
  return absl::StrCat("---\ntitle: Article ", slug,
                      "\npublishedDateTime: 2023-07-24T09:05:00Z\n"
                      "originalUrl: https://example.com/",
                      slug, "\n---\n");
}

// Records a watcher's reports.
class Reports {
 public:
  void Add(const SeedChanges& changes) {
    absl::MutexLock lock(&mutex_);
    reports_.push_back(changes);
  }
  int count() {
    absl::MutexLock lock(&mutex_);
    return static_cast<int>(reports_.size());
  }
  // The `n`th report (1-based); a default one when there is none.
  SeedChanges report(int n) {
    absl::MutexLock lock(&mutex_);
    return n <= static_cast<int>(reports_.size()) ? reports_[n - 1]
                                                  : SeedChanges();
  }
  // Every path the reports named so far.
  std::set<std::string> named() {
    absl::MutexLock lock(&mutex_);
    std::set<std::string> paths;
    for (const SeedChanges& report : reports_) {
      paths.insert(report.paths.begin(), report.paths.end());
    }
    return paths;
  }
  // Waits until the reports have named every one of `paths` (a file's
  // events may fall into two batches on a loaded machine, so it may be named
  // twice); false at the deadline.
  bool WaitUntilNamed(const std::set<std::string>& paths) {
    const absl::Time deadline = absl::Now() + kDeadline;
    while (absl::Now() < deadline) {
      const std::set<std::string> seen = named();
      if (std::includes(seen.begin(), seen.end(), paths.begin(), paths.end())) {
        return true;
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
    return false;
  }
  // Waits until at least `n` reports came; false at the deadline.
  bool WaitFor(int n) {
    absl::MutexLock lock(&mutex_);
    auto reached = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
      return static_cast<int>(reports_.size()) >= n;
    };
    return mutex_.AwaitWithTimeout(absl::Condition(&reached), kDeadline);
  }

 private:
  absl::Mutex mutex_;
  std::vector<SeedChanges> reports_ ABSL_GUARDED_BY(mutex_);
};

std::unique_ptr<SeedWatcher> Watch(const TempFolder& folder, Reports* reports,
                                   absl::Duration quiet) {
  SeedWatcherOptions options;
  options.quiet_period = quiet;
  absl::StatusOr<std::unique_ptr<SeedWatcher>> watcher = SeedWatcher::Start(
      folder.root(), options,
      [reports](const SeedChanges& changes) { reports->Add(changes); },
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

// A ConfigMap volume as kubelet lays it out: the files in a dot-named
// folder, `..data` linking to it, and a link per file through `..data`.
void ConfigMapLayout(const TempFolder& folder) {
  folder.Write("..v1/a.txt", Seed("a"));
  folder.Link("..data", "..v1");
  folder.Link("a.txt", "..data/a.txt");
}

TEST(SeedWatcherTest, ReportsAConfigMapDataLinkSwap) {
  TempFolder folder;
  ConfigMapLayout(folder);
  Reports reports;
  auto watcher = Watch(folder, &reports, absl::Milliseconds(50));
  // As kubelet does it: a new folder, a new link renamed over `..data`, the
  // old folder removed.
  folder.Write("..v2/a.txt", Seed("a2"));
  folder.Link("..data_tmp", "..v2");
  std::filesystem::rename(folder.path() / "..data_tmp",
                          folder.path() / "..data");
  std::filesystem::remove_all(folder.path() / "..v1");
  ASSERT_TRUE(reports.WaitFor(1));
  EXPECT_TRUE(reports.report(1).full);
  EXPECT_THAT(reports.report(1).paths, IsEmpty());
}

// No folder is created or removed here: only the events on the dot-named
// links `..data_tmp` and `..data` tell that every file changed.
TEST(SeedWatcherTest, ALinkRenamedOverADotNamedLinkIsAFullChange) {
  TempFolder folder;
  ConfigMapLayout(folder);
  folder.Write("..v2/a.txt", Seed("a2"));
  Reports reports;
  auto watcher = Watch(folder, &reports, absl::Milliseconds(50));
  folder.Link("..data_tmp", "..v2");
  std::filesystem::rename(folder.path() / "..data_tmp",
                          folder.path() / "..data");
  ASSERT_TRUE(reports.WaitFor(1));
  EXPECT_TRUE(reports.report(1).full);
  EXPECT_THAT(reports.report(1).paths, IsEmpty());
}

// Once gone, a dot name cannot be told from a link to a folder.
TEST(SeedWatcherTest, ARemovedDotNamedLinkIsAFullChange) {
  TempFolder folder;
  ConfigMapLayout(folder);
  Reports reports;
  auto watcher = Watch(folder, &reports, absl::Milliseconds(50));
  std::filesystem::remove(folder.path() / "..data");
  ASSERT_TRUE(reports.WaitFor(1));
  EXPECT_TRUE(reports.report(1).full);
}

// The loader skips them, and an editor writes its swap file on every save.
TEST(SeedWatcherTest, DotNamedFilesWrittenAreIgnored) {
  TempFolder folder;
  folder.Write("sub/old.txt", Seed("old"));
  Reports reports;
  auto watcher = Watch(folder, &reports, absl::Milliseconds(50));
  folder.Write(".a.txt.swp", "swap");
  folder.Write("sub/.b.txt.swp", "swap");
  folder.Write(".a.txt.swp", "swap, written again");
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(reports.count(), 0);

  folder.Write("a.txt", Seed("a"));
  folder.Write("sub/.b.txt.swp", "swap, written once more");
  folder.Write("sub/b.txt", Seed("b"));
  ASSERT_TRUE(reports.WaitUntilNamed({"a.txt", "sub/b.txt"}));
  EXPECT_THAT(reports.named(), ElementsAre("a.txt", "sub/b.txt"));
  for (int n = 1; n <= reports.count(); ++n) {
    EXPECT_FALSE(reports.report(n).full) << "report " << n;
  }
}

TEST(SeedWatcherTest, NamesTheChangedFilesAsTheLoaderNamesThem) {
  TempFolder outside;
  TempFolder folder;
  folder.Write("sub/old.txt", Seed("old"));
  folder.Link("linked", outside.path());
  Reports reports;
  auto watcher = Watch(folder, &reports, absl::Milliseconds(50));
  folder.Write("a.txt", Seed("a"));
  ASSERT_TRUE(reports.WaitFor(1));
  EXPECT_FALSE(reports.report(1).full);
  EXPECT_THAT(reports.report(1).paths, ElementsAre("a.txt"));

  folder.Write("sub/b.txt", Seed("b"));
  ASSERT_TRUE(reports.WaitFor(2));
  EXPECT_FALSE(reports.report(2).full);
  EXPECT_THAT(reports.report(2).paths, ElementsAre("sub/b.txt"));

  outside.Write("c.txt", Seed("c"));
  ASSERT_TRUE(reports.WaitFor(3));
  EXPECT_FALSE(reports.report(3).full);
  EXPECT_THAT(reports.report(3).paths, ElementsAre("linked/c.txt"));

  std::filesystem::rename(folder.path() / "sub/old.txt",
                          folder.path() / "sub/new.txt");
  ASSERT_TRUE(reports.WaitFor(4));
  EXPECT_FALSE(reports.report(4).full);
  EXPECT_THAT(reports.report(4).paths,
              ElementsAre("sub/new.txt", "sub/old.txt"));
}

TEST(SeedWatcherTest, ABurstIsOneReportNamingEveryFile) {
  TempFolder folder;
  Reports reports;
  auto watcher = Watch(folder, &reports, absl::Milliseconds(500));
  std::vector<std::string> written;
  for (int i = 0; i < 20; ++i) {
    written.push_back(absl::StrCat(i, ".txt"));
    folder.Write(written.back(), Seed(absl::StrCat(i)));
  }
  std::sort(written.begin(), written.end());
  ASSERT_TRUE(reports.WaitFor(1));
  absl::SleepFor(absl::Seconds(1));
  EXPECT_EQ(reports.count(), 1);
  EXPECT_FALSE(reports.report(1).full);
  EXPECT_EQ(reports.report(1).paths, written);
}

TEST(SeedWatcherTest, AFolderWrittenWithoutPauseIsReportedInBatches) {
  // A file every 20 ms for 1.5 s, with a quiet period of 100 ms that is
  // never reached: a batch at the latest 300 ms (three quiet periods) after
  // its first change.
  TempFolder folder;
  Reports reports;
  auto watcher = Watch(folder, &reports, absl::Milliseconds(100));
  const absl::Time start = absl::Now();
  int files = 0;
  while (absl::Now() - start < absl::Milliseconds(1500)) {
    folder.Write(absl::StrCat(files++, ".txt"), Seed("feed"));
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_GE(reports.count(), 3);
  for (int n = 1; n <= reports.count(); ++n) {
    const SeedChanges report = reports.report(n);
    EXPECT_FALSE(report.full);
    EXPECT_NE(report.first_seen, absl::InfiniteFuture());
    EXPECT_GE(report.first_seen, start);
  }
  // Every file named (one whose events fell into two batches, twice).
  std::set<std::string> written;
  for (int i = 0; i < files; ++i) written.insert(absl::StrCat(i, ".txt"));
  ASSERT_TRUE(reports.WaitUntilNamed(written));
  EXPECT_EQ(reports.named(), written);
}

TEST(SeedWatcherTest, ANewSubfolderIsAFullChange) {
  TempFolder folder;
  Reports reports;
  auto watcher = Watch(folder, &reports, absl::Milliseconds(50));
  std::filesystem::create_directories(folder.path() / "new");
  ASSERT_TRUE(reports.WaitFor(1));
  EXPECT_TRUE(reports.report(1).full);
  EXPECT_THAT(reports.report(1).paths, IsEmpty());
  // Watched from now on, and named as the loader names it.
  folder.Write("new/a.txt", Seed("a"));
  ASSERT_TRUE(reports.WaitFor(2));
  EXPECT_FALSE(reports.report(2).full);
  EXPECT_THAT(reports.report(2).paths, ElementsAre("new/a.txt"));
}

TEST(SeedWatcherTest, MoreNamesThanTheCapIsAFullChange) {
  TempFolder folder;
  Reports reports;
  SeedWatcherOptions options;
  options.quiet_period = absl::Milliseconds(300);
  options.max_paths = 3;
  absl::StatusOr<std::unique_ptr<SeedWatcher>> watcher = SeedWatcher::Start(
      folder.root(), options,
      [&reports](const SeedChanges& changes) { reports.Add(changes); },
      [](const absl::Status& error) { ADD_FAILURE() << error; });
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  for (int i = 0; i < 4; ++i) folder.Write(absl::StrCat(i, ".txt"), "x");
  ASSERT_TRUE(reports.WaitFor(1));
  EXPECT_TRUE(reports.report(1).full);
}

TEST(SeedWatcherTest, AMissingFolderIsAnError) {
  TempFolder folder;
  const std::string missing = folder.root() + "/missing";
  const auto watcher = SeedWatcher::Start(
      missing, {}, [](const SeedChanges&) {}, [](const absl::Status&) {});
  EXPECT_EQ(watcher.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(watcher.status().message()), HasSubstr(missing));
}

CatalogReloaderOptions Options(const std::string& seeds) {
  CatalogReloaderOptions options;
  options.seeds = seeds;
  return options;
}

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

// Under --strict, changes are deltas too: one that leaves a rejection is
// not published, and the next that leaves none publishes every change since
// (what a build from scratch of the folder gives).
TEST(CatalogReloaderTest, StrictChangesAreDeltasPublishedOnceClean) {
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

  SeedChanges changes;
  changes.paths = {"b.txt", "bad.txt"};
  folder.Write("b.txt", Seed("b"));
  folder.Write("bad.txt", "---\ntitle: [unclosed\n---\n");
  reloader.RequestReload("test", changes);
  const LoadReport refused = loads.Await(2);
  EXPECT_TRUE(refused.delta) << refused.delta_refused;
  EXPECT_EQ(refused.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(loads.published(), 1);

  changes.paths = {"bad.txt", "c.txt"};
  std::filesystem::remove(folder.path() / "bad.txt");
  folder.Write("c.txt", Seed("c"));
  reloader.RequestReload("test", changes);
  const LoadReport clean = loads.Await(3);
  EXPECT_TRUE(clean.delta) << clean.delta_refused;
  ASSERT_TRUE(clean.status.ok()) << clean.status;
  EXPECT_TRUE(clean.rejections.empty());
  EXPECT_EQ(loads.published(), 2);
  EXPECT_EQ(clean.catalog->size(), 3u);  // a, and b and c since
  const Catalog::BuildResult want =
      Catalog::Build(LoadSeedFolder(folder.root())->articles);
  EXPECT_EQ(clean.catalog->version(), want.catalog->version());
}

// After a failed load the state is forgotten: the next reload learns the
// catalog served again and catches up by a walk applied as a delta (no
// second catalog built beside the one served).
TEST(CatalogReloaderTest, AfterAFailedLoadTheServedCatalogIsLearnedAgain) {
  TempFolder temp;
  temp.Write("seeds/a.txt", Seed("a"));
  temp.Write("seeds/b.txt", Seed("b"));
  const std::string seeds = (temp.path() / "seeds").string();
  Loads loads;
  CatalogReloader reloader(Options(seeds), loads.Publish(), loads.Report());
  reloader.Start();
  ASSERT_TRUE(loads.Await(1).status.ok());

  std::filesystem::rename(temp.path() / "seeds", temp.path() / "away");
  reloader.RequestReload("SIGHUP");
  const LoadReport failed = loads.Await(2);
  EXPECT_FALSE(failed.status.ok());
  EXPECT_EQ(loads.published(), 1);

  std::filesystem::rename(temp.path() / "away", temp.path() / "seeds");
  temp.Write("seeds/b.txt", Seed("b2"));  // another article now
  temp.Write("seeds/c.txt", Seed("c"));
  reloader.RequestReload("SIGHUP");
  const LoadReport back = loads.Await(3);
  ASSERT_TRUE(back.status.ok()) << back.status;
  EXPECT_TRUE(back.delta);
  EXPECT_TRUE(back.walked);
  EXPECT_FALSE(back.relearned_after.empty());
  EXPECT_EQ(back.catalog->size(), 3u);
  const Catalog::BuildResult want =
      Catalog::Build(LoadSeedFolder(seeds)->articles);
  EXPECT_EQ(back.catalog->version(), want.catalog->version());
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

TEST(CatalogReloaderTest, MergesNamedPathsAndAFullRequestWins) {
  TempFolder folder;
  folder.Write("a.txt", Seed("a"));
  folder.Write("b.txt", Seed("b"));
  folder.Write("c.txt", Seed("c"));
  // Each load waits, once it has listed the folder, until the test has made
  // the requests for the next one.
  absl::Notification requested[2];
  std::atomic<int> listed{0};
  CatalogReloaderOptions options = Options(folder.root());
  // Every load a whole one, so each passes through the loader's hook.
  options.deltas = false;
  options.loader.after_walk = [&requested, &listed] {
    const int n = listed++;
    if (n < 2) requested[n].WaitForNotification();
  };
  // Waits until the `n`th load has listed the folder, so requests made
  // afterwards go to the next one.
  const auto wait_listed = [&listed](int n) {
    const absl::Time deadline = absl::Now() + kDeadline;
    while (listed < n && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    EXPECT_EQ(listed, n);
  };
  Loads loads;
  CatalogReloader reloader(options, loads.Publish(), loads.Report());
  reloader.Start();
  wait_listed(1);
  SeedChanges a, b, c;
  a.paths = {"a.txt"};
  b.paths = {"b.txt"};
  c.paths = {"c.txt"};
  reloader.RequestReload("seeds folder changed", b);
  reloader.RequestReload("seeds folder changed", a);
  requested[0].Notify();
  const LoadReport first = loads.Await(1);
  EXPECT_TRUE(first.changes.full);
  EXPECT_TRUE(first.walked);

  // Made while the second load runs (it has listed): the third merges them,
  // full winning.
  wait_listed(2);
  reloader.RequestReload("seeds folder changed", c);
  reloader.RequestReload("SIGHUP");
  requested[1].Notify();
  const LoadReport second = loads.Await(2);
  ASSERT_TRUE(second.status.ok()) << second.status;
  EXPECT_EQ(second.reason, "seeds folder changed");
  EXPECT_FALSE(second.changes.full);
  EXPECT_THAT(second.changes.paths, ElementsAre("a.txt", "b.txt"));
  EXPECT_FALSE(second.walked);
  EXPECT_EQ(second.catalog->size(), 3u);

  const LoadReport third = loads.Await(3);
  ASSERT_TRUE(third.status.ok()) << third.status;
  EXPECT_EQ(third.reason, "seeds folder changed, SIGHUP");
  EXPECT_TRUE(third.changes.full);
  EXPECT_THAT(third.changes.paths, IsEmpty());
  EXPECT_TRUE(third.walked);
}

}  // namespace
}  // namespace newsmeta
