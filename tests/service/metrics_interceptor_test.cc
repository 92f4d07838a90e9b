// Call metrics on a real gRPC server running in process (no ports), set up
// as NewsmetaServer does: ArticleServiceImpl's raw methods record their own
// calls (CallRecorder), the metrics interceptor records the others.
#include "service/metrics_interceptor.h"

#include <google/protobuf/descriptor.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "catalog/catalog.h"
#include "catalog/catalog_holder.h"
#include "gmock/gmock.h"
#include "metrics/metrics.h"
#include "newsmeta/v1/article_service.grpc.pb.h"
#include "service/article_service.h"

namespace newsmeta {
namespace {

namespace v1 = ::newsmeta::v1;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kGet[] = "/newsmeta.v1.ArticleService/GetArticle";
constexpr char kStream[] = "/newsmeta.v1.ArticleService/StreamArticles";

v1::Article MakeArticle(int i, size_t excerpt_bytes) {
  v1::Article article;
  article.set_name(absl::StrFormat("articles/%016x", i + 1));
  article.set_title(absl::StrCat("Article ", i));
  article.mutable_publish_time()->set_seconds(1688169600 + 3600 * i);
  article.add_topics(i % 2 == 0 ? "AI Hardware" : "Energy");
  article.set_excerpt(std::string(excerpt_bytes, 'x'));
  return article;
}

// The series line "name{labels} value" of the rendered metrics, or "" when
// there is none.
std::string Series(const Metrics& metrics, const std::string& name_and_labels) {
  for (absl::string_view line :
       absl::StrSplit(metrics.RenderPrometheus(), '\n')) {
    if (absl::StartsWith(line, absl::StrCat(name_and_labels, " "))) {
      return std::string(line);
    }
  }
  return "";
}

std::string Requests(const std::string& method, const std::string& code) {
  return absl::StrCat("newsmeta_rpc_requests_total{method=\"", method,
                      "\",code=\"", code, "\"}");
}

class MetricsInterceptorTest : public ::testing::Test {
 protected:
  // Serves `count` articles, each with an excerpt of `excerpt_bytes`.
  void StartServer(int count, size_t excerpt_bytes = 0) {
    std::vector<v1::Article> articles;
    for (int i = 0; i < count; ++i) {
      articles.push_back(MakeArticle(i, excerpt_bytes));
    }
    catalogs_.Set(Catalog::Build(std::move(articles)).catalog);
    StartServer(&service_, ArticleServiceImpl::SelfRecordedMethods());
  }

  // `skipped`: the methods the interceptor leaves alone.
  void StartServer(grpc::Service* service,
                   std::vector<std::string> skipped = {}) {
    grpc::ServerBuilder builder;
    builder.RegisterService(service);
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        creators;
    creators.push_back(
        NewMetricsInterceptorFactory(&metrics_, std::move(skipped)));
    builder.experimental().SetInterceptorCreators(std::move(creators));
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::ArticleService::NewStub(
        server_->InProcessChannel(grpc::ChannelArguments()));
  }

  // The channel must not outlive the server's shutdown (gRPC 1.51 crashes
  // on an in-process channel used after it).
  void TearDown() override {
    stub_.reset();
    if (server_ != nullptr) {
      server_->Shutdown();
      server_->Wait();
    }
  }

  // Waits (up to a generous bound) for the server to release a call, which
  // it does after the client has seen its end.
  std::string WaitForSeries(const std::string& name_and_labels) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    std::string line;
    while ((line = Series(metrics_, name_and_labels)).empty() &&
           absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    return line;
  }

  grpc::Status Get(const std::string& name) {
    v1::GetArticleRequest request;
    request.set_name(name);
    v1::Article article;
    grpc::ClientContext context;
    return stub_->GetArticle(&context, request, &article);
  }

  Metrics metrics_{BuildInfo{"test", "1.51", "3.21.12"}};
  CatalogHolder catalogs_;
  ArticleServiceImpl service_{&catalogs_, /*tokens=*/nullptr,
                              /*watch_hub=*/nullptr, &metrics_};
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::ArticleService::Stub> stub_;
};

TEST_F(MetricsInterceptorTest, CountsCallsByMethodAndCode) {
  StartServer(10);
  EXPECT_EQ(Get("articles/ffffffffffffffff").error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Get("articles/ffffffffffffffff").error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(Get(MakeArticle(3, 0).name()).ok());

  EXPECT_EQ(WaitForSeries(Requests(kGet, "NOT_FOUND")),
            Requests(kGet, "NOT_FOUND") + " 2");
  EXPECT_EQ(WaitForSeries(Requests(kGet, "OK")), Requests(kGet, "OK") + " 1");
  const std::string labels =
      absl::StrCat("{method=\"", kGet, "\",code=\"NOT_FOUND\"}");
  EXPECT_EQ(Series(metrics_, "newsmeta_rpc_duration_seconds_count" + labels),
            "newsmeta_rpc_duration_seconds_count" + labels + " 2");
  EXPECT_EQ(Series(metrics_, "newsmeta_rpc_duration_seconds_bucket" +
                                 labels.substr(0, labels.size() - 1) +
                                 ",le=\"+Inf\"}"),
            "newsmeta_rpc_duration_seconds_bucket" +
                labels.substr(0, labels.size() - 1) + ",le=\"+Inf\"} 2");
  // Unary calls send no stream messages.
  EXPECT_THAT(metrics_.RenderPrometheus(),
              Not(HasSubstr("newsmeta_stream_messages_sent_total{")));
}

TEST_F(MetricsInterceptorTest, CountsMessagesAStreamSent) {
  constexpr int kArticles = 150;  // more than one flush of 64
  StartServer(kArticles);
  grpc::ClientContext context;
  auto reader = stub_->StreamArticles(&context, v1::StreamArticlesRequest());
  v1::Article article;
  int read = 0;
  while (reader->Read(&article)) ++read;
  ASSERT_TRUE(reader->Finish().ok());
  ASSERT_EQ(read, kArticles);

  EXPECT_EQ(WaitForSeries(Requests(kStream, "OK")),
            Requests(kStream, "OK") + " 1");
  // Counted by the time the call is (the stream writes its last message
  // before it sends the status).
  const std::string sent = absl::StrCat(
      "newsmeta_stream_messages_sent_total{method=\"", kStream, "\"}");
  EXPECT_EQ(Series(metrics_, sent), absl::StrCat(sent, " ", kArticles));
}

TEST_F(MetricsInterceptorTest, CancelledStreamIsCountedAsCancelled) {
  constexpr int kArticles = 2000;
  StartServer(kArticles, /*excerpt_bytes=*/16 << 10);  // beyond flow control
  grpc::ClientContext context;
  auto reader = stub_->StreamArticles(&context, v1::StreamArticlesRequest());
  v1::Article article;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(reader->Read(&article));
  context.TryCancel();
  while (reader->Read(&article)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);

  EXPECT_EQ(WaitForSeries(Requests(kStream, "CANCELLED")),
            Requests(kStream, "CANCELLED") + " 1");
  EXPECT_EQ(Series(metrics_, Requests(kStream, "OK")), "");
  // At least the three messages the client read were sent; far from all.
  const std::string sent = Series(
      metrics_, absl::StrCat("newsmeta_stream_messages_sent_total{method=\"",
                             kStream, "\"}"));
  ASSERT_FALSE(sent.empty());
  int64_t count = 0;
  ASSERT_TRUE(absl::SimpleAtoi(sent.substr(sent.rfind(' ') + 1), &count));
  EXPECT_GE(count, 3);
  EXPECT_LT(count, kArticles);
}

TEST_F(MetricsInterceptorTest, EveryMethodIsCountedOnceWithItsCode) {
  StartServer(10);
  {
    v1::ListArticlesRequest request;
    request.set_page_size(-1);
    v1::ListArticlesResponse response;
    grpc::ClientContext context;
    EXPECT_EQ(stub_->ListArticles(&context, request, &response).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    v1::BatchGetArticlesRequest request;
    request.add_names(MakeArticle(1, 0).name());
    v1::BatchGetArticlesResponse response;
    grpc::ClientContext context;
    EXPECT_TRUE(stub_->BatchGetArticles(&context, request, &response).ok());
  }
  {
    v1::SummarizeArticlesRequest request;
    v1::SummarizeArticlesResponse response;
    grpc::ClientContext context;
    EXPECT_TRUE(stub_->SummarizeArticles(&context, request, &response).ok());
  }
  {
    grpc::ClientContext context;
    auto reader = stub_->WatchArticles(&context, v1::WatchArticlesRequest());
    v1::ArticleEvent event;
    EXPECT_FALSE(reader->Read(&event));
    EXPECT_EQ(reader->Finish().error_code(),
              grpc::StatusCode::UNIMPLEMENTED);  // this service has no hub
  }
  const std::string service = "/newsmeta.v1.ArticleService/";
  EXPECT_EQ(
      WaitForSeries(Requests(service + "ListArticles", "INVALID_ARGUMENT")),
      Requests(service + "ListArticles", "INVALID_ARGUMENT") + " 1");
  EXPECT_EQ(WaitForSeries(Requests(service + "BatchGetArticles", "OK")),
            Requests(service + "BatchGetArticles", "OK") + " 1");
  EXPECT_EQ(WaitForSeries(Requests(service + "SummarizeArticles", "OK")),
            Requests(service + "SummarizeArticles", "OK") + " 1");
  EXPECT_EQ(WaitForSeries(Requests(service + "WatchArticles", "UNIMPLEMENTED")),
            Requests(service + "WatchArticles", "UNIMPLEMENTED") + " 1");
  // Nothing else was counted: four calls, four series, each once.
  int series = 0;
  for (absl::string_view line :
       absl::StrSplit(metrics_.RenderPrometheus(), '\n')) {
    if (absl::StartsWith(line, "newsmeta_rpc_requests_total{")) ++series;
  }
  EXPECT_EQ(series, 4);
}

TEST(SelfRecordedMethodsTest, NameArticleServiceMethods) {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          "newsmeta.v1.ArticleService");
  ASSERT_NE(service, nullptr);
  const std::vector<std::string> methods =
      ArticleServiceImpl::SelfRecordedMethods();
  // Every method is raw, so records its own calls.
  EXPECT_EQ(methods.size(), static_cast<size_t>(service->method_count()));
  for (const std::string& path : methods) {
    const std::string prefix = "/newsmeta.v1.ArticleService/";
    ASSERT_TRUE(absl::StartsWith(path, prefix)) << path;
    EXPECT_NE(service->FindMethodByName(path.substr(prefix.size())), nullptr)
        << path;
  }
}

// GetArticle that answers only once the call is cancelled, and then with OK.
class LateOkService final : public v1::ArticleService::CallbackService {
 public:
  grpc::ServerUnaryReactor* GetArticle(grpc::CallbackServerContext*,
                                       const v1::GetArticleRequest*,
                                       v1::Article*) override {
    class Reactor final : public grpc::ServerUnaryReactor {
     public:
      void OnCancel() override { Finish(grpc::Status::OK); }
      void OnDone() override { delete this; }
    };
    started_.Notify();
    return new Reactor();
  }

  absl::Notification started_;
};

TEST_F(MetricsInterceptorTest, StatusSentAfterCancellationCountsAsCancelled) {
  LateOkService service;
  StartServer(&service);
  grpc::ClientContext context;
  std::thread canceller([&] {
    service.started_.WaitForNotification();
    context.TryCancel();
  });
  v1::GetArticleRequest request;
  v1::Article article;
  EXPECT_EQ(stub_->GetArticle(&context, request, &article).error_code(),
            grpc::StatusCode::CANCELLED);
  canceller.join();

  EXPECT_EQ(WaitForSeries(Requests(kGet, "CANCELLED")),
            Requests(kGet, "CANCELLED") + " 1");
  EXPECT_EQ(Series(metrics_, Requests(kGet, "OK")), "");
}

TEST(StatusCodeNameTest, NamesCanonicalCodes) {
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::OK), "OK");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::CANCELLED), "CANCELLED");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::NOT_FOUND), "NOT_FOUND");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::DEADLINE_EXCEEDED),
            "DEADLINE_EXCEEDED");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::UNAUTHENTICATED),
            "UNAUTHENTICATED");
  EXPECT_EQ(StatusCodeName(static_cast<grpc::StatusCode>(99)), "UNKNOWN");
}

TEST(CurrentBuildInfoTest, NamesTheLibraryVersions) {
  const BuildInfo info = CurrentBuildInfo("1.2.3");
  EXPECT_EQ(info.version, "1.2.3");
  EXPECT_EQ(info.grpc_version, grpc::Version());
  EXPECT_EQ(info.protobuf_version, ProtobufVersion());
}

}  // namespace
}  // namespace newsmeta
