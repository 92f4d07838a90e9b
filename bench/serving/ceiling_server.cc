// newsmeta-serving-ceiling: the ceiling of the serving benchmark. A minimal
// gRPC server that answers GetArticle, ListArticles and StreamArticles of
// newsmeta.v1.ArticleService with bytes serialized once at start: what gRPC
// alone costs for messages of the same sizes as newsmeta-server's.
//
// At start it copies the corpus from a running newsmeta-server (--source):
// one StreamArticles call, FULL view, in newsmeta's default order
// (publish_time desc, name desc), which is quicker than loading the seeds
// again and gives the very articles newsmeta serves. Then:
// - StreamArticles streams every article, BASIC view (FULL when asked), in
//   that order.
// - GetArticle answers the named article, FULL view unless BASIC is asked.
// - ListArticles answers pages of 50 BASIC articles of that same order, with a
//   next_page_token of the length newsmeta's tokens have, and total_size.
// Query fields (topics, time range, filter, ...) are ignored: the benchmark
// asks for the whole corpus.
//
// --interceptor and --version_header add, for diagnosis (variants.sh), what
// newsmeta-server does on every call besides answering: a server interceptor
// and a response header.
//
// Usage: newsmeta-serving-ceiling --source HOST:PORT [--host 127.0.0.1]
//        [--port 0] [--interceptor] [--version_header]
// Logs `listening on HOST:PORT` (a JSON line on stderr) once every answer is
// ready; stops on SIGTERM or SIGINT.
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "newsmeta/v1/article.pb.h"
#include "newsmeta/v1/article_service.grpc.pb.h"
#include "newsmeta/v1/article_service.pb.h"
#include "util/log.h"

ABSL_FLAG(std::string, source, "",
          "newsmeta-server (HOST:PORT) to copy the articles from.");
ABSL_FLAG(std::string, host, "127.0.0.1", "Address to listen on.");
ABSL_FLAG(int, port, 0, "Port to listen on; 0 picks a free one.");
ABSL_FLAG(bool, interceptor, false,
          "Diagnosis: run a server interceptor that does nothing on every "
          "call, as newsmeta-server runs its metrics interceptor.");
ABSL_FLAG(bool, version_header, false,
          "Diagnosis: send a newsmeta-catalog-version header (16 hex digits) "
          "with every answer, as newsmeta-server does.");

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;
using ::newsmeta::v1::ArticleService;

constexpr int kPageSize = 50;

grpc::ByteBuffer ToByteBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// Every answer, serialized once.
struct Answers {
  // Articles in newsmeta's default order.
  std::vector<grpc::ByteBuffer> basic;
  std::vector<grpc::ByteBuffer> full;
  absl::flat_hash_map<std::string, size_t> by_name;
  // ListArticlesResponse of each page of kPageSize, and the page each
  // next_page_token leads to.
  std::vector<grpc::ByteBuffer> pages;
  absl::flat_hash_map<std::string, size_t> page_by_token;
};

// A token of the same length as newsmeta's (query/page_token.cc): the same
// fields, with a fixed fingerprint in place of the query's.
std::string PageToken(const Article& last) {
  return absl::WebSafeBase64Escape(
      absl::StrCat("nm3|ceilingceiling|", last.publish_time().seconds(), "|",
                   last.publish_time().nanos(), "|", last.quality(), "|",
                   last.heat(), "|", last.name()));
}

// Every article `source` streams, FULL view, in its default order.
absl::StatusOr<std::vector<Article>> CopyArticles(const std::string& source) {
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(source, grpc::InsecureChannelCredentials());
  std::unique_ptr<ArticleService::Stub> stub = ArticleService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::minutes(2));
  newsmeta::v1::StreamArticlesRequest request;
  request.set_view(newsmeta::v1::ARTICLE_VIEW_FULL);
  std::unique_ptr<grpc::ClientReader<Article>> reader =
      stub->StreamArticles(&context, request);
  std::vector<Article> articles;
  Article article;
  while (reader->Read(&article)) articles.push_back(std::move(article));
  const grpc::Status status = reader->Finish();
  if (!status.ok()) {
    return absl::UnavailableError(absl::StrCat("StreamArticles from ", source,
                                               ": ", status.error_message()));
  }
  if (articles.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(source, " streamed no article"));
  }
  return articles;
}

Answers BuildAnswers(const std::vector<Article>& articles) {
  const size_t size = articles.size();
  Answers answers;
  answers.basic.reserve(size);
  answers.full.reserve(size);
  std::vector<Article> basic_articles;
  basic_articles.reserve(size);
  for (size_t k = 0; k < size; ++k) {
    const Article& article = articles[k];
    answers.full.push_back(ToByteBuffer(article.SerializeAsString()));
    // BASIC: without the fields numbered 100 and up.
    Article basic = article;
    basic.clear_related();
    basic.clear_secured();
    basic.clear_body();
    basic.clear_extra_fields();
    answers.basic.push_back(ToByteBuffer(basic.SerializeAsString()));
    answers.by_name.emplace(article.name(), k);
    basic_articles.push_back(std::move(basic));
  }
  for (size_t first = 0; first < size; first += kPageSize) {
    const size_t end = std::min(size, first + kPageSize);
    newsmeta::v1::ListArticlesResponse page;
    for (size_t k = first; k < end; ++k) {
      *page.add_articles() = basic_articles[k];
    }
    if (end < size) {
      page.set_next_page_token(PageToken(basic_articles[end - 1]));
      answers.page_by_token.emplace(page.next_page_token(),
                                    answers.pages.size() + 1);
    }
    page.set_total_size(static_cast<int32_t>(size));
    answers.pages.push_back(ToByteBuffer(page.SerializeAsString()));
  }
  return answers;
}

// Lets every hook proceed: what any server interceptor costs by itself.
class NoopInterceptor final : public grpc::experimental::Interceptor {
 public:
  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    methods->Proceed();
  }
};

class NoopInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* /*info*/) override {
    return new NoopInterceptor();
  }
};

constexpr char kVersionHeader[] = "newsmeta-catalog-version";
constexpr char kVersion[] = "0123456789abcdef";

template <typename Message>
bool Parse(const grpc::ByteBuffer& bytes, Message* message) {
  grpc::ByteBuffer copy(bytes);  // shares the slices
  return grpc::SerializationTraits<Message>::Deserialize(&copy, message).ok();
}

// Writes the next message from OnWriteDone, as newsmeta's stream does.
class StreamReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit StreamReactor(const std::vector<grpc::ByteBuffer>* messages)
      : messages_(messages) {
    WriteNext();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled"));
      return;
    }
    WriteNext();
  }

  void OnDone() override { delete this; }

 private:
  void WriteNext() {
    if (next_ == messages_->size()) {
      Finish(grpc::Status::OK);
      return;
    }
    StartWrite(&(*messages_)[next_++]);
  }

  const std::vector<grpc::ByteBuffer>* messages_;
  size_t next_ = 0;
};

class FailedStreamReactor final
    : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit FailedStreamReactor(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

using RawService = ArticleService::WithRawCallbackMethod_GetArticle<
    ArticleService::WithRawCallbackMethod_ListArticles<
        ArticleService::WithRawCallbackMethod_StreamArticles<
            ArticleService::CallbackService>>>;

class CeilingService final : public RawService {
 public:
  CeilingService(const Answers* answers, bool version_header)
      : answers_(answers), version_header_(version_header) {}

  grpc::ServerUnaryReactor* GetArticle(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    AddHeader(context);
    newsmeta::v1::GetArticleRequest parsed;
    if (!Parse(*request, &parsed)) {
      reactor->Finish(
          grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad request"));
      return reactor;
    }
    const auto found = answers_->by_name.find(parsed.name());
    if (found == answers_->by_name.end()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND,
                                   "no article is called " + parsed.name()));
      return reactor;
    }
    *response = parsed.view() == newsmeta::v1::ARTICLE_VIEW_BASIC
                    ? answers_->basic[found->second]
                    : answers_->full[found->second];
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* ListArticles(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    AddHeader(context);
    newsmeta::v1::ListArticlesRequest parsed;
    if (!Parse(*request, &parsed) ||
        (parsed.page_size() != 0 && parsed.page_size() != kPageSize)) {
      reactor->Finish(grpc::Status(
          grpc::StatusCode::INVALID_ARGUMENT,
          absl::StrCat("the ceiling serves pages of ", kPageSize, " only")));
      return reactor;
    }
    size_t page = 0;
    if (!parsed.page_token().empty()) {
      const auto found = answers_->page_by_token.find(parsed.page_token());
      if (found == answers_->page_by_token.end()) {
        reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                     "unknown page_token"));
        return reactor;
      }
      page = found->second;
    }
    *response = answers_->pages[page];
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerWriteReactor<grpc::ByteBuffer>* StreamArticles(
      grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* request) override {
    AddHeader(context);
    newsmeta::v1::StreamArticlesRequest parsed;
    if (!Parse(*request, &parsed)) {
      return new FailedStreamReactor(
          grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad request"));
    }
    return new StreamReactor(parsed.view() == newsmeta::v1::ARTICLE_VIEW_FULL
                                 ? &answers_->full
                                 : &answers_->basic);
  }

 private:
  void AddHeader(grpc::CallbackServerContext* context) const {
    if (version_header_) context->AddInitialMetadata(kVersionHeader, kVersion);
  }

  const Answers* answers_;
  const bool version_header_;
};

int Run() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const absl::Time start = absl::Now();
  absl::StatusOr<std::vector<Article>> articles =
      CopyArticles(absl::GetFlag(FLAGS_source));
  if (!articles.ok()) {
    LogError(articles.status().message());
    return 1;
  }
  const Answers answers = BuildAnswers(*articles);
  articles->clear();
  Log(LogLevel::kInfo,
      absl::StrCat("serialized ", answers.full.size(), " articles and ",
                   answers.pages.size(), " pages"),
      {{"took", absl::FormatDuration(absl::Now() - start)}});

  CeilingService service(&answers, absl::GetFlag(FLAGS_version_header));
  grpc::ServerBuilder builder;
  if (absl::GetFlag(FLAGS_interceptor)) {
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(std::make_unique<NoopInterceptorFactory>());
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  int port = 0;
  const std::string address =
      absl::StrCat(absl::GetFlag(FLAGS_host), ":", absl::GetFlag(FLAGS_port));
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    LogError("cannot listen on ", address);
    return 1;
  }
  LogInfo("listening on ", absl::GetFlag(FLAGS_host), ":", port);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  server->Wait();
  return 0;
}

}  // namespace
}  // namespace newsmeta

int main(int argc, char** argv) {
  // Debian's Abseil checks every absl::Mutex acquisition for lock-order
  // cycles (a debug aid that gRPC's own locking pays for on every call);
  // turn it off.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "The ceiling of the serving benchmark: answers GetArticle, ListArticles "
      "and StreamArticles with pre-serialized bytes.\n"
      "  newsmeta-serving-ceiling --source HOST:PORT [--host H] [--port P]");
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_source).empty()) {
    newsmeta::LogError("--source is required");
    return 1;
  }
  return newsmeta::Run();
}
