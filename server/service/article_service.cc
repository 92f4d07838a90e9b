#include "service/article_service.h"

#include <memory>
#include <utility>

#include "query/article_queries.h"
#include "service/status_conversion.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;

// Writes one article at a time, the next from OnWriteDone, so flow control
// paces the stream and a cancelled or expired call stops at its next write.
class ArticleStreamReactor final : public grpc::ServerWriteReactor<Article> {
 public:
  explicit ArticleStreamReactor(std::unique_ptr<ArticleStream> stream)
      : stream_(std::move(stream)) {
    WriteNext();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                          "the stream was cancelled or its deadline passed"));
      return;
    }
    WriteNext();
  }

  void OnDone() override { delete this; }

 private:
  void WriteNext() {
    const Article* article = stream_->Next();
    if (article == nullptr) {
      Finish(grpc::Status::OK);
      return;
    }
    StartWrite(article);
  }

  std::unique_ptr<ArticleStream> stream_;
};

class FailedStreamReactor final : public grpc::ServerWriteReactor<Article> {
 public:
  explicit FailedStreamReactor(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

// The catalog one call works on, pinned for the whole call; its version goes
// into the response headers so a caller can tell which catalog answered.
CatalogHolder PinCatalog(const CatalogHolder& catalogs,
                         grpc::CallbackServerContext* context) {
  CatalogHolder pinned(catalogs.Get());
  if (const std::shared_ptr<const Catalog> catalog = pinned.Get()) {
    context->AddInitialMetadata(kCatalogVersionHeader, catalog->version());
  }
  return pinned;
}

}  // namespace

grpc::ServerUnaryReactor* ArticleServiceImpl::GetArticle(
    grpc::CallbackServerContext* context,
    const newsmeta::v1::GetArticleRequest* request, Article* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(newsmeta::GetArticle(
      PinCatalog(*catalogs_, context), *request, response)));
  return reactor;
}

grpc::ServerUnaryReactor* ArticleServiceImpl::ListArticles(
    grpc::CallbackServerContext* context,
    const newsmeta::v1::ListArticlesRequest* request,
    newsmeta::v1::ListArticlesResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(newsmeta::ListArticles(
      PinCatalog(*catalogs_, context), *request, response)));
  return reactor;
}

grpc::ServerUnaryReactor* ArticleServiceImpl::SummarizeArticles(
    grpc::CallbackServerContext* context,
    const newsmeta::v1::SummarizeArticlesRequest* request,
    newsmeta::v1::SummarizeArticlesResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(newsmeta::SummarizeArticles(
      PinCatalog(*catalogs_, context), *request, response)));
  return reactor;
}

grpc::ServerUnaryReactor* ArticleServiceImpl::BatchGetArticles(
    grpc::CallbackServerContext* context,
    const newsmeta::v1::BatchGetArticlesRequest* request,
    newsmeta::v1::BatchGetArticlesResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(newsmeta::BatchGetArticles(
      PinCatalog(*catalogs_, context), *request, response)));
  return reactor;
}

grpc::ServerWriteReactor<Article>* ArticleServiceImpl::StreamArticles(
    grpc::CallbackServerContext* context,
    const newsmeta::v1::StreamArticlesRequest* request) {
  absl::StatusOr<std::unique_ptr<ArticleStream>> stream =
      ArticleStream::Open(PinCatalog(*catalogs_, context), *request);
  if (!stream.ok())
    return new FailedStreamReactor(ToGrpcStatus(stream.status()));
  return new ArticleStreamReactor(*std::move(stream));
}

}  // namespace newsmeta
