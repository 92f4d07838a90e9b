#include "service/article_service.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "query/article_queries.h"
#include "service/call_auth.h"
#include "service/call_recorder.h"
#include "service/shared_slices.h"
#include "service/status_conversion.h"
#include "service/watch_reactor.h"
#include "util/errors.h"
#include "watch/watch_session.h"

namespace newsmeta {
namespace {

// The catalog one call works on, pinned for the whole call; its version goes
// into the response headers so a caller can tell which catalog answered.
CatalogHolder PinCatalog(const CatalogHolder& catalogs,
                         grpc::CallbackServerContext* context) {
  CatalogHolder pinned(catalogs.Get());
  if (const std::shared_ptr<const SegmentedCatalog> catalog = pinned.Get()) {
    static const std::string* const key =
        new std::string(kCatalogVersionHeader);
    context->AddInitialMetadata(*key, catalog->version());
  }
  return pinned;
}

template <typename Message>
absl::StatusOr<Message> ParseRequest(const grpc::ByteBuffer& bytes) {
  grpc::ByteBuffer copy(bytes);  // shares the slices; parsing consumes it
  Message message;
  if (!grpc::SerializationTraits<Message>::Deserialize(&copy, &message).ok()) {
    return Error(absl::StatusCode::kInvalidArgument, "MALFORMED_REQUEST",
                 absl::StrCat("the request is not a valid ",
                              Message::descriptor()->full_name(), " message"));
  }
  return message;
}

// One copy of the message's pieces (the catalog's article bytes and the few
// bytes between them) into one slice of its exact size.
grpc::ByteBuffer ToByteBuffer(const WireMessage& message) {
  grpc::Slice slice(message.size());
  message.CopyTo(reinterpret_cast<char*>(const_cast<uint8_t*>(slice.begin())));
  return grpc::ByteBuffer(&slice, 1);
}

// Full method paths, as gRPC and the metrics name them.
constexpr char kGetArticlePath[] = "/newsmeta.v1.ArticleService/GetArticle";
constexpr char kListArticlesPath[] = "/newsmeta.v1.ArticleService/ListArticles";
constexpr char kBatchGetArticlesPath[] =
    "/newsmeta.v1.ArticleService/BatchGetArticles";
constexpr char kStreamArticlesPath[] =
    "/newsmeta.v1.ArticleService/StreamArticles";
constexpr char kWatchArticlesPath[] =
    "/newsmeta.v1.ArticleService/WatchArticles";
constexpr char kSummarizeArticlesPath[] =
    "/newsmeta.v1.ArticleService/SummarizeArticles";

// Runs a domain *Wire function on a raw unary call, unless `access` (the
// caller's authentication) failed.
template <typename Request>
grpc::Status AnswerRaw(
    absl::Status (*wire)(const CatalogHolder&, const Request&, WireMessage*),
    const absl::Status& access, const CatalogHolder& catalogs,
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  if (!access.ok()) return ToGrpcStatus(access);
  absl::StatusOr<Request> parsed = ParseRequest<Request>(*request);
  if (!parsed.ok()) return ToGrpcStatus(parsed.status());
  WireMessage message;
  const absl::Status status =
      wire(PinCatalog(catalogs, context), *parsed, &message);
  if (status.ok()) *response = ToByteBuffer(message);
  return ToGrpcStatus(status);
}

grpc::ServerUnaryReactor* FinishUnary(CallRecorder* call,
                                      grpc::CallbackServerContext* context,
                                      const grpc::Status& status) {
  call->Finish(*context, status);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

// Writes one article at a time, the next from OnWriteDone, so flow control
// paces the stream and a cancelled or expired call stops at its next write.
// Each message refers to the article's bytes in the catalog (no copy): the
// copy had been 7.5 % of a stream's server CPU (README, Performance).
class ArticleStreamReactor final
    : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  ArticleStreamReactor(std::unique_ptr<ArticleStream> stream,
                       std::unique_ptr<CallRecorder> call,
                       const grpc::CallbackServerContext* context)
      : stream_(std::move(stream)),
        call_(std::move(call)),
        context_(context),
        slices_(SharedSlices::Create(stream_->bytes_owner())) {
    WriteNext();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      FinishCall(
          grpc::Status(grpc::StatusCode::CANCELLED,
                       "the stream was cancelled or its deadline passed"));
      return;
    }
    call_->MessageSent();
    WriteNext();
  }

  void OnDone() override {
    slices_->Release();
    delete this;
  }

 private:
  void WriteNext() {
    const std::optional<absl::string_view> article = stream_->Next();
    if (!article) {
      FinishCall(grpc::Status::OK);
      return;
    }
    grpc::Slice slice = slices_->View(*article);
    message_ = grpc::ByteBuffer(&slice, 1);
    StartWrite(&message_);
  }

  void FinishCall(const grpc::Status& status) {
    call_->Finish(*context_, status);
    Finish(status);
  }

  std::unique_ptr<ArticleStream> stream_;
  const std::unique_ptr<CallRecorder> call_;
  const grpc::CallbackServerContext* const context_;
  SharedSlices* const slices_;
  grpc::ByteBuffer message_;  // being written
};

class FailedStreamReactor final
    : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  FailedStreamReactor(std::unique_ptr<CallRecorder> call,
                      const grpc::CallbackServerContext* context,
                      const grpc::Status& status) {
    call->Finish(*context, status);
    Finish(status);
  }
  void OnDone() override { delete this; }
};

}  // namespace

absl::Status ArticleServiceImpl::Authenticate(
    const grpc::CallbackServerContext& context) const {
  if (tokens_ == nullptr) return absl::OkStatus();
  return tokens_->Check(AuthorizationHeader(context.client_metadata()));
}

grpc::ServerUnaryReactor* ArticleServiceImpl::GetArticle(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  CallRecorder call(metrics_, kGetArticlePath);
  return FinishUnary(&call, context,
                     AnswerRaw(GetArticleWire, Authenticate(*context),
                               *catalogs_, context, request, response));
}

grpc::ServerUnaryReactor* ArticleServiceImpl::ListArticles(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  CallRecorder call(metrics_, kListArticlesPath);
  return FinishUnary(&call, context,
                     AnswerRaw(ListArticlesWire, Authenticate(*context),
                               *catalogs_, context, request, response));
}

grpc::ServerUnaryReactor* ArticleServiceImpl::BatchGetArticles(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  CallRecorder call(metrics_, kBatchGetArticlesPath);
  return FinishUnary(&call, context,
                     AnswerRaw(BatchGetArticlesWire, Authenticate(*context),
                               *catalogs_, context, request, response));
}

grpc::ServerUnaryReactor* ArticleServiceImpl::SummarizeArticles(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  CallRecorder call(metrics_, kSummarizeArticlesPath);
  const auto answer = [&]() -> grpc::Status {
    if (absl::Status access = Authenticate(*context); !access.ok()) {
      return ToGrpcStatus(access);
    }
    absl::StatusOr<newsmeta::v1::SummarizeArticlesRequest> parsed =
        ParseRequest<newsmeta::v1::SummarizeArticlesRequest>(*request);
    if (!parsed.ok()) return ToGrpcStatus(parsed.status());
    newsmeta::v1::SummarizeArticlesResponse summary;
    const absl::Status status = newsmeta::SummarizeArticles(
        PinCatalog(*catalogs_, context), *parsed, &summary);
    if (!status.ok()) return ToGrpcStatus(status);
    bool own_buffer = false;
    return grpc::SerializationTraits<
        newsmeta::v1::SummarizeArticlesResponse>::Serialize(summary, response,
                                                            &own_buffer);
  };
  return FinishUnary(&call, context, answer());
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* ArticleServiceImpl::StreamArticles(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  auto call = std::make_unique<CallRecorder>(metrics_, kStreamArticlesPath);
  if (absl::Status access = Authenticate(*context); !access.ok()) {
    return new FailedStreamReactor(std::move(call), context,
                                   ToGrpcStatus(access));
  }
  absl::StatusOr<newsmeta::v1::StreamArticlesRequest> parsed =
      ParseRequest<newsmeta::v1::StreamArticlesRequest>(*request);
  if (!parsed.ok()) {
    return new FailedStreamReactor(std::move(call), context,
                                   ToGrpcStatus(parsed.status()));
  }
  absl::StatusOr<std::unique_ptr<ArticleStream>> stream =
      ArticleStream::Open(PinCatalog(*catalogs_, context), *parsed);
  if (!stream.ok()) {
    return new FailedStreamReactor(std::move(call), context,
                                   ToGrpcStatus(stream.status()));
  }
  return new ArticleStreamReactor(*std::move(stream), std::move(call), context);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* ArticleServiceImpl::WatchArticles(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  auto call = std::make_unique<CallRecorder>(metrics_, kWatchArticlesPath);
  if (absl::Status access = Authenticate(*context); !access.ok()) {
    return new FailedStreamReactor(std::move(call), context,
                                   ToGrpcStatus(access));
  }
  if (watch_hub_ == nullptr) {
    return new FailedStreamReactor(
        std::move(call), context,
        grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                     "this server has no live feed"));
  }
  absl::StatusOr<newsmeta::v1::WatchArticlesRequest> parsed =
      ParseRequest<newsmeta::v1::WatchArticlesRequest>(*request);
  if (!parsed.ok()) {
    return new FailedStreamReactor(std::move(call), context,
                                   ToGrpcStatus(parsed.status()));
  }
  absl::StatusOr<std::unique_ptr<WatchSession>> session =
      WatchSession::Open(watch_hub_, *parsed);
  if (!session.ok()) {
    return new FailedStreamReactor(std::move(call), context,
                                   ToGrpcStatus(session.status()));
  }
  return StartWatch(watch_hub_, *std::move(session), metrics_, std::move(call),
                    context);
}

std::vector<std::string> ArticleServiceImpl::SelfRecordedMethods() {
  return {kGetArticlePath,     kListArticlesPath,  kBatchGetArticlesPath,
          kStreamArticlesPath, kWatchArticlesPath, kSummarizeArticlesPath};
}

}  // namespace newsmeta
