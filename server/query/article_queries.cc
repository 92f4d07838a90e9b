#include "query/article_queries.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "catalog/article_name.h"
#include "query/pager.h"
#include "query/request.h"
#include "query/summary.h"
#include "query/wire.h"
#include "util/errors.h"
#include "util/status_macros.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;
using ::newsmeta::v1::ArticleView;

absl::StatusOr<std::shared_ptr<const SegmentedCatalog>> CurrentCatalog(
    const CatalogHolder& catalogs) {
  std::shared_ptr<const SegmentedCatalog> catalog = catalogs.Get();
  if (catalog == nullptr) {
    return Error(absl::StatusCode::kUnavailable, "CATALOG_LOADING",
                 "the catalog is still loading; retry in a moment");
  }
  return catalog;
}

// Calls `wire` and flattens the message it answers into `bytes`.
template <typename Request>
absl::Status FlattenWire(absl::Status (*wire)(const CatalogHolder&,
                                              const Request&, WireMessage*),
                         const CatalogHolder& catalogs, const Request& request,
                         std::string* bytes) {
  WireMessage message;
  RETURN_IF_ERROR(wire(catalogs, request, &message));
  *bytes = message.Flatten();
  return absl::OkStatus();
}

// Calls `wire` and parses the bytes it answers into `response`.
template <typename Request, typename Response>
absl::Status ParseWire(absl::Status (*wire)(const CatalogHolder&,
                                            const Request&, WireMessage*),
                       const CatalogHolder& catalogs, const Request& request,
                       Response* response) {
  std::string bytes;
  RETURN_IF_ERROR(FlattenWire(wire, catalogs, request, &bytes));
  if (!response->ParseFromString(bytes)) {
    return absl::InternalError(absl::StrCat("cannot parse the ",
                                            Response::descriptor()->name(),
                                            " this server assembled"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status GetArticleWire(const CatalogHolder& catalogs,
                            const newsmeta::v1::GetArticleRequest& request,
                            WireMessage* response) {
  RETURN_IF_ERROR(ValidateArticleName("name", request.name()));
  ASSIGN_OR_RETURN(
      const ArticleView view,
      ResolveView(request.view(), newsmeta::v1::ARTICLE_VIEW_FULL));
  ASSIGN_OR_RETURN(const std::shared_ptr<const SegmentedCatalog> catalog,
                   CurrentCatalog(catalogs));
  const std::optional<ArticleRef> index = catalog->IndexOf(request.name());
  if (!index) {
    return Error(absl::StatusCode::kNotFound, "ARTICLE_NOT_FOUND",
                 absl::StrCat("no article is called ", request.name()),
                 {{"name", request.name()}});
  }
  response->Clear();
  response->AppendView(catalog->ArticleBytes(*index, view));
  response->KeepAlive(catalog);
  return absl::OkStatus();
}

absl::Status ListArticlesWire(const CatalogHolder& catalogs,
                              const newsmeta::v1::ListArticlesRequest& request,
                              WireMessage* response) {
  ASSIGN_OR_RETURN(const Query query, QueryFromRequest(request));
  ASSIGN_OR_RETURN(
      const ArticleView view,
      ResolveView(request.view(), newsmeta::v1::ARTICLE_VIEW_BASIC));
  ASSIGN_OR_RETURN(const int page_size, EffectivePageSize(request.page_size()));
  ASSIGN_OR_RETURN(const std::shared_ptr<const SegmentedCatalog> catalog,
                   CurrentCatalog(catalogs));
  ASSIGN_OR_RETURN(Page page, ListPage(*catalog, query, page_size,
                                       request.page_token(), {view}));
  // ListArticlesResponse: articles = 1, next_page_token = 2, total_size = 3.
  response->Clear();
  // A piece per article (its tag and length inline), then one owned piece:
  // the token and the total.
  response->Reserve(page.articles.size() + 1, page.next_page_token.size() + 16);
  for (const ArticleRef index : page.articles) {
    AppendBytesFieldView(1, catalog->ArticleBytes(index, view), response,
                         /*keep_empty=*/true);
  }
  AppendBytesField(2, page.next_page_token, response);
  AppendVarintField(3, static_cast<uint64_t>(page.total_size), response);
  response->KeepAlive(catalog);
  return absl::OkStatus();
}

absl::Status BatchGetArticlesWire(
    const CatalogHolder& catalogs,
    const newsmeta::v1::BatchGetArticlesRequest& request,
    WireMessage* response) {
  if (request.names().empty()) {
    return InvalidField("names", "MISSING_NAMES",
                        "names is empty; give 1 to 1000 article names");
  }
  if (request.names_size() > kMaxBatchGetNames) {
    return InvalidField("names", "TOO_MANY_NAMES",
                        absl::StrCat("names lists ", request.names_size(),
                                     " articles; at most ", kMaxBatchGetNames,
                                     " are allowed in one call"),
                        {{"count", absl::StrCat(request.names_size())},
                         {"limit", absl::StrCat(kMaxBatchGetNames)}});
  }
  for (int i = 0; i < request.names_size(); ++i) {
    RETURN_IF_ERROR(
        ValidateArticleName(absl::StrCat("names[", i, "]"), request.names(i)));
  }
  ASSIGN_OR_RETURN(
      const ArticleView view,
      ResolveView(request.view(), newsmeta::v1::ARTICLE_VIEW_FULL));
  ASSIGN_OR_RETURN(const std::shared_ptr<const SegmentedCatalog> catalog,
                   CurrentCatalog(catalogs));
  // All or nothing: look every name up before answering.
  std::vector<ArticleRef> found;
  found.reserve(request.names_size());
  for (int i = 0; i < request.names_size(); ++i) {
    const std::optional<ArticleRef> index = catalog->IndexOf(request.names(i));
    if (!index) {
      return Error(absl::StatusCode::kNotFound, "ARTICLE_NOT_FOUND",
                   absl::StrCat("no article is called ", request.names(i),
                                " (names[", i, "])"),
                   {{"name", request.names(i)},
                    {"field", absl::StrCat("names[", i, "]")}});
    }
    found.push_back(*index);
  }
  // An answer no client with gRPC's default limits could receive. One
  // article is answered however large, as GetArticle and a page would.
  int64_t bytes = 0;
  for (const ArticleRef index : found) {
    bytes += RepeatedElementBytes(catalog->ArticleBytes(index, view).size());
  }
  if (found.size() > 1 && bytes > kMaxResponseBytes) {
    return Error(
        absl::StatusCode::kFailedPrecondition, "RESPONSE_TOO_LARGE",
        absl::StrCat("these ", found.size(), " articles weigh ", bytes,
                     " bytes in the ", newsmeta::v1::ArticleView_Name(view),
                     " view, more than the ", kMaxResponseBytes,
                     " bytes one response may carry; ask for fewer names, or "
                     "for ARTICLE_VIEW_BASIC (no body)"),
        {{"bytes", absl::StrCat(bytes)},
         {"limit", absl::StrCat(kMaxResponseBytes)}});
  }
  // BatchGetArticlesResponse: articles = 1.
  response->Clear();
  for (const ArticleRef index : found) {
    AppendBytesFieldView(1, catalog->ArticleBytes(index, view), response,
                         /*keep_empty=*/true);
  }
  response->KeepAlive(catalog);
  return absl::OkStatus();
}

absl::Status GetArticleWire(const CatalogHolder& catalogs,
                            const newsmeta::v1::GetArticleRequest& request,
                            std::string* response) {
  return FlattenWire(GetArticleWire, catalogs, request, response);
}

absl::Status ListArticlesWire(const CatalogHolder& catalogs,
                              const newsmeta::v1::ListArticlesRequest& request,
                              std::string* response) {
  return FlattenWire(ListArticlesWire, catalogs, request, response);
}

absl::Status BatchGetArticlesWire(
    const CatalogHolder& catalogs,
    const newsmeta::v1::BatchGetArticlesRequest& request,
    std::string* response) {
  return FlattenWire(BatchGetArticlesWire, catalogs, request, response);
}

absl::Status GetArticle(const CatalogHolder& catalogs,
                        const newsmeta::v1::GetArticleRequest& request,
                        Article* response) {
  return ParseWire(GetArticleWire, catalogs, request, response);
}

absl::Status ListArticles(const CatalogHolder& catalogs,
                          const newsmeta::v1::ListArticlesRequest& request,
                          newsmeta::v1::ListArticlesResponse* response) {
  return ParseWire(ListArticlesWire, catalogs, request, response);
}

absl::Status BatchGetArticles(
    const CatalogHolder& catalogs,
    const newsmeta::v1::BatchGetArticlesRequest& request,
    newsmeta::v1::BatchGetArticlesResponse* response) {
  return ParseWire(BatchGetArticlesWire, catalogs, request, response);
}

absl::Status SummarizeArticles(
    const CatalogHolder& catalogs,
    const newsmeta::v1::SummarizeArticlesRequest& request,
    newsmeta::v1::SummarizeArticlesResponse* response) {
  ASSIGN_OR_RETURN(const Query query, QueryFromRequest(request));
  ASSIGN_OR_RETURN(const int top_n, EffectiveTopN(request.top_n()));
  ASSIGN_OR_RETURN(const HistogramInterval interval,
                   ToHistogramInterval(request.histogram_interval()));
  ASSIGN_OR_RETURN(const std::shared_ptr<const SegmentedCatalog> catalog,
                   CurrentCatalog(catalogs));
  ASSIGN_OR_RETURN(const Summary summary,
                   Summarize(*catalog, query, top_n, interval));
  response->set_total_size(static_cast<int32_t>(summary.total_size));
  for (const Summary::Count& count : summary.topics) {
    newsmeta::v1::TopicCount* topic = response->add_topic_counts();
    topic->set_topic(count.key);
    topic->set_count(static_cast<int32_t>(count.count));
  }
  for (const Summary::Count& count : summary.providers) {
    newsmeta::v1::ProviderCount* provider = response->add_provider_counts();
    provider->set_domain(count.key);
    provider->set_name(count.name);
    provider->set_count(static_cast<int32_t>(count.count));
  }
  for (const Summary::Bucket& bucket : summary.histogram) {
    newsmeta::v1::HistogramBucket* out = response->add_histogram();
    *out->mutable_start_time() = ToTimestamp(bucket.start);
    out->set_count(static_cast<int32_t>(bucket.count));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ArticleStream>> ArticleStream::Open(
    const CatalogHolder& catalogs,
    const newsmeta::v1::StreamArticlesRequest& request) {
  ASSIGN_OR_RETURN(Query query, QueryFromRequest(request));
  ASSIGN_OR_RETURN(
      const ArticleView view,
      ResolveView(request.view(), newsmeta::v1::ARTICLE_VIEW_BASIC));
  ASSIGN_OR_RETURN(std::shared_ptr<const SegmentedCatalog> catalog,
                   CurrentCatalog(catalogs));
  return std::unique_ptr<ArticleStream>(
      new ArticleStream(std::move(catalog), std::move(query), view));
}

ArticleStream::ArticleStream(std::shared_ptr<const SegmentedCatalog> catalog,
                             Query query, ArticleView view)
    : catalog_(std::move(catalog)),
      query_(std::move(query)),
      view_(view),
      matches_(*catalog_, query_) {}

std::optional<absl::string_view> ArticleStream::Next() {
  const std::optional<ArticleRef> index = matches_.Next();
  if (!index) return std::nullopt;
  return catalog_->ArticleBytes(*index, view_);
}

}  // namespace newsmeta
