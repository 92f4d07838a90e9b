// Tests of request validation (QueryFromRequest, views, article names) and of
// the transport-free API operations in query/article_queries.h.
#include "query/request.h"

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "catalog/article_name.h"
#include "catalog/catalog.h"
#include "catalog/catalog_holder.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "newsmeta/v1/article.pb.h"
#include "newsmeta/v1/article_service.pb.h"
#include "query/article_queries.h"
#include "query/query.h"
#include "test_util.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;
using ::newsmeta::v1::ArticleView;
using ::newsmeta::v1::GetArticleRequest;
using ::newsmeta::v1::ListArticlesRequest;
using ::newsmeta::v1::ListArticlesResponse;
using ::newsmeta::v1::StreamArticlesRequest;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const absl::Time kJuly =
    absl::FromCivil(absl::CivilDay(2023, 7, 1), absl::UTCTimeZone());

// QueryFromRequest behaves the same for both request types.
template <typename Request>
class RequestQueryTest : public testing::Test {};

using RequestTypes = testing::Types<ListArticlesRequest, StreamArticlesRequest>;
TYPED_TEST_SUITE(RequestQueryTest, RequestTypes);

TYPED_TEST(RequestQueryTest, EmptyRequestIsEveryArticleNewestFirst) {
  const absl::StatusOr<Query> query = QueryFromRequest(TypeParam());
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_THAT(query->topics, IsEmpty());
  EXPECT_THAT(query->provider_domains, IsEmpty());
  EXPECT_EQ(query->start_time, std::nullopt);
  EXPECT_EQ(query->end_time, std::nullopt);
  ASSERT_EQ(query->order.size(), 1u);
  EXPECT_EQ(query->order[0].key, SortKey::kPublishTime);
  EXPECT_TRUE(query->order[0].descending);
}

TYPED_TEST(RequestQueryTest, TopicsAreNormalizedSortedAndDeduplicated) {
  TypeParam request;
  for (const char* topic :
       {"Space", " AI Hardware ", "ai hardware", "Chips", "\tspace\n", "AI"}) {
    request.add_topics(topic);
  }
  const absl::StatusOr<Query> query = QueryFromRequest(request);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_THAT(query->topics,
              ElementsAre("ai", "ai hardware", "chips", "space"));
}

TYPED_TEST(RequestQueryTest,
           ProviderDomainsAreNormalizedSortedAndDeduplicated) {
  TypeParam request;
  for (const char* domain : {"WSJ.com", "ft.com", " wsj.com "}) {
    request.add_provider_domains(domain);
  }
  const absl::StatusOr<Query> query = QueryFromRequest(request);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_THAT(query->provider_domains, ElementsAre("ft.com", "wsj.com"));
}

TYPED_TEST(RequestQueryTest, EmptyTopicIsRejectedByIndex) {
  TypeParam request;
  request.add_topics("AI");
  request.add_topics("Chips");
  request.add_topics("   ");
  const absl::StatusOr<Query> query = QueryFromRequest(request);
  EXPECT_EQ(query.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(query.status().message()), HasSubstr("topics[2]"));

  TypeParam first_empty;
  first_empty.add_topics("");
  EXPECT_THAT(std::string(QueryFromRequest(first_empty).status().message()),
              HasSubstr("topics[0]"));
}

TYPED_TEST(RequestQueryTest, EmptyProviderDomainIsRejectedByIndex) {
  TypeParam request;
  request.add_provider_domains("wsj.com");
  request.add_provider_domains("");
  const absl::StatusOr<Query> query = QueryFromRequest(request);
  EXPECT_EQ(query.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(query.status().message()),
              HasSubstr("provider_domains[1]"));
}

TYPED_TEST(RequestQueryTest, TooManyTopicsAreRejected) {
  TypeParam request;
  for (int i = 0; i < kMaxQueryValues; ++i) {
    request.add_topics(absl::StrCat("topic ", i));
  }
  const absl::StatusOr<Query> at_limit = QueryFromRequest(request);
  ASSERT_TRUE(at_limit.ok()) << at_limit.status();
  EXPECT_EQ(at_limit->topics.size(), static_cast<size_t>(kMaxQueryValues));

  request.add_topics("one too many");
  const absl::StatusOr<Query> query = QueryFromRequest(request);
  EXPECT_EQ(query.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(query.status().message()),
              AllOf(HasSubstr("topics"), HasSubstr("101"), HasSubstr("100")));
}

TYPED_TEST(RequestQueryTest, TooLongTopicIsRejected) {
  TypeParam request;
  request.add_topics(std::string(kMaxQueryValueBytes, 'a'));
  EXPECT_TRUE(QueryFromRequest(request).ok());
  request.add_topics(std::string(kMaxQueryValueBytes + 1, 'a'));
  const absl::StatusOr<Query> query = QueryFromRequest(request);
  EXPECT_EQ(query.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(query.status().message()), HasSubstr("topics[1]"));
}

TYPED_TEST(RequestQueryTest, TimesAreRead) {
  TypeParam request;
  request.mutable_start_time()->set_seconds(absl::ToUnixSeconds(kJuly));
  request.mutable_start_time()->set_nanos(5);
  SetTime(kJuly + absl::Hours(24), request.mutable_end_time());
  const absl::StatusOr<Query> query = QueryFromRequest(request);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->start_time, kJuly + absl::Nanoseconds(5));
  EXPECT_EQ(query->end_time, kJuly + absl::Hours(24));
}

TYPED_TEST(RequestQueryTest, EpochStartTimeIsSetNotAbsent) {
  TypeParam request;
  request.mutable_start_time();  // Present, all zero: 1970-01-01T00:00:00Z.
  const absl::StatusOr<Query> query = QueryFromRequest(request);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->start_time, absl::UnixEpoch());
  EXPECT_EQ(query->end_time, std::nullopt);
}

TYPED_TEST(RequestQueryTest, StartTimeMustBeBeforeEndTime) {
  for (const absl::Duration gap : {absl::ZeroDuration(), absl::Hours(1)}) {
    TypeParam request;
    SetTime(kJuly + gap, request.mutable_start_time());
    SetTime(kJuly, request.mutable_end_time());
    const absl::StatusOr<Query> query = QueryFromRequest(request);
    EXPECT_EQ(query.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(query.status().message()),
                AllOf(HasSubstr("start_time"), HasSubstr("end_time")));
  }
  TypeParam one_nanosecond;
  SetTime(kJuly, one_nanosecond.mutable_start_time());
  SetTime(kJuly, one_nanosecond.mutable_end_time());
  one_nanosecond.mutable_end_time()->set_nanos(1);
  EXPECT_TRUE(QueryFromRequest(one_nanosecond).ok());
}

TYPED_TEST(RequestQueryTest, InvalidTimestampIsNamed) {
  TypeParam request;
  SetTime(kJuly, request.mutable_start_time());
  request.mutable_start_time()->set_nanos(1000000000);
  absl::StatusOr<Query> query = QueryFromRequest(request);
  EXPECT_EQ(query.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(query.status().message()), HasSubstr("start_time"));

  request.clear_start_time();
  SetTime(kJuly, request.mutable_end_time());
  request.mutable_end_time()->set_nanos(-1);
  query = QueryFromRequest(request);
  EXPECT_EQ(query.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(query.status().message()), HasSubstr("end_time"));

  request.mutable_end_time()->set_nanos(0);
  request.mutable_end_time()->set_seconds(253402300800);  // Year 10000.
  query = QueryFromRequest(request);
  EXPECT_EQ(query.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(query.status().message()), HasSubstr("end_time"));
}

TYPED_TEST(RequestQueryTest, OrderByVariants) {
  // order_by, and whether it sorts by publish_time descending.
  const std::vector<std::pair<std::string, bool>> cases = {
      {"", true},
      {"   ", true},
      {"publish_time desc", true},
      {"publish_time asc", false},
      {"  PUBLISH_TIME   DESC ", true},
      {"Publish_Time ASC", false},
      {"publish_time", false},  // AIP-132: no direction means ascending.
  };
  for (const auto& [order_by, descending] : cases) {
    TypeParam request;
    request.set_order_by(order_by);
    const absl::StatusOr<Query> query = QueryFromRequest(request);
    ASSERT_TRUE(query.ok()) << "\"" << order_by << "\": " << query.status();
    ASSERT_EQ(query->order.size(), 1u) << "\"" << order_by << "\"";
    EXPECT_EQ(query->order[0].key, SortKey::kPublishTime);
    EXPECT_EQ(query->order[0].descending, descending)
        << "\"" << order_by << "\"";
  }
}

TYPED_TEST(RequestQueryTest, UnsupportedOrderByIsRejected) {
  for (const char* order_by :
       {"title", "title desc", "publish_time sideways",
        "publish_time desc, name", "publish_time desc asc", "desc",
        "publish_time desc,"}) {
    TypeParam request;
    request.set_order_by(order_by);
    const absl::StatusOr<Query> query = QueryFromRequest(request);
    EXPECT_EQ(query.status().code(), absl::StatusCode::kInvalidArgument)
        << order_by;
    EXPECT_THAT(std::string(query.status().message()), HasSubstr("order_by"))
        << order_by;
  }
}

TYPED_TEST(RequestQueryTest, EqualRequestsGiveEqualCanonicalText) {
  TypeParam a;
  a.add_topics("AI");
  a.add_topics("Chips");
  a.set_order_by("publish_time desc");
  TypeParam b;
  b.add_topics(" chips");
  b.add_topics("ai");
  b.add_topics("AI");
  const absl::StatusOr<Query> query_a = QueryFromRequest(a);
  const absl::StatusOr<Query> query_b = QueryFromRequest(b);
  ASSERT_TRUE(query_a.ok() && query_b.ok());
  EXPECT_EQ(CanonicalQueryText(*query_a), CanonicalQueryText(*query_b));
  EXPECT_EQ(QueryFingerprint(*query_a), QueryFingerprint(*query_b));
  b.set_order_by("publish_time asc");
  EXPECT_NE(CanonicalQueryText(*query_a),
            CanonicalQueryText(QueryFromRequest(b).value()));
  EXPECT_NE(QueryFingerprint(*query_a),
            QueryFingerprint(QueryFromRequest(b).value()));
}

TEST(QueryFingerprintTest, EveryFieldCounts) {
  const Query base;
  std::vector<Query> changed(9, base);
  changed[0].topics = {"ai"};
  changed[1].start_time = absl::FromUnixSeconds(0);
  changed[2].end_time = absl::FromUnixSeconds(0);
  changed[3].end_time = absl::FromUnixNanos(1);
  changed[4].provider_domains = {"ft.com"};
  changed[5].filter_source = "quality > 1";
  changed[6].text_source = "energy";
  changed[7].order[0].descending = false;
  changed[8].order.push_back(SortSpec{SortKey::kQuality, true});
  std::set<uint64_t> seen = {QueryFingerprint(base)};
  for (size_t i = 0; i < changed.size(); ++i) {
    EXPECT_TRUE(seen.insert(QueryFingerprint(changed[i])).second) << i;
  }
  // Where one list ends and the next starts counts too.
  Query split_a;
  split_a.topics = {"a", "b"};
  Query split_b;
  split_b.topics = {"a"};
  split_b.provider_domains = {"b"};
  EXPECT_NE(QueryFingerprint(split_a), QueryFingerprint(split_b));
}

TEST(QueryFingerprintTest, IsTheSameOnEveryBuild) {
  // Page tokens carry it between replicas: changing the encoding or the hash
  // invalidates tokens in flight (and needs a new token version).
  EXPECT_EQ(QueryFingerprint(Query()), 0x7c2afe31e95c7d2fULL);
}

TEST(RequestViewTest, ResolveViewFallsBackWhenUnspecified) {
  EXPECT_EQ(
      ResolveView(v1::ARTICLE_VIEW_UNSPECIFIED, v1::ARTICLE_VIEW_FULL).value(),
      v1::ARTICLE_VIEW_FULL);
  EXPECT_EQ(
      ResolveView(v1::ARTICLE_VIEW_UNSPECIFIED, v1::ARTICLE_VIEW_BASIC).value(),
      v1::ARTICLE_VIEW_BASIC);
}

TEST(RequestViewTest, ResolveViewKeepsARequestedView) {
  EXPECT_EQ(ResolveView(v1::ARTICLE_VIEW_BASIC, v1::ARTICLE_VIEW_FULL).value(),
            v1::ARTICLE_VIEW_BASIC);
  EXPECT_EQ(ResolveView(v1::ARTICLE_VIEW_FULL, v1::ARTICLE_VIEW_BASIC).value(),
            v1::ARTICLE_VIEW_FULL);
}

TEST(RequestViewTest, ResolveViewRejectsUnknownValues) {
  const absl::StatusOr<ArticleView> view =
      ResolveView(static_cast<ArticleView>(7), v1::ARTICLE_VIEW_BASIC);
  EXPECT_EQ(view.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(view.status().message()), HasSubstr("view"));
}

// An article with every field set, the FULL-only ones included.
Article FullArticle(const std::string& name, absl::Time time) {
  Article article;
  article.set_name(name);
  article.set_category("news");
  article.set_title("Chips are back");
  article.set_excerpt("A short summary");
  SetTime(time, article.mutable_publish_time());
  article.set_original_url("https://example.com/original");
  article.set_web_url("https://example.com/web");
  article.set_type("article");
  article.set_quality(3);
  article.set_heat(-1);
  article.set_published(true);
  article.mutable_provider()->set_name("Example");
  article.mutable_provider()->set_domain("example.com");
  article.add_topics("AI");
  v1::Image* image = article.add_images();
  image->set_url("https://example.com/a.png");
  image->set_width(640);
  article.set_source_file("news/a.md");
  v1::RelatedLink* related = article.add_related();
  related->set_title("Related");
  related->set_web_url("https://example.com/related");
  article.set_secured("opaque-token");
  article.set_body("Body text.\n");
  (*article.mutable_extra_fields()->mutable_fields())["color"].set_string_value(
      "blue");
  return article;
}

TEST(RequestViewTest, BasicViewClearsOnlyTheFullFields) {
  const Article full = FullArticle(Name(1), kJuly);
  Article article = full;
  ApplyView(v1::ARTICLE_VIEW_BASIC, &article);
  EXPECT_EQ(article.related_size(), 0);
  EXPECT_EQ(article.secured(), "");
  EXPECT_EQ(article.body(), "");
  EXPECT_FALSE(article.has_extra_fields());

  Article expected = full;
  expected.clear_related();
  expected.clear_secured();
  expected.clear_body();
  expected.clear_extra_fields();
  EXPECT_EQ(article.SerializeAsString(), expected.SerializeAsString());
  EXPECT_EQ(article.title(), "Chips are back");
  EXPECT_EQ(article.images_size(), 1);
  EXPECT_EQ(article.provider().domain(), "example.com");
  EXPECT_EQ(article.source_file(), "news/a.md");
}

TEST(RequestViewTest, FullViewKeepsEverything) {
  const Article full = FullArticle(Name(1), kJuly);
  Article article = full;
  ApplyView(v1::ARTICLE_VIEW_FULL, &article);
  EXPECT_EQ(article.SerializeAsString(), full.SerializeAsString());
  EXPECT_EQ(article.body(), "Body text.\n");
}

TEST(RequestArticleNameTest, WellFormedNamesAreAccepted) {
  EXPECT_TRUE(ValidateArticleName("name", "articles/0123456789abcdef").ok());
  EXPECT_TRUE(ValidateArticleName("name", "articles/0000000000000000").ok());
  EXPECT_TRUE(
      ValidateArticleName("name", ArticleNameForUrl("https://x.y/")).ok());
}

TEST(RequestArticleNameTest, NameForUrlIsPrefixAndHashPrefix) {
  const std::string name = ArticleNameForUrl("https://example.com/a");
  EXPECT_EQ(name, absl::StrCat("articles/",
                               ArticleIdForUrl("https://example.com/a")));
  EXPECT_EQ(ArticleIdForUrl("https://example.com/a").size(), kArticleIdLength);
  EXPECT_NE(ArticleIdForUrl("https://example.com/a"),
            ArticleIdForUrl("https://example.com/b"));
  // SHA-256("abc") starts with ba7816bf8f01cfea.
  EXPECT_EQ(ArticleIdForUrl("abc"), "ba7816bf8f01cfea");
}

TEST(RequestArticleNameTest, EmptyNameIsRequired) {
  const absl::Status status = ValidateArticleName("name", "");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              AllOf(HasSubstr("name"), HasSubstr("required")));
}

TEST(RequestArticleNameTest, MalformedNamesAreRejectedNamingTheField) {
  for (const char* name : {
           "0123456789abcdef",             // No prefix.
           "article/0123456789abcdef",     // Wrong prefix.
           "Articles/0123456789abcdef",    // Prefix is case-sensitive.
           "articles/0123456789abcde",     // 15 digits.
           "articles/0123456789abcdef0",   // 17 digits.
           "articles/",                    // No id.
           "articles/0123456789ABCDEF",    // Upper-case hex.
           "articles/0123456789abcdeg",    // Not hex.
           "articles/0123456789abcde ",    // Space.
           "articles/0123456789abcdef/x",  // Trailing path.
       }) {
    const absl::Status status = ValidateArticleName("request.name", name);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_THAT(std::string(status.message()), HasSubstr("request.name"))
        << name;
  }
}

// The API operations on a holder with a small catalog.
class ArticleQueriesTest : public testing::Test {
 protected:
  void Load() {
    std::vector<Article> articles;
    for (int i = 0; i < 5; ++i) {
      Article article = FullArticle(Name(0x100 + i), kJuly + absl::Hours(i));
      article.clear_topics();
      article.add_topics(i % 2 ? "AI" : "Chips");
      articles.push_back(article);
    }
    Catalog::BuildResult result = Catalog::Build(std::move(articles));
    ASSERT_THAT(result.rejections, IsEmpty());
    holder_.Set(result.catalog);
  }

  CatalogHolder holder_;
};

TEST_F(ArticleQueriesTest, UnavailableBeforeACatalogIsSet) {
  EXPECT_EQ(holder_.Get(), nullptr);
  GetArticleRequest get;
  get.set_name(Name(0x100));
  Article article;
  const absl::Status get_status = GetArticle(holder_, get, &article);
  EXPECT_EQ(get_status.code(), absl::StatusCode::kUnavailable);

  ListArticlesResponse response;
  EXPECT_EQ(ListArticles(holder_, ListArticlesRequest(), &response).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.articles(), IsEmpty());

  EXPECT_EQ(
      ArticleStream::Open(holder_, StreamArticlesRequest()).status().code(),
      absl::StatusCode::kUnavailable);
}

TEST_F(ArticleQueriesTest, InvalidRequestsAreRejectedEvenBeforeLoading) {
  GetArticleRequest get;
  get.set_name("articles/nope");
  Article article;
  EXPECT_EQ(GetArticle(holder_, get, &article).code(),
            absl::StatusCode::kInvalidArgument);
  ListArticlesRequest list;
  list.set_order_by("title");
  ListArticlesResponse response;
  EXPECT_EQ(ListArticles(holder_, list, &response).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ArticleQueriesTest, GetArticleDefaultsToTheFullView) {
  Load();
  GetArticleRequest request;
  request.set_name(Name(0x102));
  Article article;
  ASSERT_TRUE(GetArticle(holder_, request, &article).ok());
  EXPECT_EQ(article.SerializeAsString(),
            holder_.Get()->Find(Name(0x102))->SerializeAsString());
  EXPECT_EQ(article.body(), "Body text.\n");
  EXPECT_EQ(article.secured(), "opaque-token");
  EXPECT_EQ(article.related_size(), 1);
}

TEST_F(ArticleQueriesTest, GetArticleBasicViewDropsTheFullFields) {
  Load();
  GetArticleRequest request;
  request.set_name(Name(0x102));
  request.set_view(v1::ARTICLE_VIEW_BASIC);
  Article article;
  ASSERT_TRUE(GetArticle(holder_, request, &article).ok());
  EXPECT_EQ(article.name(), Name(0x102));
  EXPECT_EQ(article.title(), "Chips are back");
  EXPECT_EQ(article.body(), "");
  EXPECT_EQ(article.related_size(), 0);
  EXPECT_FALSE(article.has_extra_fields());
}

TEST_F(ArticleQueriesTest, GetArticleUnknownNameIsNotFound) {
  Load();
  GetArticleRequest request;
  request.set_name(Name(0xdead));
  Article article;
  const absl::Status status = GetArticle(holder_, request, &article);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(status.message()), HasSubstr(Name(0xdead)));
}

TEST_F(ArticleQueriesTest, GetArticleInvalidViewIsRejected) {
  Load();
  GetArticleRequest request;
  request.set_name(Name(0x100));
  request.set_view(static_cast<ArticleView>(9));
  Article article;
  EXPECT_EQ(GetArticle(holder_, request, &article).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ArticleQueriesTest, ListArticlesDefaultsToTheBasicView) {
  Load();
  ListArticlesResponse response;
  ASSERT_TRUE(ListArticles(holder_, ListArticlesRequest(), &response).ok());
  ASSERT_EQ(response.articles_size(), 5);
  EXPECT_EQ(response.total_size(), 5);
  EXPECT_EQ(response.next_page_token(), "");
  // Newest first.
  EXPECT_EQ(response.articles(0).name(), Name(0x104));
  EXPECT_EQ(response.articles(4).name(), Name(0x100));
  for (const Article& article : response.articles()) {
    EXPECT_EQ(article.body(), "");
    EXPECT_EQ(article.secured(), "");
    EXPECT_EQ(article.related_size(), 0);
    EXPECT_FALSE(article.has_extra_fields());
    EXPECT_EQ(article.title(), "Chips are back");
  }
}

TEST_F(ArticleQueriesTest, ListArticlesFullViewAndPaging) {
  Load();
  ListArticlesRequest request;
  request.add_topics(" chips ");
  request.set_order_by("publish_time asc");
  request.set_view(v1::ARTICLE_VIEW_FULL);
  request.set_page_size(2);
  ListArticlesResponse first;
  ASSERT_TRUE(ListArticles(holder_, request, &first).ok());
  ASSERT_EQ(first.articles_size(), 2);
  EXPECT_EQ(first.articles(0).name(), Name(0x100));
  EXPECT_EQ(first.articles(1).name(), Name(0x102));
  EXPECT_EQ(first.articles(0).body(), "Body text.\n");
  EXPECT_EQ(first.total_size(), 3);
  ASSERT_NE(first.next_page_token(), "");

  request.set_page_token(first.next_page_token());
  request.set_view(v1::ARTICLE_VIEW_BASIC);  // View may change between pages.
  ListArticlesResponse second;
  ASSERT_TRUE(ListArticles(holder_, request, &second).ok());
  ASSERT_EQ(second.articles_size(), 1);
  EXPECT_EQ(second.articles(0).name(), Name(0x104));
  EXPECT_EQ(second.articles(0).body(), "");
  EXPECT_EQ(second.total_size(), 3);
  EXPECT_EQ(second.next_page_token(), "");

  request.clear_topics();
  ListArticlesResponse mismatch;
  const absl::Status status = ListArticles(holder_, request, &mismatch);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("page_token"));
}

TEST_F(ArticleQueriesTest, ListArticlesRejectsNegativePageSize) {
  Load();
  ListArticlesRequest request;
  request.set_page_size(-1);
  ListArticlesResponse response;
  const absl::Status status = ListArticles(holder_, request, &response);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("page_size"));
}

std::vector<Article> Drain(ArticleStream& stream) {
  std::vector<Article> articles;
  while (const std::optional<absl::string_view> bytes = stream.Next()) {
    EXPECT_TRUE(articles.emplace_back().ParseFromString(std::string(*bytes)));
    if (articles.size() > 100) break;
  }
  return articles;
}

TEST_F(ArticleQueriesTest, StreamDefaultsToTheBasicViewNewestFirst) {
  Load();
  StreamArticlesRequest request;
  request.add_topics("AI");
  absl::StatusOr<std::unique_ptr<ArticleStream>> stream =
      ArticleStream::Open(holder_, request);
  ASSERT_TRUE(stream.ok()) << stream.status();
  const std::vector<Article> articles = Drain(**stream);
  ASSERT_EQ(articles.size(), 2u);
  EXPECT_EQ(articles[0].name(), Name(0x103));
  EXPECT_EQ(articles[1].name(), Name(0x101));
  EXPECT_EQ(articles[0].body(), "");
  EXPECT_EQ(articles[0].related_size(), 0);
  EXPECT_EQ(articles[0].title(), "Chips are back");
  EXPECT_EQ((*stream)->Next(), std::nullopt);
}

TEST_F(ArticleQueriesTest, StreamFullViewKeepsEverything) {
  Load();
  StreamArticlesRequest request;
  request.set_view(v1::ARTICLE_VIEW_FULL);
  request.set_order_by("publish_time asc");
  request.add_provider_domains("EXAMPLE.com");
  absl::StatusOr<std::unique_ptr<ArticleStream>> stream =
      ArticleStream::Open(holder_, request);
  ASSERT_TRUE(stream.ok()) << stream.status();
  const std::vector<Article> articles = Drain(**stream);
  ASSERT_EQ(articles.size(), 5u);
  EXPECT_EQ(articles[0].name(), Name(0x100));
  EXPECT_EQ(articles[0].body(), "Body text.\n");
  EXPECT_EQ(articles[0].secured(), "opaque-token");
}

TEST_F(ArticleQueriesTest, StreamKeepsTheCatalogItStartedWith) {
  Load();
  absl::StatusOr<std::unique_ptr<ArticleStream>> stream =
      ArticleStream::Open(holder_, StreamArticlesRequest());
  ASSERT_TRUE(stream.ok()) << stream.status();
  const std::optional<absl::string_view> first = (*stream)->Next();
  ASSERT_TRUE(first.has_value());
  Article article;
  ASSERT_TRUE(article.ParseFromString(std::string(*first)));
  EXPECT_EQ(article.name(), Name(0x104));
  holder_.Set(Catalog::Build({}).catalog);  // A reload with nothing in it.
  EXPECT_EQ(Drain(**stream).size(), 4u);
  absl::StatusOr<std::unique_ptr<ArticleStream>> after_reload =
      ArticleStream::Open(holder_, StreamArticlesRequest());
  ASSERT_TRUE(after_reload.ok());
  EXPECT_EQ((*after_reload)->Next(), std::nullopt);
}

TEST_F(ArticleQueriesTest, StreamRejectsInvalidRequests) {
  Load();
  StreamArticlesRequest request;
  request.add_topics("");
  const auto stream = ArticleStream::Open(holder_, request);
  EXPECT_EQ(stream.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(stream.status().message()), HasSubstr("topics[0]"));
}

}  // namespace
}  // namespace newsmeta
