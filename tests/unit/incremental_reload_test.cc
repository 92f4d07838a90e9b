// Changes applied as deltas (IncrementalCatalog through CatalogReloader)
// against a build from scratch of the same folder, after every step of a
// random sequence of adds, edits, removals, renames, duplicates, rejected
// files and files changed twice within one timestamp tick.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "catalog/article_name.h"
#include "catalog/catalog.h"
#include "catalog/catalog_holder.h"
#include "gen_seeds/corpus.h"
#include "gtest/gtest.h"
#include "loader/seed_loader.h"
#include "loader/snapshot.h"
#include "newsmeta/v1/article_service.pb.h"
#include "query/article_queries.h"
#include "reload/catalog_reloader.h"
#include "reload/incremental_catalog.h"
#include "reload_test_util.h"
#include "test_util.h"
#include "watch/watch_hub.h"
#include "watch/watch_session.h"
#include "watch_test_util.h"

namespace newsmeta {
namespace {

namespace fs = std::filesystem;
namespace v1 = ::newsmeta::v1;

// A catalog built from scratch from the folder: its articles' bytes in
// order, its version and its rejections (sorted).
struct Truth {
  std::shared_ptr<const Catalog> catalog;
  std::string version;
  std::vector<std::string> articles;
  std::vector<std::string> rejections;
};

Truth FromScratch(const std::string& root) {
  Truth truth;
  absl::StatusOr<LoadResult> loaded = LoadSeedFolder(root);
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  if (!loaded.ok()) return truth;
  for (const absl::Status& rejection : loaded->rejections) {
    truth.rejections.emplace_back(rejection.message());
  }
  Catalog::BuildResult built = Catalog::Build(std::move(loaded->articles));
  for (const absl::Status& rejection : built.rejections) {
    truth.rejections.emplace_back(rejection.message());
  }
  std::sort(truth.rejections.begin(), truth.rejections.end());
  truth.catalog = built.catalog;
  truth.version = built.catalog->version();
  for (ArticleIndex i = 0; i < built.catalog->size(); ++i) {
    truth.articles.emplace_back(
        built.catalog->ArticleBytes(i, v1::ARTICLE_VIEW_FULL));
  }
  return truth;
}

Truth Served(const LoadReport& report) {
  Truth served;
  served.version = report.catalog->version();
  for (const ArticleRef article : report.catalog->InOrder()) {
    served.articles.emplace_back(
        report.catalog->ArticleBytes(article, v1::ARTICLE_VIEW_FULL));
  }
  for (const absl::Status& rejection : report.rejections) {
    served.rejections.emplace_back(rejection.message());
  }
  std::sort(served.rejections.begin(), served.rejections.end());
  return served;
}

// The wire bytes of every page of `request`, paged with its tokens.
std::vector<std::string> Pages(const CatalogHolder& catalog,
                               v1::ListArticlesRequest request) {
  std::vector<std::string> pages;
  while (pages.size() < 100) {
    std::string bytes;
    EXPECT_TRUE(ListArticlesWire(catalog, request, &bytes).ok());
    pages.push_back(bytes);
    v1::ListArticlesResponse page;
    EXPECT_TRUE(page.ParseFromString(bytes));
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  return pages;
}

// Query shapes answered by the served catalog and by the one built from
// scratch: every page (with its token) of listings in several orders, with
// a filter and text; a summary; a stream.
void ExpectSameAnswers(const CatalogHolder& served, const CatalogHolder& truth,
                       int step) {
  for (const char* order :
       {"", "publish_time desc", "quality desc", "heat, publish_time desc"}) {
    v1::ListArticlesRequest request;
    request.set_order_by(order);
    request.set_page_size(23);
    EXPECT_EQ(Pages(served, request), Pages(truth, request))
        << "step " << step << " order " << order;
    request.set_filter("quality >= 40");
    request.set_text("the");
    EXPECT_EQ(Pages(served, request), Pages(truth, request))
        << "step " << step << " filtered, order " << order;
  }
  v1::SummarizeArticlesRequest summarize;
  summarize.set_top_n(20);
  summarize.set_histogram_interval(v1::HISTOGRAM_INTERVAL_WEEK);
  v1::SummarizeArticlesResponse got, want;
  EXPECT_TRUE(SummarizeArticles(served, summarize, &got).ok());
  EXPECT_TRUE(SummarizeArticles(truth, summarize, &want).ok());
  EXPECT_EQ(got.SerializeAsString(), want.SerializeAsString())
      << "step " << step;
  v1::StreamArticlesRequest stream;
  stream.set_order_by("publish_time desc");
  auto a = ArticleStream::Open(served, stream);
  auto b = ArticleStream::Open(truth, stream);
  ASSERT_TRUE(a.ok() && b.ok());
  while (true) {
    const std::optional<absl::string_view> x = (*a)->Next();
    const std::optional<absl::string_view> y = (*b)->Next();
    ASSERT_EQ(x.has_value(), y.has_value()) << "step " << step;
    if (!x) break;
    ASSERT_EQ(*x, *y) << "step " << step;
  }
}

// Random changes to a seeds folder of generated seeds.
class Folder {
 public:
  explicit Folder(const TempFolder& folder, uint64_t seed)
      : folder_(folder), random_(seed) {
    options_.count = 400;
    options_.seed = seed;
  }

  // Writes the first `count` seeds.
  void Fill(int count) {
    for (; next_ < count; ++next_) Add();
  }

  // One random change, as the watcher would report it: the paths it
  // touched, or a full change when it made a folder or, now and then, as
  // SIGHUP or an inotify overflow would.
  SeedChanges Step() {
    bool folder_made = false;
    SeedChanges changes;
    changes.paths = Change(&folder_made);
    std::sort(changes.paths.begin(), changes.paths.end());
    changes.paths.erase(std::unique(changes.paths.begin(), changes.paths.end()),
                        changes.paths.end());
    changes.full = folder_made || random_() % 10 == 0;
    if (changes.full) changes.paths.clear();
    return changes;
  }

 private:
  // One random change; returns the paths it touched, and whether it made a
  // folder.
  std::vector<std::string> Change(bool* folder_made) {
    *folder_made = false;
    const int kind = static_cast<int>(random_() % 100);
    if (files_.empty() || kind < 25) return {Add()};
    const std::string path = Pick();
    if (kind < 40) {  // a correction: same URL, new title and quality
      Edit(path, "\ntitle: \"", "\ntitle: \"Corrected: ");
      return {path};
    }
    if (kind < 48) {  // twice within one tick: same size, new content
      Edit(path, "quality: ", "quality: 1");
      Edit(path, "quality: 1", "quality: 2");
      return {path};
    }
    if (kind < 60) {  // removed
      fs::remove(folder_.path() / path);
      files_.erase(path);
      return {path};
    }
    if (kind < 70) {  // renamed (sometimes over another file)
      const std::string to = random_() % 3 == 0 && files_.size() > 1
                                 ? Pick()
                                 : absl::StrCat("moved/", next_++, ".txt");
      if (to == path) return {path};
      fs::create_directories((folder_.path() / to).parent_path());
      fs::rename(folder_.path() / path, folder_.path() / to);
      files_.erase(path);
      files_.insert(to);
      return {path, to};
    }
    if (kind < 78) {  // a duplicate: the same article in another file
      const std::string to = absl::StrCat("dup/", next_++, ".txt");
      folder_.Write(to, ReadBytes((folder_.path() / path).string()));
      files_.insert(to);
      return {to};
    }
    if (kind < 86) {  // rejected
      folder_.Write(path, "---\ntitle: [unclosed\n---\n");
      return {path};
    }
    if (kind < 90) {  // a new folder
      const std::string to = absl::StrCat("sub", next_, "/", next_, ".txt");
      ++next_;
      folder_.Write(to, Seed(static_cast<int>(random_() % options_.count)));
      files_.insert(to);
      *folder_made = true;
      return {to};
    }
    return {Add()};  // another new article
  }

  std::string Seed(int index) const {
    return GenerateSeed(options_, index).content;
  }
  std::string Add() {
    const int index = next_++ % options_.count;
    const std::string path =
        absl::StrCat(index % 3 == 0 ? "a/" : "", "s", next_, ".txt");
    folder_.Write(path, Seed(index));
    files_.insert(path);
    return path;
  }
  void Edit(const std::string& path, absl::string_view from,
            absl::string_view to) {
    const std::string bytes = ReadBytes((folder_.path() / path).string());
    folder_.Write(path, absl::StrReplaceAll(bytes, {{from, to}}));
  }
  std::string Pick() {
    auto it = files_.begin();
    std::advance(it, random_() % files_.size());
    return *it;
  }

  const TempFolder& folder_;
  std::mt19937_64 random_;
  CorpusOptions options_;
  std::set<std::string> files_;
  int next_ = 0;
};

// Every article of `catalog` as a watcher of everything holds it.
std::map<std::string, std::string> Watched(const Catalog& catalog) {
  std::map<std::string, std::string> articles;
  for (ArticleIndex i = 0; i < catalog.size(); ++i) {
    articles[std::string(catalog.fields(i).name)] =
        CanonicalBytes(catalog.article(i));
  }
  return articles;
}

// A reloader, started, its first load awaited: Load asks it to load a
// change and returns the report, Change the same for named paths, which
// must be applied as a delta.
class Reloading {
 public:
  // `also`, when given, is handed each catalog published (a hub, a holder).
  explicit Reloading(CatalogReloaderOptions options,
                     CatalogReloader::Publish also = nullptr)
      : options_(std::move(options)),
        reloader_(options_, loads_.Publish(std::move(also)), loads_.Report()) {
    reloader_.Start();
    first_ = loads_.Await(1);
  }
  explicit Reloading(const TempFolder& folder,
                     IncrementalCatalogOptions incremental = {})
      : Reloading(Options(folder, incremental)) {}
  static CatalogReloaderOptions Options(const TempFolder& folder,
                                        IncrementalCatalogOptions incremental) {
    CatalogReloaderOptions options;
    options.seeds = folder.root();
    options.incremental = incremental;
    // Each report is the change's own (a test that wants the merge passes
    // turns them on).
    options.merge_when_due = false;
    return options;
  }

  const LoadReport& first() const { return first_; }
  // The next report, whatever asked for it.
  LoadReport Next() { return loads_.Await(++loads_seen_); }
  LoadReport Load(const SeedChanges& changes) {
    reloader_.RequestReload("test", changes);
    return Next();
  }
  LoadReport Change(std::vector<std::string> paths) {
    SeedChanges changes;
    changes.paths = std::move(paths);
    const LoadReport report = Load(changes);
    EXPECT_TRUE(report.status.ok()) << report.status;
    EXPECT_TRUE(report.delta) << report.delta_refused;
    EXPECT_TRUE(
        std::is_sorted(report.rejections.begin(), report.rejections.end(),
                       [](const absl::Status& a, const absl::Status& b) {
                         return a.message() < b.message();
                       }));
    return report;
  }

 private:
  const CatalogReloaderOptions options_;
  Loads loads_;
  CatalogReloader reloader_;
  LoadReport first_;
  int loads_seen_ = 1;
};

TEST(IncrementalReloadTest, EveryStepEqualsABuildFromScratch) {
  TempFolder temp;
  Folder folder(temp, 20261207);
  folder.Fill(150);
  // Small, so that the deltas and the whole catalog are merged often.
  IncrementalCatalogOptions incremental;
  incremental.max_deltas = 3;
  incremental.purge_share = 0.1;
  incremental.segment_articles = 16;
  // A watcher of every article follows the published catalogs.
  WatchHub hub;
  Reloading reloading(Reloading::Options(temp, incremental),
                      [&hub](std::shared_ptr<const SegmentedCatalog> catalog) {
                        hub.Publish(std::move(catalog));
                      });
  ASSERT_TRUE(reloading.first().status.ok());
  // Loaded in segments of at most 16 articles: several.
  EXPECT_GE(reloading.first().catalog->segment_count(), 4u);
  v1::WatchArticlesRequest everything;
  everything.set_view(v1::ARTICLE_VIEW_FULL);
  auto watch = WatchSession::Open(&hub, everything);
  ASSERT_TRUE(watch.ok()) << watch.status();
  ClientState client;

  int deltas = 0, refused = 0, merged_deltas = 0, purged = 0;
  int relinked = 0, walked_deltas = 0;
  constexpr int kSteps = 250;
  for (int step = 2; step <= kSteps + 1; ++step) {
    const SeedChanges changes = folder.Step();
    const LoadReport report = reloading.Load(changes);
    ASSERT_TRUE(report.status.ok()) << report.status;
    deltas += report.delta ? 1 : 0;
    // A refused delta: the state learned the served catalog again (or,
    // failing that, a whole load).
    refused +=
        report.delta_refused.empty() && report.relearned_after.empty() ? 0 : 1;
    merged_deltas += report.merged_deltas ? 1 : 0;
    purged += report.purged ? 1 : 0;
    relinked += report.articles_relinked > 0 ? 1 : 0;
    walked_deltas += report.walked && report.delta ? 1 : 0;

    const Truth want = FromScratch(temp.root());
    const Truth got = Served(report);
    ASSERT_EQ(got.version, want.version) << "step " << step;
    ASSERT_EQ(got.articles, want.articles) << "step " << step;
    ExpectSameAnswers(CatalogHolder(report.catalog),
                      CatalogHolder(want.catalog), step);
    // The watcher's events, applied, give every article: none lost or
    // repeated.
    for (const v1::ArticleEvent& event : Drain(**watch)) client.Apply(event);
    const std::map<std::string, std::string> watched = Watched(*want.catalog);
    for (const auto& [name, bytes] : watched) {
      const auto it = client.articles().find(name);
      EXPECT_TRUE(it != client.articles().end() && it->second == bytes)
          << "step " << step << ": " << name
          << (it == client.articles().end() ? " missing" : " differs");
    }
    EXPECT_EQ(client.articles().size(), watched.size()) << "step " << step;
    if (HasFailure()) return;
    std::vector<std::string> missing, extra;
    std::set_difference(want.rejections.begin(), want.rejections.end(),
                        got.rejections.begin(), got.rejections.end(),
                        std::back_inserter(missing));
    std::set_difference(got.rejections.begin(), got.rejections.end(),
                        want.rejections.begin(), want.rejections.end(),
                        std::back_inserter(extra));
    ASSERT_EQ(got.rejections, want.rejections)
        << "step " << step << (report.delta ? " delta" : " whole")
        << " walked=" << report.walked << " refused=" << report.delta_refused
        << " paths=" << testing::PrintToString(changes.paths) << ": missing "
        << testing::PrintToString(missing) << ", extra "
        << testing::PrintToString(extra);
  }
  // The sequence exercised the deltas, their merges and the fallbacks.
  EXPECT_GT(deltas, kSteps / 3);
  EXPECT_GT(refused, 0);
  EXPECT_GT(merged_deltas, 0);
  EXPECT_GT(purged, 0);
  EXPECT_GT(relinked, 0);
  EXPECT_GT(walked_deltas, 0);
  RecordProperty("deltas", deltas);
  RecordProperty("walked_deltas", walked_deltas);
  RecordProperty("relinked", relinked);
  RecordProperty("refused", refused);
}

// Readers query the served catalog while changes publish deltas and merge
// them (run under ThreadSanitizer too): every answer is whole for the
// catalog the call pinned.
TEST(IncrementalConcurrencyTest, QueriesWhileDeltasPublishAndMerge) {
  TempFolder temp;
  Folder folder(temp, 77);
  folder.Fill(120);
  IncrementalCatalogOptions incremental;
  incremental.max_deltas = 2;
  incremental.purge_share = 0.05;
  incremental.segment_articles = 16;
  CatalogHolder served;
  Reloading reloading(
      Reloading::Options(temp, incremental),
      [&served](std::shared_ptr<const SegmentedCatalog> catalog) {
        served.Set(std::move(catalog));
      });
  ASSERT_TRUE(reloading.first().status.ok());

  std::atomic<bool> done{false};
  std::atomic<int64_t> answers{0};
  const auto read = [&] {
    while (!done) {
      const std::shared_ptr<const SegmentedCatalog> catalog = served.Get();
      const CatalogHolder pinned(catalog);
      v1::ListArticlesRequest list;
      list.set_page_size(37);
      list.set_order_by(answers % 2 == 0 ? "publish_time desc" : "quality");
      size_t listed = 0;
      while (true) {
        v1::ListArticlesResponse page;
        ASSERT_TRUE(ListArticles(pinned, list, &page).ok());
        ASSERT_EQ(page.total_size(), static_cast<int>(catalog->size()));
        listed += static_cast<size_t>(page.articles_size());
        if (page.next_page_token().empty()) break;
        list.set_page_token(page.next_page_token());
      }
      ASSERT_EQ(listed, catalog->size());
      v1::SummarizeArticlesRequest summarize;
      v1::SummarizeArticlesResponse summary;
      ASSERT_TRUE(SummarizeArticles(pinned, summarize, &summary).ok());
      ASSERT_EQ(summary.total_size(), static_cast<int>(catalog->size()));
      ++answers;
    }
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < 2; ++i) readers.emplace_back(read);
  int deltas = 0;
  for (int step = 2; step <= 40; ++step) {
    const LoadReport report = reloading.Load(folder.Step());
    ASSERT_TRUE(report.status.ok()) << report.status;
    deltas += report.delta ? 1 : 0;
  }
  done = true;
  for (std::thread& reader : readers) reader.join();
  EXPECT_GT(answers, 0);
  EXPECT_GT(deltas, 10);
}

TEST(IncrementalCatalogTest, RefusesUntilItHasLearnedALoad) {
  IncrementalCatalog incremental;
  std::string why;
  EXPECT_FALSE(incremental.valid());
  EXPECT_FALSE(incremental.Apply({}, nullptr, &why).has_value());
  EXPECT_EQ(why, "no catalog to change");
}

// A seed whose article is at `url` and, when `links_to` is given, has a
// related link to it.
std::string LinkingSeed(const std::string& url, int day,
                        const std::string& links_to = "") {
  std::string seed =
      absl::StrCat("---\ntitle: \"At ", url, "\"\npublishedDateTime: 2024-01-0",
                   day, "T00:00:00Z\noriginalUrl: \"", url, "\"\n");
  if (!links_to.empty()) {
    absl::StrAppend(&seed, "related:\n  - title: \"Linked\"\n    webUrl: \"",
                    links_to, "\"\n");
  }
  return seed + "---\n";
}

// The related link of the one article of `catalog` that has one.
std::string ResolvedLink(const SegmentedCatalog& catalog) {
  for (const ArticleRef ref : catalog.InOrder()) {
    const v1::Article article = catalog.article(ref);
    if (article.related_size() > 0) return article.related(0).article();
  }
  return "(no link)";
}

TEST(IncrementalReloadTest, ArticlesLinkingToAChangedUrlAreEmittedAgain) {
  const std::string a = "https://a.example/story";
  const std::string b = "https://b.example/story";
  TempFolder temp;
  temp.Write("a.txt", LinkingSeed(a, 1, b));
  temp.Write("other.txt", LinkingSeed("https://c.example/x", 2));
  Reloading reloading(temp);
  ASSERT_TRUE(reloading.first().status.ok());
  EXPECT_EQ(ResolvedLink(*reloading.first().catalog), "");
  EXPECT_GT(reloading.first().delta_state_bytes, 0);

  // The article a links to arrives: a's link resolves to it now.
  temp.Write("b.txt", LinkingSeed(b, 3));
  const LoadReport arrived = reloading.Change({"b.txt"});
  EXPECT_EQ(arrived.articles_added, 1);
  EXPECT_EQ(arrived.articles_relinked, 1);
  EXPECT_EQ(ResolvedLink(*arrived.catalog), ArticleNameForUrl(b));
  EXPECT_EQ(arrived.catalog->version(), FromScratch(temp.root()).version);

  // It goes again: a's link resolves to nothing.
  fs::remove(temp.path() / "b.txt");
  const LoadReport gone = reloading.Change({"b.txt"});
  EXPECT_EQ(gone.articles_deleted, 1);
  EXPECT_EQ(gone.articles_relinked, 1);
  EXPECT_EQ(ResolvedLink(*gone.catalog), "");
  EXPECT_EQ(gone.catalog->version(), FromScratch(temp.root()).version);
}

// A URL several articles own (one's original URL, others' web URL): a link
// to it resolves to the first owner in catalog order, as a build from
// scratch resolves it, and changes of its owners are deltas.
TEST(IncrementalReloadTest, ALinkToAUrlSeveralArticlesOwnIsADelta) {
  const std::string shared = "https://shared.example/story";
  // An article at `url` on `day` whose web URL is `web`.
  const auto owner = [](const std::string& url, int day,
                        const std::string& web) {
    return absl::StrCat(
        "---\ntitle: \"At ", url, "\"\npublishedDateTime: 2024-01-0", day,
        "T00:00:00Z\noriginalUrl: \"", url, "\"\nwebUrl: \"", web, "\"\n---\n");
  };
  TempFolder temp;
  temp.Write("b.txt", LinkingSeed(shared, 5));  // owns it by name, day 5
  temp.Write("a.txt", owner("https://a.example/x", 3, shared));  // day 3
  temp.Write("linking.txt", LinkingSeed("https://l.example/x", 1, shared));
  Reloading reloading(temp);
  ASSERT_TRUE(reloading.first().status.ok());
  const std::string a = ArticleNameForUrl("https://a.example/x");
  EXPECT_EQ(ResolvedLink(*reloading.first().catalog), a);
  const auto change = [&](std::vector<std::string> paths) {
    const LoadReport report = reloading.Change(std::move(paths));
    EXPECT_TRUE(report.delta) << report.delta_refused;
    const Truth want = FromScratch(temp.root());
    EXPECT_EQ(Served(report).articles, want.articles);
    EXPECT_EQ(report.catalog->version(), want.version);
    return ResolvedLink(*report.catalog);
  };
  // An earlier owner arrives: the link moves to it.
  temp.Write("d.txt", owner("https://d.example/x", 2, shared));
  EXPECT_EQ(change({"d.txt"}), ArticleNameForUrl("https://d.example/x"));
  // The linking article changes (it is emitted again, resolved anew).
  temp.Write("linking.txt", LinkingSeed("https://l.example/x", 4, shared));
  EXPECT_EQ(change({"linking.txt"}), ArticleNameForUrl("https://d.example/x"));
  // It goes: back to a.
  fs::remove(temp.path() / "d.txt");
  EXPECT_EQ(change({"d.txt"}), a);
  // a moves after b: b, the owner by name, is first now.
  temp.Write("a.txt", owner("https://a.example/x", 6, shared));
  EXPECT_EQ(change({"a.txt"}), ArticleNameForUrl(shared));
  // b goes: a alone.
  fs::remove(temp.path() / "b.txt");
  EXPECT_EQ(change({"b.txt"}), a);
}

TEST(IncrementalReloadTest, FilesGivingOneNameKeepTheFirstPathAsDeltas) {
  const std::string url = "https://a.example/story";
  const auto seed = [](const std::string& title, const std::string& at) {
    return absl::StrCat("---\ntitle: \"", title,
                        "\"\npublishedDateTime: 2024-01-01T00:00:00Z\n"
                        "originalUrl: \"",
                        at, "\"\n---\n");
  };
  TempFolder temp;
  temp.Write("b.txt", seed("B", url));
  temp.Write("c.txt", seed("C", url));
  temp.Write("other.txt", LinkingSeed("https://c.example/x", 2, url));
  // Rejected too, and listed before c.txt's duplicate by the whole load.
  temp.Write("x-bad.txt", "---\ntitle: [unclosed\n---\n");
  Reloading reloading(temp);
  ASSERT_TRUE(reloading.first().status.ok());
  const std::string name = ArticleNameForUrl(url);
  // The title served for `name` after the change of `paths`, which must
  // give what a build from scratch gives, rejections too.
  const auto title = [&](std::vector<std::string> paths) {
    const LoadReport report = reloading.Change(std::move(paths));
    const Truth want = FromScratch(temp.root());
    const Truth got = Served(report);
    EXPECT_EQ(got.articles, want.articles);
    EXPECT_EQ(got.rejections, want.rejections);
    const std::optional<ArticleRef> ref = report.catalog->IndexOf(name);
    return ref ? report.catalog->article(*ref).title() : "(none)";
  };
  // A file that sorts first gives the name: it is kept, the others are its
  // duplicates.
  temp.Write("a.txt", seed("A", url));
  EXPECT_EQ(title({"a.txt"}), "A");
  // The kept file goes: the next one (not named by the change) is kept.
  fs::remove(temp.path() / "a.txt");
  EXPECT_EQ(title({"a.txt"}), "B");
  // A duplicate changes: nothing served changes, its rejection stays.
  temp.Write("c.txt", seed("C2", url));
  EXPECT_EQ(title({"c.txt"}), "B");
  // The kept file gives another name now: c.txt is kept, and other.txt's
  // link still resolves to the name.
  temp.Write("b.txt", seed("B", "https://b.example/moved"));
  EXPECT_EQ(title({"b.txt"}), "C2");
}

TEST(IncrementalReloadTest, AMergeLeavesAnOlderMuchLargerDeltaAlone) {
  TempFolder temp;
  CorpusOptions corpus;
  corpus.count = 200;
  corpus.seed = 5;
  const auto write = [&](int from, int count) {
    std::vector<std::string> paths;
    for (int i = from; i < from + count; ++i) {
      paths.push_back(absl::StrCat("s", i, ".txt"));
      temp.Write(paths.back(), GenerateSeed(corpus, i).content);
    }
    return paths;
  };
  write(0, 20);
  IncrementalCatalogOptions incremental;
  // The base is small too: 4 small segments make a merge.
  incremental.max_deltas = 3;
  incremental.purge_share = 100;  // never a purge
  Reloading reloading(temp, incremental);
  ASSERT_TRUE(reloading.first().status.ok());
  reloading.Change(write(100, 50));  // a delta of 50 articles
  EXPECT_EQ(reloading.Change(write(150, 1)).merged_articles, 0);
  const LoadReport merged = reloading.Change(write(151, 1));  // 4 segments
  EXPECT_TRUE(merged.merged_deltas);
  EXPECT_EQ(merged.merged_articles, 2);  // the working space it took
  ASSERT_EQ(merged.catalog->segment_count(), 3u);
  EXPECT_EQ(merged.catalog->segment(1).size(), 50u);
  EXPECT_EQ(merged.catalog->segment(2).size(), 2u);
  EXPECT_EQ(merged.catalog->version(), FromScratch(temp.root()).version);
}

// The articles of the segments of `after` that `before` does not hold:
// those a change copied (its delta, and what a merge wrote).
size_t CopiedSince(const SegmentedCatalog& before,
                   const SegmentedCatalog& after) {
  size_t copied = 0;
  for (uint32_t s = 0; s < after.segment_count(); ++s) {
    bool kept = false;
    for (uint32_t t = 0; t < before.segment_count(); ++t) {
      kept = kept || after.segment_ptr(s) == before.segment_ptr(t);
    }
    if (!kept) copied += after.segment(s).size();
  }
  return copied;
}

// 100 generated seeds s0.txt ... s99.txt, and reloader options that load
// them in 10 segments of 10 and read a walk's files 8 at a time.
CatalogReloaderOptions HundredSeedsInTens(const TempFolder& temp,
                                          std::vector<std::string>* files) {
  CorpusOptions corpus;
  corpus.count = 100;
  corpus.seed = 21;
  for (int i = 0; i < 100; ++i) {
    files->push_back(absl::StrCat("s", i, ".txt"));
    temp.Write(files->back(), GenerateSeed(corpus, i).content);
  }
  CatalogReloaderOptions options = Reloading::Options(temp, {});
  options.incremental.segment_articles = 10;
  options.incremental.segment_share = 0;
  options.delta_chunk_files = 8;
  return options;
}

// A catalog loads in segments of a bounded size, and under a feed of new
// and removed files no change copies more than one segment's articles (a
// merge of deltas, or a segment purged of its deleted articles), while the
// number of segments stays bounded.
TEST(IncrementalReloadTest, NoMergeCopiesMoreThanOneSegment) {
  TempFolder temp;
  CorpusOptions corpus;
  corpus.count = 400;
  corpus.seed = 9;
  std::vector<std::string> files;
  const auto write = [&](int index) {
    files.push_back(absl::StrCat("s", index, ".txt"));
    temp.Write(files.back(), GenerateSeed(corpus, index).content);
    return files.back();
  };
  for (int i = 0; i < 100; ++i) write(i);
  IncrementalCatalogOptions incremental;
  incremental.segment_articles = 10;
  incremental.segment_share = 0;  // 10 articles whatever the catalog's size
  incremental.max_deltas = 3;
  Reloading reloading(temp, incremental);
  const std::shared_ptr<const SegmentedCatalog> first =
      reloading.first().catalog;
  ASSERT_EQ(first->segment_count(), 10u);
  for (uint32_t s = 0; s < first->segment_count(); ++s) {
    EXPECT_EQ(first->segment(s).size(), 10u);
  }

  std::mt19937_64 random(3);
  std::shared_ptr<const SegmentedCatalog> served = first;
  int purges = 0, delta_merges = 0;
  for (int step = 0; step < 60; ++step) {
    std::vector<std::string> changed;
    // Three new files, and one or two old ones removed.
    for (int k = 0; k < 3; ++k) changed.push_back(write(100 + 3 * step + k));
    for (int k = 0; k < 1 + step % 2; ++k) {
      const size_t pick = random() % (files.size() - 3);
      fs::remove(temp.path() / files[pick]);
      changed.push_back(files[pick]);
      files.erase(files.begin() + static_cast<std::ptrdiff_t>(pick));
    }
    const LoadReport report = reloading.Change(changed);
    const SegmentedCatalog& next = *report.catalog;
    purges += report.purged ? 1 : 0;
    delta_merges += report.merged_deltas ? 1 : 0;
    // The articles copied (the change's own delta, its new and relinked
    // articles, is new too).
    EXPECT_LE(CopiedSince(*served, next),
              10 + report.articles_added + report.articles_relinked)
        << "step " << step;
    // Full segments hold at least 5 articles: with 3 deltas at most, the
    // count stays bounded by the live articles.
    EXPECT_LE(next.segment_count(), next.size() / 5 + 3 + 1) << "step " << step;
    served = report.catalog;
  }
  EXPECT_EQ(served->version(), FromScratch(temp.root()).version);
  EXPECT_GT(purges, 0);
  EXPECT_GT(delta_merges, 0);
}

// A walk's change is applied in chunks, of which only the last catalog is
// published: of the merges that copy a segment served meanwhile, only one
// is made (the others wait for the next change), so a takedown of many
// files holds at most one segment's copy beside the catalog served.
TEST(IncrementalReloadTest, AChangeInChunksCopiesOneServedSegment) {
  TempFolder temp;
  std::vector<std::string> files;
  Reloading reloading(HundredSeedsInTens(temp, &files));
  const std::shared_ptr<const SegmentedCatalog> first =
      reloading.first().catalog;
  ASSERT_EQ(first->segment_count(), 10u);
  // Every third file taken down: every segment is a third deleted.
  for (size_t i = 0; i < files.size(); i += 3)
    fs::remove(temp.path() / files[i]);
  SeedChanges walk;
  walk.full = true;  // as SIGHUP
  const LoadReport takedown = reloading.Load(walk);
  ASSERT_TRUE(takedown.delta) << takedown.delta_refused;
  EXPECT_TRUE(takedown.purged);
  EXPECT_LE(CopiedSince(*first, *takedown.catalog),
            10 + takedown.articles_relinked);
  EXPECT_EQ(takedown.catalog->version(), FromScratch(temp.root()).version);
  // The next changes purge the others, one each.
  std::shared_ptr<const SegmentedCatalog> served = takedown.catalog;
  int purges = 0;
  for (int k = 0; k < 12; ++k) {
    const LoadReport next = reloading.Load(walk);
    ASSERT_TRUE(next.delta) << next.delta_refused;
    purges += next.purged ? 1 : 0;
    EXPECT_LE(CopiedSince(*served, *next.catalog), 10u);
    served = next.catalog;
  }
  // The others over a quarter deleted; then none is.
  EXPECT_GT(purges, 0);
  for (uint32_t s = 0; s < served->segment_count(); ++s) {
    const DeletionSet* deleted = served->deleted(s);
    EXPECT_LE(deleted == nullptr ? 0 : deleted->size(),
              served->segment(s).size() / 4)
        << s;
  }
  EXPECT_EQ(served->version(), FromScratch(temp.root()).version);
}

// The merges a change could not make are made next, one per catalog
// published, until none is due: after a takedown, no segment is left more
// than a quarter deleted without another change.
TEST(IncrementalReloadTest, MergesStillDueAreMadeWithoutAChange) {
  TempFolder temp;
  std::vector<std::string> files;
  CatalogReloaderOptions options = HundredSeedsInTens(temp, &files);
  options.merge_when_due = true;
  Reloading reloading(options);
  for (size_t i = 0; i < files.size(); i += 3) {
    fs::remove(temp.path() / files[i]);
  }
  SeedChanges walk;
  walk.full = true;
  LoadReport report = reloading.Load(walk);
  ASSERT_TRUE(report.merge_due);
  int passes = 0;
  while (report.merge_due && passes < 30) {
    std::shared_ptr<const SegmentedCatalog> before = report.catalog;
    report = reloading.Next();
    ++passes;
    EXPECT_EQ(report.reason, kMergingSegments);
    EXPECT_TRUE(report.purged || report.merged_deltas);
    EXPECT_EQ(report.catalog->version(), before->version());
  }
  EXPECT_FALSE(report.merge_due);
  EXPECT_GT(passes, 1);
  for (uint32_t s = 0; s < report.catalog->segment_count(); ++s) {
    const DeletionSet* deleted = report.catalog->deleted(s);
    EXPECT_LE(deleted == nullptr ? 0 : deleted->size(),
              report.catalog->segment(s).size() / 4)
        << s;
  }
  EXPECT_EQ(report.catalog->version(), FromScratch(temp.root()).version);
}

TEST(IncrementalReloadTest, AServerStartedFromASnapshotCatchesUpAsADelta) {
  TempFolder temp;
  CorpusOptions corpus;
  corpus.count = 40;
  corpus.seed = 11;
  const auto write = [&](int index) {
    const std::string path = absl::StrCat("seeds/s", index, ".txt");
    temp.Write(path, GenerateSeed(corpus, index).content);
    return absl::StrCat("s", index, ".txt");
  };
  for (int i = 0; i < 30; ++i) write(i);
  const std::string seeds = (temp.path() / "seeds").string();
  const std::string snapshot = (temp.path() / "catalog.snapshot").string();
  ASSERT_TRUE(WriteSnapshot(SegmentedCatalog(*FromScratch(seeds).catalog),
                            snapshot, "test")
                  .ok());
  // The folder changes while the server is down: one seed corrected, one
  // removed, one added.
  const std::string corrected = (temp.path() / "seeds/s3.txt").string();
  WriteBytes(corrected,
             absl::StrReplaceAll(ReadBytes(corrected),
                                 {{"\ntitle: \"", "\ntitle: \"Fix: "}}));
  fs::remove(temp.path() / "seeds/s4.txt");
  write(35);

  CatalogReloaderOptions options;
  options.seeds = seeds;
  options.snapshot = snapshot;
  Reloading reloading(options);
  const LoadReport& start = reloading.first();
  ASSERT_TRUE(start.status.ok()) << start.status;
  EXPECT_EQ(start.source, absl::StrCat("snapshot ", snapshot));
  // At once, without a change: the walk, applied as a delta.
  const LoadReport caught_up = reloading.Next();
  ASSERT_TRUE(caught_up.status.ok()) << caught_up.status;
  EXPECT_TRUE(caught_up.delta) << caught_up.delta_refused;
  EXPECT_TRUE(caught_up.walked);
  EXPECT_EQ(caught_up.articles_added, 2);    // corrected and added
  EXPECT_EQ(caught_up.articles_deleted, 2);  // corrected and removed
  const Truth want = FromScratch(seeds);
  EXPECT_EQ(Served(caught_up).articles, want.articles);
  EXPECT_EQ(caught_up.catalog->version(), want.version);

  // Then changes are deltas.
  const LoadReport next = reloading.Change({write(36)});
  EXPECT_EQ(next.catalog->version(), FromScratch(seeds).version);
}

// 40 generated seeds (corpus `seed`) in temp's seeds/ as s0.txt ... s39.txt;
// the folder's path.
std::string FortySeeds(TempFolder& temp, uint64_t seed) {
  CorpusOptions corpus;
  corpus.count = 40;
  corpus.seed = seed;
  for (int i = 0; i < 40; ++i) {
    temp.Write(absl::StrCat("seeds/s", i, ".txt"),
               GenerateSeed(corpus, i).content);
  }
  return (temp.path() / "seeds").string();
}

// A snapshot written as one segment larger than a merge may write (by a
// server that cut larger segments): once a quarter of it is deleted it is
// split where it lies (each part indexed anew over the snapshot's bytes),
// not copied.
TEST(IncrementalReloadTest, AnOversizedSnapshotSegmentIsSplitInPlace) {
  TempFolder temp;
  const std::string seeds = FortySeeds(temp, 17);
  const std::string snapshot = (temp.path() / "catalog.snapshot").string();
  ASSERT_TRUE(WriteSnapshot(SegmentedCatalog(*FromScratch(seeds).catalog),
                            snapshot, "test")
                  .ok());
  CatalogReloaderOptions options;
  options.seeds = seeds;
  options.snapshot = snapshot;
  options.incremental.segment_articles = 10;
  options.incremental.segment_share = 0;
  options.merge_when_due = false;
  Reloading reloading(options);
  ASSERT_TRUE(reloading.first().status.ok());
  const LoadReport caught_up = reloading.Next();
  ASSERT_TRUE(caught_up.delta) << caught_up.delta_refused;
  ASSERT_EQ(caught_up.catalog->segment_count(), 1u);  // nothing changed
  const std::shared_ptr<const void> bytes =
      caught_up.catalog->segment(0).wire_storage();

  std::vector<std::string> gone;
  for (int i = 0; i < 40; i += 3) {
    gone.push_back(absl::StrCat("s", i, ".txt"));
    fs::remove(temp.path() / "seeds" / gone.back());
  }
  const LoadReport split = reloading.Change(gone);
  EXPECT_TRUE(split.purged);
  // Its parts (beside the change's delta of relinked articles, if any)
  // view the snapshot's bytes.
  size_t parts = 0, in_parts = 0;
  for (uint32_t s = 0; s < split.catalog->segment_count(); ++s) {
    if (split.catalog->segment(s).wire_storage() != bytes) continue;
    ++parts;
    in_parts += split.catalog->segment(s).size();
    EXPECT_LE(split.catalog->segment(s).size(), 10u);
  }
  EXPECT_GE(parts, 3u);
  EXPECT_EQ(in_parts + split.articles_relinked, split.catalog->size());
  EXPECT_EQ(split.catalog->version(), FromScratch(seeds).version);
  EXPECT_EQ(Served(split).articles, FromScratch(seeds).articles);
}

// A snapshot written with the segments a load from scratch cuts starts as
// those segments, each viewing the file: a takedown purges one at a time
// like any other segment (copied out, within a merge's size), nothing split.
TEST(IncrementalReloadTest, ASnapshotStartsAsTheSegmentsALoadCuts) {
  TempFolder temp;
  const std::string seeds = FortySeeds(temp, 19);
  const std::string snapshot = (temp.path() / "catalog.snapshot").string();
  CatalogReloaderOptions options;
  options.seeds = seeds;
  options.snapshot = snapshot;
  options.incremental.segment_articles = 10;
  options.incremental.segment_share = 0;
  options.merge_when_due = false;
  const Truth truth = FromScratch(seeds);
  ASSERT_TRUE(
      WriteSnapshot(SegmentedCatalog(*truth.catalog), snapshot, "test",
                    SegmentArticles(options.incremental, truth.catalog->size()))
          .ok());
  Reloading reloading(options);
  const LoadReport& start = reloading.first();
  ASSERT_TRUE(start.status.ok()) << start.status;
  ASSERT_EQ(start.catalog->segment_count(), 4u);
  // Each views its part of the file (what holds it gives the part's pages
  // back once the segment is let go).
  std::set<const void*> viewed;
  for (uint32_t s = 0; s < 4; ++s) {
    EXPECT_EQ(start.catalog->segment(s).size(), 10u);
    viewed.insert(start.catalog->segment(s).wire_storage().get());
  }
  EXPECT_EQ(viewed.size(), 4u);
  EXPECT_EQ(start.catalog->version(), truth.version);
  EXPECT_EQ(Served(start).articles, truth.articles);
  const LoadReport caught_up = reloading.Next();
  ASSERT_TRUE(caught_up.delta) << caught_up.delta_refused;
  EXPECT_EQ(caught_up.catalog->segment_count(), 4u);  // nothing changed

  // The first 20 articles in catalog order are the first two segments':
  // take down half of the first segment's.
  std::vector<std::string> gone;
  for (ArticleIndex i = 0; i < 10; i += 2) {
    gone.push_back(truth.catalog->article(i).source_file());
    fs::remove(temp.path() / "seeds" / gone.back());
  }
  const LoadReport purged = reloading.Change(gone);
  EXPECT_TRUE(purged.purged);
  // The other three segments still view the file; the purged one is a copy
  // of its 5 live articles.
  size_t viewing = 0;
  for (uint32_t s = 0; s < purged.catalog->segment_count(); ++s) {
    const Catalog& segment = purged.catalog->segment(s);
    EXPECT_LE(segment.size(), 10u);
    if (viewed.count(segment.wire_storage().get()) > 0) ++viewing;
  }
  EXPECT_EQ(viewing, 3u);
  EXPECT_EQ(purged.catalog->version(), FromScratch(seeds).version);
  EXPECT_EQ(Served(purged).articles, FromScratch(seeds).articles);
}

}  // namespace
}  // namespace newsmeta
