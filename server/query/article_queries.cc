#include "query/article_queries.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "catalog/article_name.h"
#include "query/pager.h"
#include "query/request.h"
#include "util/status_macros.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;
using ::newsmeta::v1::ArticleView;

absl::StatusOr<std::shared_ptr<const Catalog>> CurrentCatalog(
    const CatalogHolder& catalogs) {
  std::shared_ptr<const Catalog> catalog = catalogs.Get();
  if (catalog == nullptr) {
    return absl::UnavailableError(
        "the catalog is still loading; retry in a moment");
  }
  return catalog;
}

}  // namespace

absl::Status GetArticle(const CatalogHolder& catalogs,
                        const newsmeta::v1::GetArticleRequest& request,
                        Article* response) {
  RETURN_IF_ERROR(ValidateArticleName("name", request.name()));
  ASSIGN_OR_RETURN(
      const ArticleView view,
      ResolveView(request.view(), newsmeta::v1::ARTICLE_VIEW_FULL));
  ASSIGN_OR_RETURN(const std::shared_ptr<const Catalog> catalog,
                   CurrentCatalog(catalogs));
  const Article* article = catalog->Find(request.name());
  if (article == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("no article is called ", request.name()));
  }
  *response = *article;
  ApplyView(view, response);
  return absl::OkStatus();
}

absl::Status ListArticles(const CatalogHolder& catalogs,
                          const newsmeta::v1::ListArticlesRequest& request,
                          newsmeta::v1::ListArticlesResponse* response) {
  ASSIGN_OR_RETURN(const Query query, QueryFromRequest(request));
  ASSIGN_OR_RETURN(
      const ArticleView view,
      ResolveView(request.view(), newsmeta::v1::ARTICLE_VIEW_BASIC));
  ASSIGN_OR_RETURN(const int page_size, EffectivePageSize(request.page_size()));
  ASSIGN_OR_RETURN(const std::shared_ptr<const Catalog> catalog,
                   CurrentCatalog(catalogs));
  ASSIGN_OR_RETURN(Page page,
                   ListPage(*catalog, query, page_size, request.page_token()));
  for (const ArticleIndex index : page.articles) {
    Article* article = response->add_articles();
    *article = catalog->article(index);
    ApplyView(view, article);
  }
  response->set_next_page_token(std::move(page.next_page_token));
  response->set_total_size(static_cast<int32_t>(page.total_size));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ArticleStream>> ArticleStream::Open(
    const CatalogHolder& catalogs,
    const newsmeta::v1::StreamArticlesRequest& request) {
  ASSIGN_OR_RETURN(Query query, QueryFromRequest(request));
  ASSIGN_OR_RETURN(
      const ArticleView view,
      ResolveView(request.view(), newsmeta::v1::ARTICLE_VIEW_BASIC));
  ASSIGN_OR_RETURN(std::shared_ptr<const Catalog> catalog,
                   CurrentCatalog(catalogs));
  return std::unique_ptr<ArticleStream>(
      new ArticleStream(std::move(catalog), std::move(query), view));
}

ArticleStream::ArticleStream(std::shared_ptr<const Catalog> catalog,
                             Query query, ArticleView view)
    : catalog_(std::move(catalog)),
      query_(std::move(query)),
      view_(view),
      cursor_(*catalog_, query_) {}

const Article* ArticleStream::Next() {
  const std::optional<ArticleIndex> index = cursor_.Next();
  if (!index) return nullptr;
  const Article& article = catalog_->article(*index);
  if (view_ == newsmeta::v1::ARTICLE_VIEW_FULL) return &article;
  current_ = article;
  ApplyView(view_, &current_);
  return &current_;
}

}  // namespace newsmeta
