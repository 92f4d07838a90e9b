// Differential tests of SegmentedCatalog: a catalog laid out as segments
// (with older versions and removed articles deleted in them) answers every
// query exactly as one catalog built from scratch from its live articles:
// the same response bytes for ListArticles (every page, with its token),
// StreamArticles, SummarizeArticles, GetArticle and BatchGetArticles, and
// the same version.
#include "catalog/segmented_catalog.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "catalog/catalog.h"
#include "catalog/catalog_holder.h"
#include "gen_seeds/corpus.h"
#include "gtest/gtest.h"
#include "newsmeta/v1/article.pb.h"
#include "newsmeta/v1/article_service.pb.h"
#include "query/article_queries.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;

constexpr int kCorpusCount = 3000;

// The same catalog twice: built from scratch, and as segments.
struct Layouts {
  std::shared_ptr<const Catalog> truth;
  std::shared_ptr<const SegmentedCatalog> segmented;
  // Names of live, deleted-only and unknown articles, to look up.
  std::vector<std::string> names;
};

// An edited version of `article`: what a correction to its seed gives.
Article Edited(Article article, std::mt19937_64* random) {
  switch ((*random)() % 3) {
    case 0:
      article.set_title(absl::StrCat(article.title(), " (corrected)"));
      break;
    case 1:
      article.add_topics("Corrections");
      break;
    default:
      article.mutable_publish_time()->set_seconds(
          article.publish_time().seconds() + 3600);
      break;
  }
  return article;
}

// Lays out the live articles (each the catalog `truth` holds) in `segments`
// segments, with stale versions and removed articles in them, deleted.
Layouts MakeLayouts(uint64_t seed, int segments) {
  std::mt19937_64 random(seed);
  CorpusOptions options;
  options.count = kCorpusCount;
  options.seed = seed;
  std::vector<Article> live;
  std::vector<Article> removed;
  for (int i = 0; i < kCorpusCount; ++i) {
    Article article = GenerateArticle(options, i);
    if (random() % 10 == 0) {
      removed.push_back(std::move(article));
    } else {
      live.push_back(random() % 5 == 0 ? Edited(std::move(article), &random)
                                       : std::move(article));
    }
  }
  Layouts layouts;
  layouts.truth = Catalog::Build(live).catalog;
  // Each segment's articles as bytes: the live ones exactly as the whole
  // catalog holds them (linked against every live article, as the reloader
  // links a delta's), stale and removed ones as they were.
  struct Entry {
    absl::Time time;
    std::string name;
    std::string bytes;
  };
  std::vector<std::vector<Entry>> in_segment(segments);
  std::vector<std::vector<std::string>> deleted_names(segments);
  const auto add = [&](int s, const Article& article, std::string bytes) {
    in_segment[s].push_back(
        {ToAbslTime(article.publish_time()), article.name(), std::move(bytes)});
  };
  const auto add_stale = [&](int s, const Article& article) {
    add(s, article,
        std::string(Catalog::Build({article}).catalog->ArticleBytes(
            0, v1::ARTICLE_VIEW_FULL)));
    deleted_names[s].push_back(article.name());
  };
  std::vector<int> live_segment(layouts.truth->size());
  for (ArticleIndex i = 0; i < layouts.truth->size(); ++i) {
    live_segment[i] = static_cast<int>(random() % segments);
    add(live_segment[i], layouts.truth->article(i),
        std::string(layouts.truth->ArticleBytes(i, v1::ARTICLE_VIEW_FULL)));
  }
  for (const Article& article : removed) {
    add_stale(static_cast<int>(random() % segments), article);
    layouts.names.push_back(article.name());
  }
  // Older versions of live articles, in another segment.
  for (ArticleIndex i = 0; segments > 1 && i < layouts.truth->size(); ++i) {
    if (random() % 8 != 0) continue;
    const int other = static_cast<int>(random() % (segments - 1));
    add_stale(other >= live_segment[i] ? other + 1 : other,
              Edited(layouts.truth->article(i), &random));
  }
  std::vector<SegmentedCatalog::Segment> parts;
  for (int s = 0; s < segments; ++s) {
    std::vector<Entry>& entries = in_segment[s];
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) {
                return std::tie(a.time, a.name) < std::tie(b.time, b.name);
              });
    std::vector<std::string> bytes;
    for (Entry& entry : entries) bytes.push_back(std::move(entry.bytes));
    absl::StatusOr<std::shared_ptr<const Catalog>> catalog =
        Catalog::FromCatalogBytes(std::move(bytes));
    EXPECT_TRUE(catalog.ok()) << catalog.status();
    std::vector<ArticleIndex> deleted;
    for (const std::string& name : deleted_names[s]) {
      deleted.push_back(*(*catalog)->IndexOf(name));
    }
    auto deletions =
        std::make_shared<const DeletionSet>(deleted, (*catalog)->size());
    parts.push_back({*std::move(catalog), std::move(deletions)});
  }
  // The content hash in O(change): every segment's, less what is deleted.
  MultisetHash content_hash;
  for (const SegmentedCatalog::Segment& part : parts) {
    content_hash.Add(part.catalog->content_hash());
    for (const ArticleIndex i : part.deleted->sorted()) {
      content_hash.Remove(part.catalog->ArticleBytes(i, v1::ARTICLE_VIEW_FULL));
    }
  }
  layouts.segmented = SegmentedCatalog::Make(std::move(parts), content_hash);
  for (ArticleIndex i = 0; i < layouts.truth->size(); i += 7) {
    layouts.names.push_back(layouts.truth->article(i).name());
  }
  layouts.names.push_back("articles/never-loaded");
  return layouts;
}

class SegmentedCatalogTest : public testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    layouts_ = MakeLayouts(1000 + GetParam(), GetParam());
    truth_.Set(layouts_.truth);
    segmented_.Set(layouts_.segmented);
    // Topic spellings and domains that occur, to ask for.
    for (ArticleIndex i = 0; i < layouts_.truth->size(); i += 97) {
      const Article article = layouts_.truth->article(i);
      for (const std::string& topic : article.topics())
        topics_.push_back(topic);
      domains_.push_back(article.provider().domain());
      for (absl::string_view word : absl::StrSplit(article.title(), ' ')) {
        if (word.size() > 4) words_.emplace_back(word);
      }
    }
  }

  template <typename T>
  const T& Pick(const std::vector<T>& from) {
    return from[random_() % from.size()];
  }

  // A random query, in the fields every query request shares.
  template <typename Request>
  void RandomQuery(Request* request) {
    if (random_() % 3 == 0) request->add_topics(Pick(topics_));
    if (random_() % 6 == 0) request->add_topics(Pick(topics_));
    if (random_() % 5 == 0) request->add_provider_domains(Pick(domains_));
    if (random_() % 3 == 0) {
      const absl::Time start = layouts_.truth->publish_time(
          static_cast<ArticleIndex>(random_() % layouts_.truth->size()));
      *request->mutable_start_time() = ToTimestamp(start);
      if (random_() % 2 == 0) {
        *request->mutable_end_time() =
            ToTimestamp(start + absl::Hours(24 * (1 + random_() % 200)));
      }
    }
    if (random_() % 4 == 0) request->set_text(Pick(words_));
    static const std::vector<std::string> kFilters = {
        "quality >= 50", "heat > 0", "topics:\"Corrections\"",
        "NOT quality < 30 AND heat <= 5"};
    if (random_() % 4 == 0) request->set_filter(Pick(kFilters));
  }

  std::string RandomOrder() {
    static const std::vector<std::string> kOrders = {"",
                                                     "publish_time desc",
                                                     "publish_time",
                                                     "quality desc",
                                                     "heat, publish_time desc",
                                                     "quality desc, heat"};
    return Pick(kOrders);
  }

  Layouts layouts_;
  CatalogHolder truth_;
  CatalogHolder segmented_;
  std::vector<std::string> topics_, domains_, words_;
  std::mt19937_64 random_{7};
};

TEST_P(SegmentedCatalogTest, VersionSizeAndOrderAreThoseOfTheWholeCatalog) {
  EXPECT_EQ(layouts_.segmented->version(), layouts_.truth->version());
  EXPECT_EQ(layouts_.segmented->size(), layouts_.truth->size());
  const std::vector<ArticleRef> order = layouts_.segmented->InOrder();
  ASSERT_EQ(order.size(), layouts_.truth->size());
  for (ArticleIndex i = 0; i < order.size(); ++i) {
    ASSERT_EQ(layouts_.segmented->ArticleBytes(order[i], v1::ARTICLE_VIEW_FULL),
              layouts_.truth->ArticleBytes(i, v1::ARTICLE_VIEW_FULL))
        << "article " << i;
  }
}

// The same code and message (an ErrorInfo's metadata map has no fixed order
// on the wire).
void ExpectSameStatus(const absl::Status& got, const absl::Status& want,
                      const std::string& context) {
  EXPECT_EQ(got.code(), want.code()) << context;
  EXPECT_EQ(got.message(), want.message()) << context;
}

TEST_P(SegmentedCatalogTest, MergeIsTheWholeCatalog) {
  absl::StatusOr<std::shared_ptr<const Catalog>> merged =
      layouts_.segmented->Merge();
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ((*merged)->version(), layouts_.truth->version());
  EXPECT_EQ((*merged)->content_hash(), layouts_.truth->content_hash());
  ASSERT_EQ((*merged)->size(), layouts_.truth->size());
  for (ArticleIndex i = 0; i < layouts_.truth->size(); ++i) {
    ASSERT_EQ((*merged)->ArticleBytes(i, v1::ARTICLE_VIEW_FULL),
              layouts_.truth->ArticleBytes(i, v1::ARTICLE_VIEW_FULL));
  }
  // Its indexes too: a summary of everything names the same counts.
  v1::SummarizeArticlesRequest request;
  request.set_top_n(50);
  request.set_histogram_interval(v1::HISTOGRAM_INTERVAL_MONTH);
  v1::SummarizeArticlesResponse want, got;
  ASSERT_TRUE(SummarizeArticles(truth_, request, &want).ok());
  ASSERT_TRUE(SummarizeArticles(CatalogHolder(*merged), request, &got).ok());
  EXPECT_EQ(got.SerializeAsString(), want.SerializeAsString());
}

TEST_P(SegmentedCatalogTest, MergeIntoPartsIsTheWholeCatalogInRuns) {
  const size_t n = layouts_.truth->size();
  for (const size_t most : {n, n / 3 + 1, size_t{7}}) {
    absl::StatusOr<std::vector<std::shared_ptr<const Catalog>>> parts =
        layouts_.segmented->MergeInto(most);
    ASSERT_TRUE(parts.ok()) << parts.status();
    ASSERT_EQ(parts->size(), (n + most - 1) / most) << most;
    std::vector<std::string> joined;
    MultisetHash content_hash;
    for (const auto& part : *parts) {
      EXPECT_LE(part->size(), most);
      for (ArticleIndex i = 0; i < part->size(); ++i) {
        joined.emplace_back(part->ArticleBytes(i, v1::ARTICLE_VIEW_FULL));
      }
      content_hash.Add(part->content_hash());
    }
    ASSERT_EQ(joined.size(), n);
    for (ArticleIndex i = 0; i < n; ++i) {
      ASSERT_EQ(joined[i],
                layouts_.truth->ArticleBytes(i, v1::ARTICLE_VIEW_FULL))
          << most << " " << i;
    }
    EXPECT_EQ(Catalog::VersionOf(content_hash), layouts_.truth->version());
  }
}

TEST_P(SegmentedCatalogTest, GetAndBatchGetAnswerTheLiveArticle) {
  int found = 0;
  for (const std::string& name : layouts_.names) {
    v1::GetArticleRequest request;
    request.set_name(name);
    std::string want, got;
    const absl::Status want_status = GetArticleWire(truth_, request, &want);
    ExpectSameStatus(GetArticleWire(segmented_, request, &got), want_status,
                     name);
    EXPECT_EQ(got, want) << name;
    found += want_status.ok() ? 1 : 0;
  }
  EXPECT_GT(found, 100);
  EXPECT_LT(found, static_cast<int>(layouts_.names.size()));
  // Live names only (all found), then with a removed one (NOT_FOUND).
  v1::BatchGetArticlesRequest batch;
  for (ArticleIndex i = 0; i < layouts_.truth->size(); i += 61) {
    batch.add_names(layouts_.truth->article(i).name());
  }
  batch.set_view(v1::ARTICLE_VIEW_BASIC);
  for (int round = 0; round < 2; ++round) {
    std::string want, got;
    const absl::Status want_status = BatchGetArticlesWire(truth_, batch, &want);
    EXPECT_EQ(want_status.ok(), round == 0) << want_status;
    ExpectSameStatus(BatchGetArticlesWire(segmented_, batch, &got), want_status,
                     "batch");
    EXPECT_EQ(got, want);
    batch.add_names(layouts_.names.front());  // a removed article
  }
}

TEST_P(SegmentedCatalogTest, EveryPageAndTokenIsTheWholeCatalogs) {
  for (int round = 0; round < 150; ++round) {
    v1::ListArticlesRequest request;
    RandomQuery(&request);
    request.set_order_by(RandomOrder());
    request.set_page_size(1 + static_cast<int>(random_() % 60));
    const std::string described = request.ShortDebugString();
    for (int page = 0; page < 400; ++page) {
      std::string want, got;
      const absl::Status want_status = ListArticlesWire(truth_, request, &want);
      ASSERT_EQ(ListArticlesWire(segmented_, request, &got), want_status)
          << described;
      ASSERT_EQ(got, want) << described << " page " << page;
      v1::ListArticlesResponse response;
      ASSERT_TRUE(response.ParseFromString(got));
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
  }
}

TEST_P(SegmentedCatalogTest, StreamsAreTheWholeCatalogs) {
  for (int round = 0; round < 60; ++round) {
    v1::StreamArticlesRequest request;
    RandomQuery(&request);
    request.set_order_by(RandomOrder());
    const std::string described = request.ShortDebugString();
    auto want = ArticleStream::Open(truth_, request);
    auto got = ArticleStream::Open(segmented_, request);
    ASSERT_TRUE(want.ok()) << want.status();
    ASSERT_TRUE(got.ok()) << got.status();
    size_t count = 0;
    while (true) {
      const std::optional<absl::string_view> a = (*want)->Next();
      const std::optional<absl::string_view> b = (*got)->Next();
      ASSERT_EQ(a.has_value(), b.has_value()) << described << " at " << count;
      if (!a) break;
      ASSERT_EQ(*b, *a) << described << " at " << count;
      ++count;
    }
  }
}

TEST_P(SegmentedCatalogTest, SummariesAreTheWholeCatalogs) {
  for (int round = 0; round < 80; ++round) {
    v1::SummarizeArticlesRequest request;
    RandomQuery(&request);
    request.set_top_n(static_cast<int>(random_() % 30));
    request.set_histogram_interval(
        static_cast<v1::HistogramInterval>(random_() % 4));
    v1::SummarizeArticlesResponse want, got;
    const absl::Status want_status = SummarizeArticles(truth_, request, &want);
    ASSERT_EQ(SummarizeArticles(segmented_, request, &got), want_status)
        << request.ShortDebugString();
    ASSERT_EQ(got.SerializeAsString(), want.SerializeAsString())
        << request.ShortDebugString() << "\ngot " << got.ShortDebugString()
        << "\nwant " << want.ShortDebugString();
  }
}

// One segment (nothing deleted) is the plain path; several segments, with
// deletions, the merging one.
INSTANTIATE_TEST_SUITE_P(Layouts, SegmentedCatalogTest,
                         testing::Values(1, 2, 3, 5));

// One segment with deleted articles, sliced: the parts are its live
// articles in catalog order, viewed where the segment holds them (no copy),
// and their content hashes add up to the live articles'.
TEST(SegmentedCatalogSliceTest, PartsViewTheLiveArticlesInPlace) {
  CorpusOptions corpus;
  corpus.count = 60;
  corpus.seed = 3;
  std::vector<Article> articles;
  for (int i = 0; i < corpus.count; ++i) {
    articles.push_back(GenerateArticle(corpus, i));
  }
  const std::shared_ptr<const Catalog> whole = Catalog::Build(articles).catalog;
  std::vector<uint32_t> deleted;
  MultisetHash live_hash = whole->content_hash();
  for (uint32_t i = 0; i < whole->size(); i += 4) {
    deleted.push_back(i);
    live_hash.Remove(whole->ArticleBytes(i, v1::ARTICLE_VIEW_FULL));
  }
  const auto segmented = SegmentedCatalog::Make(
      {{whole, std::make_shared<const DeletionSet>(deleted, whole->size())}},
      live_hash);
  absl::StatusOr<std::vector<std::shared_ptr<const Catalog>>> parts =
      segmented->SliceInto(16);
  ASSERT_TRUE(parts.ok()) << parts.status();
  const std::vector<ArticleRef> live = segmented->InOrder();
  ASSERT_EQ(parts->size(), (live.size() + 15) / 16);
  size_t at = 0;
  MultisetHash parts_hash;
  for (const auto& part : *parts) {
    EXPECT_LE(part->size(), 16u);
    EXPECT_EQ(part->wire_storage(), whole->wire_storage());
    for (ArticleIndex i = 0; i < part->size(); ++i, ++at) {
      const absl::string_view bytes =
          part->ArticleBytes(i, v1::ARTICLE_VIEW_FULL);
      EXPECT_EQ(bytes.data(),
                segmented->ArticleBytes(live[at], v1::ARTICLE_VIEW_FULL)
                    .data());  // the same bytes, not a copy
    }
    parts_hash.Add(part->content_hash());
  }
  EXPECT_EQ(at, live.size());
  EXPECT_EQ(Catalog::VersionOf(parts_hash), segmented->version());
  // Two segments are refused.
  EXPECT_FALSE(SegmentedCatalog::Make({{whole, nullptr}, {whole, nullptr}},
                                      MultisetHash())
                   ->SliceInto(16)
                   .ok());
}

TEST(DeletionSetTest, CountsAndMembership) {
  const DeletionSet set(std::vector<uint32_t>{9, 3, 3, 70, 64}, 100);
  EXPECT_EQ(set.size(), 4u);
  EXPECT_TRUE(set.Contains(3));
  EXPECT_TRUE(set.Contains(64));
  EXPECT_FALSE(set.Contains(4));
  EXPECT_FALSE(set.Contains(1000));
  EXPECT_EQ(set.CountIn(0, 100), 4u);
  EXPECT_EQ(set.CountIn(4, 64), 1u);
  EXPECT_EQ(set.CountIn(64, 65), 1u);
  EXPECT_EQ(set.CountIn(10, 10), 0u);
  const DeletionSet more = set.With(std::vector<uint32_t>{5, 9, 99});
  EXPECT_EQ(more.sorted(), (std::vector<uint32_t>{3, 5, 9, 64, 70, 99}));
  EXPECT_EQ(set.size(), 4u);  // unchanged
}

}  // namespace
}  // namespace newsmeta
