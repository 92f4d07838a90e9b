// gRPC adapter of newsmeta.v1.ArticleService over the domain operations.
#ifndef NEWSMETA_SERVER_SERVICE_ARTICLE_SERVICE_H_
#define NEWSMETA_SERVER_SERVICE_ARTICLE_SERVICE_H_

#include <string>
#include <vector>

#include "catalog/catalog_holder.h"
#include "metrics/metrics.h"
#include "newsmeta/v1/article_service.grpc.pb.h"
#include "security/bearer_tokens.h"
#include "watch/watch_hub.h"

namespace newsmeta {

// Response header naming the version of the catalog that answered a call
// (Catalog::version()).
inline constexpr char kCatalogVersionHeader[] = "newsmeta-catalog-version";

// Every method is raw, and parses its request here, so that a request that
// does not parse gets INVALID_ARGUMENT with ErrorInfo MALFORMED_REQUEST
// from each alike (a typed callback method answered UNIMPLEMENTED, with an
// empty message, when gRPC could not parse it). The methods that send
// articles answer with the catalog's cached article bytes (the domain's
// *Wire functions) instead of building and serializing messages per call.
using ArticleServiceBase =
    newsmeta::v1::ArticleService::WithRawCallbackMethod_GetArticle<
        newsmeta::v1::ArticleService::WithRawCallbackMethod_ListArticles<
            newsmeta::v1::ArticleService::
                WithRawCallbackMethod_BatchGetArticles<
                    newsmeta::v1::ArticleService::
                        WithRawCallbackMethod_StreamArticles<
                            newsmeta::v1::ArticleService::
                                WithRawCallbackMethod_WatchArticles<
                                    newsmeta::v1::ArticleService::
                                        WithRawCallbackMethod_SummarizeArticles<
                                            newsmeta::v1::ArticleService::
                                                CallbackService>>>>>>;

class ArticleServiceImpl final : public ArticleServiceBase {
 public:
  // `catalogs` must outlive the service; so must `tokens`, which, when
  // given, every call must present one of (UNAUTHENTICATED otherwise,
  // before the request is looked at), and `watch_hub` and `metrics` when
  // given. Without a hub, WatchArticles is UNIMPLEMENTED. With `metrics`,
  // the methods SelfRecordedMethods() names record their calls there.
  explicit ArticleServiceImpl(const CatalogHolder* catalogs,
                              const TokenFile* tokens = nullptr,
                              WatchHub* watch_hub = nullptr,
                              Metrics* metrics = nullptr)
      : catalogs_(catalogs),
        tokens_(tokens),
        watch_hub_(watch_hub),
        metrics_(metrics) {}

  grpc::ServerUnaryReactor* GetArticle(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;

  grpc::ServerUnaryReactor* ListArticles(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;

  grpc::ServerUnaryReactor* BatchGetArticles(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;

  grpc::ServerWriteReactor<grpc::ByteBuffer>* StreamArticles(
      grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* request) override;

  grpc::ServerWriteReactor<grpc::ByteBuffer>* WatchArticles(
      grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* request) override;

  grpc::ServerUnaryReactor* SummarizeArticles(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;

  // The full paths of the methods that record their own calls in Metrics
  // (service/call_recorder.h), as the metrics interceptor would: the raw
  // ones, whose requests gRPC never parses, so every call reaches its
  // handler. The metrics interceptor is to skip them.
  static std::vector<std::string> SelfRecordedMethods();

 private:
  absl::Status Authenticate(const grpc::CallbackServerContext& context) const;

  const CatalogHolder* catalogs_;
  const TokenFile* tokens_;
  WatchHub* const watch_hub_;
  Metrics* const metrics_;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_SERVICE_ARTICLE_SERVICE_H_
