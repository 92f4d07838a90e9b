// ArticleService over a real gRPC server running in process (no ports).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "catalog/catalog.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "newsmeta/v1/article_service.grpc.pb.h"
#include "service/newsmeta_server.h"

namespace newsmeta {
namespace {

namespace v1 = ::newsmeta::v1;
using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;

constexpr int kArticles = 300;
const absl::Time kJuly1 = absl::FromUnixSeconds(1688169600);  // 2023-07-01Z

// Article i: published i hours after 2023-07-01T00:00Z; topic "AI Hardware"
// for even i, "Energy" for odd i; related links and a secured token.
v1::Article MakeArticle(int i) {
  v1::Article article;
  article.set_name(absl::StrFormat("articles/%016x", i + 1));
  article.set_title(absl::StrCat("Article ", i));
  article.mutable_publish_time()->set_seconds(
      absl::ToUnixSeconds(kJuly1 + absl::Hours(i)));
  article.add_topics(i % 2 == 0 ? "AI Hardware" : "Energy");
  article.mutable_provider()->set_domain(i % 3 == 0 ? "wsj.com" : "fool.com");
  article.add_related()->set_title("related");
  article.set_secured("token");
  return article;
}

class ArticleServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<NewsmetaServer>> server =
        NewsmetaServer::Start({});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = server_->InProcessChannel();
    stub_ = v1::ArticleService::NewStub(channel_);
  }

  // `excerpt_bytes` pads each article so that a stream of them outgrows the
  // HTTP/2 flow-control windows.
  void LoadCatalog(int count = kArticles, size_t excerpt_bytes = 0) {
    std::vector<v1::Article> articles;
    for (int i = 0; i < count; ++i) {
      articles.push_back(MakeArticle(i));
      articles.back().set_excerpt(std::string(excerpt_bytes, 'x'));
    }
    server_->ServeCatalog(Catalog::Build(std::move(articles)).catalog);
  }

  HealthCheckResponse::ServingStatus Health(const std::string& service) {
    HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse response;
    grpc::ClientContext context;
    const grpc::Status status =
        Health::NewStub(channel_)->Check(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.status();
  }

  std::vector<v1::Article> StreamAll(const v1::StreamArticlesRequest& request,
                                     grpc::Status* status) {
    grpc::ClientContext context;
    auto reader = stub_->StreamArticles(&context, request);
    std::vector<v1::Article> articles;
    v1::Article article;
    while (reader->Read(&article)) articles.push_back(article);
    *status = reader->Finish();
    return articles;
  }

  std::unique_ptr<NewsmetaServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ArticleService::Stub> stub_;
};

TEST_F(ArticleServiceTest, HealthIsNotServingUntilCatalogLoads) {
  EXPECT_EQ(Health(""), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Health(kArticleServiceName), HealthCheckResponse::NOT_SERVING);
  LoadCatalog();
  EXPECT_EQ(Health(""), HealthCheckResponse::SERVING);
  EXPECT_EQ(Health(kArticleServiceName), HealthCheckResponse::SERVING);
}

TEST_F(ArticleServiceTest, CallsBeforeLoadAreUnavailable) {
  grpc::ClientContext context;
  v1::ListArticlesResponse response;
  const grpc::Status status =
      stub_->ListArticles(&context, v1::ListArticlesRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(ArticleServiceTest, GetReturnsFullArticleByDefault) {
  LoadCatalog();
  v1::GetArticleRequest request;
  request.set_name(MakeArticle(5).name());
  v1::Article article;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->GetArticle(&context, request, &article).ok());
  EXPECT_EQ(article.title(), "Article 5");
  EXPECT_EQ(article.secured(), "token");
  EXPECT_EQ(article.related_size(), 1);
}

TEST_F(ArticleServiceTest, GetUnknownNameIsNotFound) {
  LoadCatalog();
  v1::GetArticleRequest request;
  request.set_name("articles/ffffffffffffffff");
  v1::Article article;
  grpc::ClientContext context;
  const grpc::Status status = stub_->GetArticle(&context, request, &article);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find("articles/ffffffffffffffff"),
            std::string::npos);
}

TEST_F(ArticleServiceTest, GetMalformedNameIsInvalidArgument) {
  LoadCatalog();
  for (const char* name : {"", "articles/", "posts/0000000000000001",
                           "articles/ABCDEF0123456789"}) {
    v1::GetArticleRequest request;
    request.set_name(name);
    v1::Article article;
    grpc::ClientContext context;
    EXPECT_EQ(stub_->GetArticle(&context, request, &article).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT)
        << name;
  }
}

TEST_F(ArticleServiceTest, ListPagesThroughTopicAndRangeInBasicView) {
  LoadCatalog();
  v1::ListArticlesRequest request;
  request.add_topics(" ai hardware ");
  request.mutable_start_time()->set_seconds(
      absl::ToUnixSeconds(kJuly1 + absl::Hours(10)));
  request.mutable_end_time()->set_seconds(
      absl::ToUnixSeconds(kJuly1 + absl::Hours(110)));
  request.set_page_size(7);
  std::vector<std::string> titles;
  while (true) {
    v1::ListArticlesResponse response;
    grpc::ClientContext context;
    const grpc::Status status =
        stub_->ListArticles(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.total_size(), 50);
    for (const v1::Article& article : response.articles()) {
      titles.push_back(article.title());
      EXPECT_TRUE(article.secured().empty());
      EXPECT_EQ(article.related_size(), 0);
    }
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  // Even hours 108 down to 10, newest first.
  ASSERT_EQ(titles.size(), 50u);
  EXPECT_EQ(titles.front(), "Article 108");
  EXPECT_EQ(titles.back(), "Article 10");
}

TEST_F(ArticleServiceTest, ListRejectsBadRequests) {
  LoadCatalog();
  v1::ListArticlesRequest negative;
  negative.set_page_size(-1);
  v1::ListArticlesRequest reversed;
  reversed.mutable_start_time()->set_seconds(200);
  reversed.mutable_end_time()->set_seconds(100);
  v1::ListArticlesRequest bad_token;
  bad_token.set_page_token("not-a-token");
  v1::ListArticlesRequest bad_order;
  bad_order.set_order_by("title");
  for (const auto* request : {&negative, &reversed, &bad_token, &bad_order}) {
    v1::ListArticlesResponse response;
    grpc::ClientContext context;
    const grpc::Status status =
        stub_->ListArticles(&context, *request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << request->DebugString();
  }
}

TEST_F(ArticleServiceTest, StreamSendsEveryMatchInOrder) {
  LoadCatalog();
  v1::StreamArticlesRequest request;
  request.add_topics("Energy");
  request.set_order_by("publish_time asc");
  grpc::Status status;
  const std::vector<v1::Article> articles = StreamAll(request, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(articles.size(), kArticles / 2u);
  for (size_t i = 0; i < articles.size(); ++i) {
    EXPECT_EQ(articles[i].title(), absl::StrCat("Article ", 2 * i + 1));
    EXPECT_TRUE(articles[i].secured().empty());
  }
}

TEST_F(ArticleServiceTest, StreamFullViewCarriesEverything) {
  LoadCatalog();
  v1::StreamArticlesRequest request;
  request.set_view(v1::ARTICLE_VIEW_FULL);
  request.add_provider_domains("WSJ.com");
  grpc::Status status;
  const std::vector<v1::Article> articles = StreamAll(request, &status);
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(articles.size(), kArticles / 3u);
  EXPECT_EQ(articles[0].secured(), "token");
  EXPECT_EQ(articles[0].related_size(), 1);
}

TEST_F(ArticleServiceTest, StreamWithInvalidQueryFails) {
  LoadCatalog();
  v1::StreamArticlesRequest request;
  request.add_topics("   ");
  grpc::Status status;
  EXPECT_TRUE(StreamAll(request, &status).empty());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("topics[0]"), std::string::npos);
}

TEST_F(ArticleServiceTest, ErrorsCarryErrorInfoAndBadRequest) {
  LoadCatalog();
  v1::ListArticlesRequest request;
  request.set_filter("quality >> 3");
  v1::ListArticlesResponse response;
  grpc::ClientContext context;
  const grpc::Status status = stub_->ListArticles(&context, request, &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  EXPECT_EQ(details.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(details.message(), status.error_message());
  google::rpc::ErrorInfo info;
  google::rpc::BadRequest bad_request;
  for (const google::protobuf::Any& detail : details.details()) {
    if (detail.Is<google::rpc::ErrorInfo>()) detail.UnpackTo(&info);
    if (detail.Is<google::rpc::BadRequest>()) detail.UnpackTo(&bad_request);
  }
  EXPECT_EQ(info.reason(), "INVALID_FILTER");
  EXPECT_EQ(info.domain(), "newsmeta.v1");
  EXPECT_EQ(info.metadata().at("position"), "10");
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "filter");
}

TEST_F(ArticleServiceTest, TextQueryErrorsCarryTheirPosition) {
  LoadCatalog();
  v1::StreamArticlesRequest request;
  request.set_text("tesla \"dojo");
  grpc::Status status;
  EXPECT_TRUE(StreamAll(request, &status).empty());
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "INVALID_TEXT_QUERY");
  EXPECT_EQ(info.metadata().at("position"), "7");
}

TEST_F(ArticleServiceTest, NotFoundCarriesErrorInfoNamingTheArticle) {
  LoadCatalog();
  v1::GetArticleRequest request;
  request.set_name("articles/ffffffffffffffff");
  v1::Article article;
  grpc::ClientContext context;
  const grpc::Status status = stub_->GetArticle(&context, request, &article);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "ARTICLE_NOT_FOUND");
  EXPECT_EQ(info.metadata().at("name"), "articles/ffffffffffffffff");
}

TEST_F(ArticleServiceTest, BatchGetKeepsRequestOrderAndFailsWhole) {
  LoadCatalog();
  v1::BatchGetArticlesRequest request;
  request.add_names(MakeArticle(7).name());
  request.add_names(MakeArticle(2).name());
  request.add_names(MakeArticle(7).name());
  v1::BatchGetArticlesResponse response;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->BatchGetArticles(&context, request, &response).ok());
  }
  ASSERT_EQ(response.articles_size(), 3);
  EXPECT_EQ(response.articles(0).title(), "Article 7");
  EXPECT_EQ(response.articles(1).title(), "Article 2");
  EXPECT_EQ(response.articles(2).title(), "Article 7");
  EXPECT_EQ(response.articles(0).secured(), "token");  // FULL by default

  request.add_names("articles/ffffffffffffffff");
  response.Clear();
  grpc::ClientContext context;
  const grpc::Status status =
      stub_->BatchGetArticles(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find("articles/ffffffffffffffff"),
            std::string::npos);
  EXPECT_EQ(response.articles_size(), 0);
}

TEST_F(ArticleServiceTest, SummarizeCountsTopicsProvidersAndDays) {
  LoadCatalog();
  v1::SummarizeArticlesRequest request;
  // Hours 0..47: 2023-07-01 and 2023-07-02.
  request.mutable_end_time()->set_seconds(
      absl::ToUnixSeconds(kJuly1 + absl::Hours(48)));
  request.set_top_n(1);
  request.set_histogram_interval(v1::HISTOGRAM_INTERVAL_DAY);
  v1::SummarizeArticlesResponse response;
  grpc::ClientContext context;
  const grpc::Status status =
      stub_->SummarizeArticles(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.total_size(), 48);
  ASSERT_EQ(response.topic_counts_size(), 1);
  // 24 each: the tie goes to the smaller key.
  EXPECT_EQ(response.topic_counts(0).topic(), "AI Hardware");
  EXPECT_EQ(response.topic_counts(0).count(), 24);
  ASSERT_EQ(response.provider_counts_size(), 1);
  EXPECT_EQ(response.provider_counts(0).domain(), "fool.com");
  EXPECT_EQ(response.provider_counts(0).count(), 32);
  ASSERT_EQ(response.histogram_size(), 2);
  EXPECT_EQ(response.histogram(0).start_time().seconds(),
            absl::ToUnixSeconds(kJuly1));
  EXPECT_EQ(response.histogram(0).count(), 24);
  EXPECT_EQ(response.histogram(1).count(), 24);
}

TEST_F(ArticleServiceTest, ListOrdersByQualityThenTime) {
  std::vector<v1::Article> articles;
  for (int i = 0; i < 6; ++i) {
    articles.push_back(MakeArticle(i));
    articles.back().set_quality(i % 3);  // 0 1 2 0 1 2
  }
  server_->ServeCatalog(Catalog::Build(std::move(articles)).catalog);
  v1::ListArticlesRequest request;
  request.set_order_by("quality desc, publish_time desc");
  request.set_page_size(4);
  std::vector<std::string> titles;
  while (true) {
    v1::ListArticlesResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ListArticles(&context, request, &response).ok());
    for (const v1::Article& article : response.articles()) {
      titles.push_back(article.title());
    }
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(titles,
            (std::vector<std::string>{"Article 5", "Article 2", "Article 4",
                                      "Article 1", "Article 3", "Article 0"}));
}

constexpr int kLargeCount = 2000;
constexpr size_t kLargeExcerpt = 16 << 10;  // 2000 x 16 KiB = 32 MiB

TEST_F(ArticleServiceTest, CancelledStreamStopsAndServerStaysHealthy) {
  LoadCatalog(kLargeCount, kLargeExcerpt);
  grpc::ClientContext context;
  auto reader = stub_->StreamArticles(&context, v1::StreamArticlesRequest());
  v1::Article article;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(reader->Read(&article));
  context.TryCancel();
  int more = 0;
  while (reader->Read(&article)) ++more;
  EXPECT_LT(more, kLargeCount - 3);
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  // The server goes on answering other calls.
  EXPECT_EQ(Health(""), HealthCheckResponse::SERVING);
  grpc::Status status;
  EXPECT_EQ(StreamAll(v1::StreamArticlesRequest(), &status).size(),
            static_cast<size_t>(kLargeCount));
  EXPECT_TRUE(status.ok());
}

TEST_F(ArticleServiceTest, ExpiredDeadlineEndsStream) {
  LoadCatalog(kLargeCount, kLargeExcerpt);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(200));
  auto reader = stub_->StreamArticles(&context, v1::StreamArticlesRequest());
  v1::Article article;
  ASSERT_TRUE(reader->Read(&article));
  // Stop reading until the deadline has passed; flow control holds the rest.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  while (reader->Read(&article)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST_F(ArticleServiceTest, ShutdownEndsStreamsStillOpenAfterGrace) {
  LoadCatalog(kLargeCount, kLargeExcerpt);
  grpc::ClientContext context;
  auto reader = stub_->StreamArticles(&context, v1::StreamArticlesRequest());
  v1::Article article;
  ASSERT_TRUE(reader->Read(&article));
  // The reader stalls, so the stream cannot finish within the grace period:
  // Shutdown must cancel it rather than wait for it.
  server_->Shutdown(absl::Milliseconds(100));
  int read = 1;
  while (reader->Read(&article)) ++read;
  EXPECT_LT(read, kLargeCount);
  EXPECT_FALSE(reader->Finish().ok());
}

// Many streams and calls at once while catalogs are swapped under them:
// run under ThreadSanitizer by `make test-tsan` (README, "Sanitizers").
class ArticleServiceConcurrencyTest : public ArticleServiceTest {
 protected:
  // Catalog `variant`: kArticles articles, titles prefixed with the variant.
  static std::shared_ptr<const Catalog> Variant(int variant) {
    std::vector<v1::Article> articles;
    for (int i = 0; i < kArticles; ++i) {
      articles.push_back(MakeArticle(i));
      articles.back().set_title(absl::StrCat(variant, ": Article ", i));
    }
    return Catalog::Build(std::move(articles)).catalog;
  }

  // The variant every article of `articles` comes from, or -1 when they are
  // not all from one.
  static int VariantOf(const std::vector<v1::Article>& articles) {
    if (articles.empty()) return -1;
    const std::string prefix = articles[0].title().substr(0, 3);
    for (const v1::Article& article : articles) {
      if (article.title().substr(0, 3) != prefix) return -1;
    }
    return prefix[0] - '0';
  }
};

TEST_F(ArticleServiceConcurrencyTest, ManyStreamsWhileCatalogsSwap) {
  server_->ServeCatalog(Variant(0));
  constexpr int kClients = 12;
  constexpr int kRounds = 4;
  std::vector<std::string> failures(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([this, c, &failures] {
      for (int round = 0; round < kRounds && failures[c].empty(); ++round) {
        grpc::Status status;
        v1::StreamArticlesRequest request;
        request.set_order_by("publish_time asc");
        const std::vector<v1::Article> streamed = StreamAll(request, &status);
        if (!status.ok() || streamed.size() != size_t{kArticles} ||
            VariantOf(streamed) < 0) {
          failures[c] = absl::StrCat("stream: ", status.error_message(), " ",
                                     streamed.size(), " articles");
          return;
        }
        v1::ListArticlesRequest list;
        list.set_page_size(40);
        v1::ListArticlesResponse page;
        grpc::ClientContext context;
        status = stub_->ListArticles(&context, list, &page);
        const std::vector<v1::Article> listed(page.articles().begin(),
                                              page.articles().end());
        if (!status.ok() || listed.size() != 40 || VariantOf(listed) < 0) {
          failures[c] = absl::StrCat("list: ", status.error_message());
        }
      }
    });
  }
  for (int swap = 1; swap <= 30; ++swap) {
    server_->ServeCatalog(Variant(swap % 3));
  }
  for (std::thread& client : clients) client.join();
  for (int c = 0; c < kClients; ++c) {
    EXPECT_EQ(failures[c], "") << "client " << c;
  }
}

TEST_F(ArticleServiceConcurrencyTest, ManyOpenStreamsReadInTurns) {
  LoadCatalog();
  constexpr int kStreams = 32;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::Article>>> readers;
  for (int i = 0; i < kStreams; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    readers.push_back(stub_->StreamArticles(contexts.back().get(),
                                            v1::StreamArticlesRequest()));
  }
  // One article from each stream in turn, so every stream stays open.
  std::vector<int> counts(kStreams, 0);
  v1::Article article;
  for (bool more = true; more;) {
    more = false;
    for (int i = 0; i < kStreams; ++i) {
      if (counts[i] >= 0 && readers[i]->Read(&article)) {
        ++counts[i];
        more = true;
      } else if (counts[i] >= 0) {
        EXPECT_TRUE(readers[i]->Finish().ok()) << "stream " << i;
        EXPECT_EQ(counts[i], kArticles) << "stream " << i;
        counts[i] = -1;
      }
    }
  }
}

}  // namespace
}  // namespace newsmeta
