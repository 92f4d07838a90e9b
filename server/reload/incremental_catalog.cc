#include "reload/incremental_catalog.h"

#include <algorithm>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "catalog/article_fields.h"
#include "catalog/article_name.h"
#include "util/memory_usage.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;
constexpr auto kFull = newsmeta::v1::ARTICLE_VIEW_FULL;

// The id of an article name of the form articles/{16 hex digits}.
std::optional<uint64_t> NameId(absl::string_view name) {
  if (!absl::ConsumePrefix(&name, kArticleNamePrefix) ||
      name.size() != kArticleIdLength) {
    return std::nullopt;
  }
  uint64_t id = 0;
  if (!absl::SimpleHexAtoi(name, &id)) return std::nullopt;
  return id;
}

std::string NameOf(uint64_t id) {
  return absl::StrCat(kArticleNamePrefix, absl::StrFormat("%016x", id));
}

// The URLs an article is found by (original and web, each once).
std::vector<absl::string_view> OwnUrls(absl::string_view original_url,
                                       absl::string_view web_url) {
  std::vector<absl::string_view> urls;
  if (!original_url.empty()) urls.push_back(original_url);
  if (!web_url.empty() && web_url != original_url) urls.push_back(web_url);
  return urls;
}
std::vector<absl::string_view> OwnUrls(const Article& article) {
  return OwnUrls(article.original_url(), article.web_url());
}

bool Owns(const Article& article, absl::string_view url) {
  return article.original_url() == url || article.web_url() == url;
}

// The live articles of `catalog` (those `live` keeps) that own each of
// `urls` (URLs by their IncrementalCatalog::Key), in one pass over the
// catalog's bytes: O(catalog), for the rare change that links to a URL
// several articles own.
template <typename Key, typename Live>
absl::flat_hash_map<uint64_t, std::vector<ArticleRef>> OwnersOf(
    const SegmentedCatalog& catalog,
    const absl::flat_hash_map<uint64_t, std::string>& urls, const Key& key,
    const Live& live) {
  absl::flat_hash_map<uint64_t, std::vector<ArticleRef>> owners;
  if (urls.empty()) return owners;
  for (uint32_t s = 0; s < catalog.segment_count(); ++s) {
    for (ArticleIndex i = 0; i < catalog.segment(s).size(); ++i) {
      const ArticleRef article{s, i};
      if (!catalog.IsLive(article) || !live(article)) continue;
      absl::string_view original_url, web_url;
      if (!ScanUrls(catalog.ArticleBytes(article, kFull), &original_url,
                    &web_url)) {
        continue;
      }
      for (const absl::string_view url : OwnUrls(original_url, web_url)) {
        const uint64_t url_key = key(url);
        if (urls.contains(url_key)) owners[url_key].push_back(article);
      }
    }
  }
  return owners;
}

// The first of `owners` (not empty) in catalog order: by publish time,
// then name.
template <typename Owner>
typename std::vector<Owner>::const_iterator FirstOwner(
    const std::vector<Owner>& owners) {
  return std::min_element(
      owners.begin(), owners.end(), [](const Owner& a, const Owner& b) {
        return InCatalogOrder(a.publish_time, a.name, b.publish_time, b.name);
      });
}

// The folder `path` is in ("" for the top).
absl::string_view FolderOf(absl::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? absl::string_view()
                                          : path.substr(0, slash);
}

// Whether `rejection` is the file `path`'s: its message starts with the
// path, then ": why" or ":line:column: why".
bool RejectionOf(const absl::Status& rejection, absl::string_view path) {
  absl::string_view message = rejection.message();
  if (!absl::ConsumePrefix(&message, path) ||
      !absl::ConsumePrefix(&message, ":") || message.empty()) {
    return false;
  }
  return message[0] == ' ' || absl::ascii_isdigit(message[0]);
}

}  // namespace

uint64_t IncrementalCatalog::Key(absl::string_view text) {
  return absl::Hash<absl::string_view>{}(text);
}

void IncrementalCatalog::Invalidate() {
  catalog_.reset();
  name_of_path_.clear();
  claims_.clear();
  url_owners_.Clear();
  linkers_.Clear();
  folders_.clear();
  stamps_.clear();
  racy_contents_.clear();
  unserved_paths_.clear();
  rejections_.clear();
  served_.reset();
  served_segments_.clear();
}

void IncrementalCatalog::Learn(const std::vector<SerializedArticle>& articles,
                               const SeedCache& files) {
  Invalidate();
  // The files that give each name, and the one Build keeps (the first
  // path): only kept articles own URLs and link to others.
  absl::flat_hash_map<uint64_t, const SerializedArticle*> kept;  // by name
  bool canonical = true;
  for (const SerializedArticle& article : articles) {
    const std::optional<uint64_t> id = NameId(article.name);
    if (!id) {
      canonical = false;
      continue;
    }
    name_of_path_[Key(article.source_file)] = *id;
    auto [it, first] = kept.try_emplace(*id, &article);
    if (first) continue;
    std::vector<std::string>& paths = claims_[*id];
    if (paths.empty()) paths.push_back(it->second->source_file);
    paths.push_back(article.source_file);
    if (article.source_file < it->second->source_file) it->second = &article;
  }
  for (auto& [id, paths] : claims_) std::sort(paths.begin(), paths.end());
  for (const auto& [id, article] : kept) {
    for (const absl::string_view url :
         OwnUrls(article->original_url, article->web_url)) {
      url_owners_.Add(Key(url));
    }
    for (const std::string& url : article->related_urls) {
      linkers_.Add(Key(url), id);
    }
  }
  folders_ = files.folders();
  files.ForEachListed([this](const ListedSeedFile& file) {
    const uint64_t path = Key(file.relative);
    RememberFile(path, file.stamp, file.content);
    if (!name_of_path_.contains(path)) {
      unserved_paths_[path] = file.relative;
    }
  });
  // Names of another form cannot be kept as ids.
  if (!canonical) Invalidate();
  learned_ = canonical;
}

void IncrementalCatalog::Attach(std::shared_ptr<const SegmentedCatalog> catalog,
                                const std::vector<absl::Status>& rejections) {
  if (!learned_) return;
  catalog_ = std::move(catalog);
  rejections_ = rejections;
  learned_ = false;
}

void IncrementalCatalog::StartChange(
    const std::shared_ptr<const SegmentedCatalog>& served) {
  const bool same = !served_.owner_before(served) &&
                    !served.owner_before(served_) && !served_.expired();
  if (same) return;  // the same catalog served: its budget stands
  served_ = served;
  served_segments_.clear();
  merged_served_ = false;
  for (uint32_t s = 0; s < served->segment_count(); ++s) {
    served_segments_.insert(&served->segment(s));
  }
}

std::optional<IncrementalCatalog::Applied> IncrementalCatalog::Apply(
    const std::vector<SeedFileUpdate>& updates, const ReadSeed& read,
    std::string* why, const absl::flat_hash_set<std::string>* walked_folders) {
  const auto refuse = [&](std::string reason) -> std::optional<Applied> {
    *why = std::move(reason);
    Invalidate();
    return std::nullopt;
  };
  if (catalog_ == nullptr) return refuse("no catalog to change");
  const SegmentedCatalog& catalog = *catalog_;
  // Whether the file at `update.path` is no more, as a load from scratch
  // sees the folder: gone; in a folder a walk did not read (one it cannot
  // read: it does not see the files in it); or a folder the walk rejected
  // as unreadable before, which it reads now.
  const auto gone = [&](const SeedFileUpdate& update) {
    if (update.seed.gone) return true;
    if (walked_folders != nullptr &&
        !walked_folders->contains(FolderOf(update.path))) {
      return true;
    }
    return update.seed.folder &&
           absl::IsUnknown(update.seed.outcome.status()) &&
           unserved_paths_.contains(Key(update.path));
  };

  // What each named file gives now, and the names whose files change: the
  // name each gave before and the one it gives now.
  absl::flat_hash_map<uint64_t, const Article*> now_by_path;
  std::vector<uint64_t> affected;  // name ids, each once
  absl::flat_hash_set<uint64_t> affected_set;
  const auto affect = [&](uint64_t id) {
    if (affected_set.insert(id).second) affected.push_back(id);
  };
  absl::flat_hash_set<uint64_t> named;
  absl::flat_hash_set<uint64_t> paths;  // the files that changed
  // Read again, and give the article served for them as it is.
  absl::flat_hash_set<uint64_t> same;
  // The files that give each name now, by the name's id.
  absl::flat_hash_map<uint64_t, std::vector<std::string>> now_by_name;
  for (const SeedFileUpdate& update : updates) {
    const uint64_t path = Key(update.path);
    if (!named.insert(path).second) continue;  // named twice
    if (Unchanged(update)) continue;
    paths.insert(path);
    const bool is_gone = gone(update);
    // A folder a walk cannot read is a name it rejects; another folder is
    // not a change a delta follows.
    if (update.seed.folder && !is_gone &&
        absl::IsUnknown(update.seed.outcome.status())) {
      return refuse(absl::StrCat(update.path, " is a folder"));
    }
    // A file that is gone needs no folder; one that is there, a folder
    // that is watched.
    const absl::string_view folder = FolderOf(update.path);
    const bool walked = is_gone || (walked_folders == nullptr
                                        ? folders_.contains(folder)
                                        : walked_folders->contains(folder));
    if (!walked || absl::StartsWith(update.path, ".") ||
        absl::StrContains(update.path, "/.")) {
      return refuse(absl::StrCat(update.path, " is not in a folder walked"));
    }
    const Article* now = nullptr;
    std::optional<uint64_t> id;
    if (!is_gone && update.seed.outcome.ok()) {
      now = &*update.seed.outcome;
      id = NameId(now->name());
      if (!id) {
        return refuse(absl::StrCat(now->name(), " is not a seed's name"));
      }
      if (now->source_file() != update.path) {
        return refuse(absl::StrCat(update.path, " gave another source file"));
      }
      if (Served(update.path, *id, *now)) {
        paths.erase(path);
        same.insert(path);
        continue;
      }
    }
    if (const auto it = name_of_path_.find(path); it != name_of_path_.end()) {
      affect(it->second);
    }
    if (now != nullptr) {
      affect(*id);
      now_by_path[path] = now;
      now_by_name[*id].push_back(update.path);
    }
  }

  // Per name: the files that give it after the change (claims), the one
  // kept (the first path, as Catalog::Build keeps it) and the others,
  // rejected as its duplicates; the article served for it changes when the
  // kept file changed or another file is kept now.
  std::vector<ArticleRef> deleted;  // articles served before, to delete
  std::vector<Article> removed;     // their messages
  std::vector<Article> added;
  struct Claims {
    uint64_t id;
    std::vector<std::string> before, after;  // paths, `after` sorted
  };
  std::vector<Claims> claims;
  for (const uint64_t id : affected) {
    const std::string name = NameOf(id);
    const std::optional<ArticleRef> served = catalog.IndexOf(name);
    std::optional<Article> served_article;
    if (served) served_article = catalog.article(*served);
    Claims claim{id, {}, {}};
    if (const auto it = claims_.find(id); it != claims_.end()) {
      claim.before = it->second;
    } else if (served_article) {
      claim.before = {served_article->source_file()};
    }
    for (const std::string& path : claim.before) {
      if (!paths.contains(Key(path))) claim.after.push_back(path);
    }
    if (const auto it = now_by_name.find(id); it != now_by_name.end()) {
      claim.after.insert(claim.after.end(), it->second.begin(),
                         it->second.end());
    }
    std::sort(claim.after.begin(), claim.after.end());
    const std::string* kept =
        claim.after.empty() ? nullptr : &claim.after.front();
    const bool kept_changed = kept != nullptr && paths.contains(Key(*kept));
    const bool same_kept = kept != nullptr && served_article &&
                           served_article->source_file() == *kept &&
                           !kept_changed;
    if (!same_kept) {
      if (served) {
        deleted.push_back(*served);
        removed.push_back(*std::move(served_article));
      }
      if (kept_changed) {
        added.push_back(*now_by_path.at(Key(*kept)));
      } else if (kept != nullptr) {
        // Another file is kept now, one the change did not name: read it.
        NamedSeed seed = read(*kept);
        if (!seed.outcome.ok() || seed.outcome->name() != name) {
          return refuse(absl::StrCat(*kept, ", kept for ", name,
                                     " now, does not give it"));
        }
        added.push_back(*std::move(seed.outcome));
      }
    }
    claims.push_back(std::move(claim));
  }
  absl::flat_hash_set<uint64_t> added_names;
  for (const Article& article : added) added_names.insert(Key(article.name()));

  // URLs: how many articles own each after the change, and whether the
  // article a related link to it resolves to may change.
  struct UrlChange {
    std::vector<std::string> removed_names;
    std::vector<std::string> added_names;
  };
  absl::flat_hash_map<uint64_t, UrlChange> urls;
  for (const Article& article : removed) {
    for (const absl::string_view url : OwnUrls(article)) {
      urls[Key(url)].removed_names.push_back(article.name());
    }
  }
  for (const Article& article : added) {
    for (const absl::string_view url : OwnUrls(article)) {
      urls[Key(url)].added_names.push_back(article.name());
    }
  }
  const auto owners_before = [this](uint64_t url) -> int64_t {
    return url_owners_.Count(url);
  };
  const auto owners_after = [&](uint64_t url) -> int64_t {
    const auto it = urls.find(url);
    if (it == urls.end()) return owners_before(url);
    return owners_before(url) -
           static_cast<int64_t>(it->second.removed_names.size()) +
           static_cast<int64_t>(it->second.added_names.size());
  };
  // Articles that link to a URL whose owner changes are emitted again (the
  // article their link resolves to is another now), unless the change
  // already replaces or removes them.
  absl::flat_hash_set<uint64_t> changed_names = added_names;
  for (const Article& article : removed) {
    changed_names.insert(Key(article.name()));
  }
  absl::flat_hash_set<uint64_t> relink_ids;
  for (const auto& [url, change] : urls) {
    const bool same_owner = owners_before(url) == 1 && owners_after(url) == 1 &&
                            change.removed_names.size() == 1 &&
                            change.added_names.size() == 1 &&
                            change.removed_names[0] == change.added_names[0];
    if (same_owner) continue;
    linkers_.ForEachLinker(
        url, [&relink_ids](uint64_t id) { relink_ids.insert(id); });
  }
  std::vector<Article> relinked;
  for (const uint64_t id : relink_ids) {
    const std::string name = NameOf(id);
    const uint64_t key = Key(name);
    if (changed_names.contains(key)) continue;
    const std::optional<ArticleRef> served = catalog.IndexOf(name);
    if (!served) return refuse(absl::StrCat(name, " is not served"));
    deleted.push_back(*served);
    relinked.push_back(catalog.article(*served));
  }
  // The new and relinked articles' related links, resolved against the
  // catalog after the change: to the first article in catalog order that
  // owns the URL, as a build from scratch resolves them, or to none.
  absl::flat_hash_map<std::string, const Article*> emitted_by_name;
  for (const std::vector<Article>* list : {&added, &relinked}) {
    for (const Article& article : *list) {
      emitted_by_name[article.name()] = &article;
    }
  }
  absl::flat_hash_set<uint64_t> deleted_set;
  for (const ArticleRef article : deleted) {
    deleted_set.insert(uint64_t{article.segment} << 32 | article.index);
  }
  const auto live_after = [&](ArticleRef article) {
    return !deleted_set.contains(uint64_t{article.segment} << 32 |
                                 article.index);
  };
  // A link resolves to the first owner of its URL in catalog order. The
  // owners: the emitted articles that own it, and the live served ones,
  // found by name (a name is made from the original URL) or, for a URL that
  // some article owns as its web URL, in one pass over the catalog's bytes
  // (OwnersOf: O(catalog), for the rare change that links to such a URL).
  struct Owner {
    absl::Time publish_time;
    absl::string_view name;
  };
  const auto owners_of = [&](const std::string& url,
                             const std::vector<ArticleRef>* scanned) {
    std::vector<Owner> owners;
    for (const auto& [name, article] : emitted_by_name) {
      if (Owns(*article, url)) {
        owners.push_back({ToAbslTime(article->publish_time()), name});
      }
    }
    if (scanned != nullptr) {
      for (const ArticleRef owner : *scanned) {
        owners.push_back(
            {catalog.publish_time(owner), catalog.fields(owner).name});
      }
    } else if (const std::optional<ArticleRef> served =
                   catalog.IndexOf(ArticleNameForUrl(url));
               served && live_after(*served) &&
               Owns(catalog.article(*served), url)) {
      owners.push_back(
          {catalog.publish_time(*served), catalog.fields(*served).name});
    }
    return owners;
  };
  // Each linked URL's owner: at once when its owners are all found without
  // the scan, else after it.
  absl::flat_hash_map<std::string, std::string> owner_of;  // by URL
  absl::flat_hash_map<uint64_t, std::string> to_scan;      // URL by key
  for (const std::vector<Article>* list : {&added, &relinked}) {
    for (const Article& article : *list) {
      for (const auto& link : article.related()) {
        const std::string& url = link.web_url();
        const uint64_t key = Key(url);
        if (owners_after(key) == 0 || owner_of.contains(url) ||
            to_scan.contains(key)) {
          continue;
        }
        const std::vector<Owner> owners = owners_of(url, nullptr);
        if (static_cast<int64_t>(owners.size()) != owners_after(key)) {
          to_scan.emplace(key, url);
          continue;
        }
        owner_of[url] = std::string(FirstOwner(owners)->name);
      }
    }
  }
  if (!to_scan.empty()) {
    absl::flat_hash_map<uint64_t, std::vector<ArticleRef>> scanned =
        OwnersOf(catalog, to_scan, &IncrementalCatalog::Key, live_after);
    for (const auto& [key, url] : to_scan) {
      const std::vector<Owner> owners = owners_of(url, &scanned[key]);
      if (static_cast<int64_t>(owners.size()) != owners_after(key)) {
        return refuse(
            absl::StrCat("the owners of ", url, " are not all found"));
      }
      owner_of[url] = std::string(FirstOwner(owners)->name);
    }
  }
  for (std::vector<Article>* list : {&added, &relinked}) {
    for (Article& article : *list) {
      for (auto& link : *article.mutable_related()) {
        link.clear_article();
        if (const auto it = owner_of.find(link.web_url());
            it != owner_of.end()) {
          link.set_article(it->second);
        }
      }
    }
  }

  // The delta segment, and the deletions.
  Applied applied;
  applied.articles_added = static_cast<int64_t>(added.size());
  applied.articles_relinked = static_cast<int64_t>(relinked.size());
  applied.articles_deleted =
      static_cast<int64_t>(deleted.size() - relinked.size());
  std::vector<SegmentedCatalog::Segment> segments;
  for (uint32_t s = 0; s < catalog.segment_count(); ++s) {
    std::vector<uint32_t> indexes;
    for (const ArticleRef article : deleted) {
      if (article.segment == s) indexes.push_back(article.index);
    }
    const DeletionSet* was = catalog.deleted(s);
    std::shared_ptr<const DeletionSet> now;
    if (indexes.empty()) {
      now =
          was == nullptr ? nullptr : std::make_shared<const DeletionSet>(*was);
    } else {
      now = std::make_shared<const DeletionSet>(
          was == nullptr ? DeletionSet(indexes, catalog.segment(s).size())
                         : was->With(indexes));
    }
    segments.push_back({catalog.segment_ptr(s), std::move(now)});
  }
  MultisetHash content_hash = catalog.content_hash();
  for (const ArticleRef article : deleted) {
    content_hash.Remove(catalog.ArticleBytes(article, kFull));
  }
  std::vector<Article> delta_articles = added;
  for (Article& article : relinked)
    delta_articles.push_back(std::move(article));
  if (!delta_articles.empty()) {
    // Their links resolved above, against the whole catalog: Build's own
    // linking would point a link at a delta article that owns its URL
    // though an earlier owner is served in another segment.
    Catalog::BuildResult delta = Catalog::Build(
        std::move(delta_articles), Catalog::RelatedLinks::kAsGiven);
    content_hash.Add(delta.catalog->content_hash());
    segments.push_back({std::move(delta.catalog), nullptr});
  }
  std::shared_ptr<const SegmentedCatalog> next =
      MergeIfDue(std::move(segments), content_hash, &applied);
  if (next == nullptr) return refuse("the merge failed");

  // What the next change starts from.
  for (const SeedFileUpdate& update : updates) {
    const uint64_t path = Key(update.path);
    if (Unchanged(update) || same.contains(path)) {
      RememberFile(path, update.seed.stamp, update.seed.content);
      continue;
    }
    name_of_path_.erase(path);
    if (const auto it = now_by_path.find(path); it != now_by_path.end()) {
      name_of_path_[path] = *NameId(it->second->name());
    }
    ForgetRejections(update.path);
    if (!gone(update) && !update.seed.outcome.ok()) {
      rejections_.push_back(update.seed.outcome.status());
    }
    if (gone(update)) {
      stamps_.erase(path);
      racy_contents_.erase(path);
      unserved_paths_.erase(path);
      continue;
    }
    RememberFile(path, update.seed.stamp, update.seed.content);
    if (update.seed.outcome.ok()) {
      unserved_paths_.erase(path);
    } else {
      unserved_paths_[path] = update.path;
    }
  }
  // Each changed name's files, and the rejections of the ones not kept
  // (the changed files' own rejections were settled above).
  for (const Claims& claim : claims) {
    for (const std::vector<std::string>* list : {&claim.before, &claim.after}) {
      for (const std::string& path : *list) {
        if (!paths.contains(Key(path))) ForgetRejections(path);
      }
    }
    const std::string name = NameOf(claim.id);
    for (size_t k = 1; k < claim.after.size(); ++k) {
      rejections_.push_back(
          DuplicateRejection(claim.after[k], name, claim.after.front()));
    }
    if (claim.after.size() > 1) {
      claims_[claim.id] = claim.after;
    } else {
      claims_.erase(claim.id);
    }
  }
  // (A relinked article owns and links to what it did.)
  for (const Article& article : removed) {
    for (const absl::string_view url : OwnUrls(article)) {
      url_owners_.Remove(Key(url));
    }
    const uint64_t id = *NameId(article.name());
    for (const auto& link : article.related()) {
      linkers_.Remove(Key(link.web_url()), id);
    }
  }
  for (const Article& article : added) {
    const uint64_t id = *NameId(article.name());
    for (const absl::string_view url : OwnUrls(article))
      url_owners_.Add(Key(url));
    for (const auto& link : article.related()) {
      linkers_.Add(Key(link.web_url()), id);
    }
  }
  if (walked_folders != nullptr) folders_ = *walked_folders;
  catalog_ = next;
  applied.catalog = std::move(next);
  std::sort(rejections_.begin(), rejections_.end(),
            [](const absl::Status& a, const absl::Status& b) {
              return a.message() < b.message();
            });
  applied.rejections = rejections_;
  return applied;
}

IncrementalCatalog::MemoryUsage IncrementalCatalog::memory_usage() const {
  MemoryUsage usage;
  usage.files = HashTableBytes(name_of_path_) + HashTableBytes(stamps_) +
                HashTableBytes(racy_contents_) +
                HashTableBytes(unserved_paths_) + HashTableBytes(claims_);
  for (const auto& [path, relative] : unserved_paths_) {
    usage.files += StringHeapBytes(relative);
  }
  for (const auto& [id, paths] : claims_) {
    usage.files += VectorHeapBytes(paths);
    for (const std::string& path : paths) usage.files += StringHeapBytes(path);
  }
  usage.urls = url_owners_.MemoryBytes();
  usage.links = linkers_.MemoryBytes();
  usage.other = HashTableBytes(folders_) + VectorHeapBytes(rejections_);
  for (const std::string& folder : folders_) {
    usage.other += StringHeapBytes(folder);
  }
  return usage;
}

void IncrementalCatalog::RememberFile(uint64_t path, uint64_t stamp,
                                      uint64_t content) {
  stamps_[path] = stamp;
  if (stamp == 0 && content != 0) {
    racy_contents_[path] = content;
  } else {
    racy_contents_.erase(path);
  }
}

void IncrementalCatalog::ForgetRejections(absl::string_view path) {
  rejections_.erase(std::remove_if(rejections_.begin(), rejections_.end(),
                                   [path](const absl::Status& rejection) {
                                     return RejectionOf(rejection, path);
                                   }),
                    rejections_.end());
}

bool IncrementalCatalog::Served(const std::string& path, uint64_t id,
                                const Article& article) const {
  const auto it = name_of_path_.find(Key(path));
  if (it == name_of_path_.end() || it->second != id || claims_.contains(id)) {
    return false;
  }
  const std::optional<ArticleRef> ref = catalog_->IndexOf(article.name());
  if (!ref) return false;
  Article served = catalog_->article(*ref);
  if (served.source_file() != path) return false;
  // As the parser gives it: the catalog linked its related articles.
  for (auto& link : *served.mutable_related()) link.clear_article();
  return SerializeArticle(served).bytes == SerializeArticle(article).bytes;
}

void IncrementalCatalog::LearnCatalog(
    std::shared_ptr<const SegmentedCatalog> catalog,
    absl::flat_hash_set<std::string> folders) {
  Invalidate();
  for (const ArticleRef ref : catalog->InOrder()) {
    const Article article = catalog->article(ref);
    const std::optional<uint64_t> id = NameId(article.name());
    if (!id) {
      Invalidate();
      return;
    }
    const uint64_t path = Key(article.source_file());
    name_of_path_[path] = *id;
    stamps_[path] = 0;  // read it again at the next walk
    for (const absl::string_view url : OwnUrls(article)) {
      url_owners_.Add(Key(url));
    }
    for (const auto& link : article.related()) {
      linkers_.Add(Key(link.web_url()), *id);
    }
  }
  folders_ = std::move(folders);
  catalog_ = std::move(catalog);
}

bool IncrementalCatalog::Unchanged(const SeedFileUpdate& update) const {
  if (update.seed.gone || update.seed.folder || update.seed.content == 0) {
    return false;
  }
  const auto it = racy_contents_.find(Key(update.path));
  return it != racy_contents_.end() && it->second == update.seed.content;
}

std::optional<std::vector<std::string>> IncrementalCatalog::ChangedFiles(
    const SeedListing& listing, std::string* why) const {
  if (catalog_ == nullptr) {
    *why = "no catalog to change";
    return std::nullopt;
  }
  // A folder that cannot be read is a name the walk rejects, and its files
  // are gone (as a load from scratch does not see them); the seeds folder
  // itself, though, keeps the catalog served.
  if (!listing.folders.contains("")) {
    *why = "the seeds folder cannot be read";
    return std::nullopt;
  }
  std::vector<std::string> changed;
  absl::flat_hash_set<uint64_t> listed;
  listed.reserve(listing.files.size());
  for (const ListedSeedFile& file : listing.files) {
    const uint64_t path = Key(file.relative);
    listed.insert(path);
    const auto it = stamps_.find(path);
    if (file.stamp == 0 || it == stamps_.end() || it->second != file.stamp) {
      changed.push_back(file.relative);
    }
  }
  for (const auto& [path, stamp] : stamps_) {
    if (listed.contains(path)) continue;
    // Gone: its path, from its article or as kept.
    if (const auto it = unserved_paths_.find(path);
        it != unserved_paths_.end()) {
      changed.push_back(it->second);
      continue;
    }
    const auto it = name_of_path_.find(path);
    if (it != name_of_path_.end()) {
      if (const auto claim = claims_.find(it->second); claim != claims_.end()) {
        // A copy: C++17 lambdas cannot capture a structured binding.
        const auto gone = path;
        const auto file = std::find_if(
            claim->second.begin(), claim->second.end(),
            [&](const std::string& relative) { return Key(relative) == gone; });
        if (file != claim->second.end()) {
          changed.push_back(*file);
          continue;
        }
      }
    }
    const std::optional<ArticleRef> served =
        it == name_of_path_.end() ? std::nullopt
                                  : catalog_->IndexOf(NameOf(it->second));
    if (!served) {
      *why = "a removed file's path is not known";
      return std::nullopt;
    }
    changed.push_back(catalog_->article(*served).source_file());
  }
  return changed;
}

size_t SegmentArticles(const IncrementalCatalogOptions& options, size_t live) {
  return std::max(
      std::max<size_t>(1, options.segment_articles),
      static_cast<size_t>(options.segment_share * static_cast<double>(live)));
}

size_t IncrementalCatalog::SegmentArticles(size_t live) const {
  return newsmeta::SegmentArticles(options_, live);
}

namespace {

size_t Deleted(const SegmentedCatalog::Segment& segment) {
  return segment.deleted == nullptr ? 0 : segment.deleted->size();
}
size_t Live(const SegmentedCatalog::Segment& segment) {
  return segment.catalog->size() - Deleted(segment);
}

}  // namespace

IncrementalCatalog::MergePlan IncrementalCatalog::PlanMerge(
    const std::vector<SegmentedCatalog::Segment>& segments) const {
  MergePlan plan;
  size_t total = 0;
  for (const SegmentedCatalog::Segment& segment : segments) {
    total += Live(segment);
  }
  plan.largest = SegmentArticles(total);
  // With too many small segments, the newest of them; else the segment
  // with the largest share of its articles deleted, when above the purge
  // share.
  std::vector<size_t> small;
  for (size_t s = 0; s < segments.size(); ++s) {
    if (2 * Live(segments[s]) < plan.largest) small.push_back(s);
  }
  if (static_cast<int>(small.size()) > std::max(1, options_.max_deltas)) {
    // The two newest, and each older one while it holds at most twice the
    // live articles of the newer ones merged with it (and the merge stays
    // within half a segment's size: a merge of deltas is made inside the
    // change that calls for it, so its time delays that change's articles;
    // a whole segment's took 0.64-0.77 s at 1M). A large delta is copied
    // again only once the small ones add up to a good share of it, so each
    // article is copied a logarithmic number of times (simulated with
    // 121-article changes: 5 copies each over 2,000 changes, 8 over 20,000;
    // merging every delta each time copied them 125 and 1,250 times) and a
    // steady feed does not copy an ever larger merged delta every few changes.
    size_t first = small.size() - 2;
    size_t merging_live =
        Live(segments[small[first]]) + Live(segments[small.back()]);
    while (first > 0 && Live(segments[small[first - 1]]) <= 2 * merging_live &&
           merging_live + Live(segments[small[first - 1]]) <=
               plan.largest / 2) {
      --first;
      merging_live += Live(segments[small[first]]);
    }
    plan.merging.assign(small.begin() + first, small.end());
    plan.deltas = true;
    return plan;
  }
  double worst = options_.purge_share;
  for (size_t s = 0; s < segments.size(); ++s) {
    const size_t size = segments[s].catalog->size();
    const double share = size == 0 ? 0.0
                                   : static_cast<double>(Deleted(segments[s])) /
                                         static_cast<double>(size);
    if (share > worst) {
      worst = share;
      plan.merging = {s};
    }
  }
  return plan;
}

std::shared_ptr<const SegmentedCatalog> IncrementalCatalog::MergeIfDue(
    std::vector<SegmentedCatalog::Segment> segments,
    const MultisetHash& content_hash, Applied* applied) {
  // Segments with nothing live are let go (no copy); one stays.
  const auto dead = [](const SegmentedCatalog::Segment& segment) {
    return segment.catalog->size() > 0 && Live(segment) == 0;
  };
  if (!std::all_of(segments.begin(), segments.end(), dead)) {
    segments.erase(std::remove_if(segments.begin(), segments.end(), dead),
                   segments.end());
  }
  const MergePlan plan = PlanMerge(segments);
  // A second merge that copies a segment still served waits for the next
  // change.
  const bool copies_served =
      std::any_of(plan.merging.begin(), plan.merging.end(), [&](size_t s) {
        return served_segments_.contains(segments[s].catalog.get());
      });
  if (plan.merging.empty() || (copies_served && merged_served_)) {
    applied->merge_due = !plan.merging.empty();
    return SegmentedCatalog::Make(std::move(segments), content_hash);
  }
  merged_served_ = merged_served_ || copies_served;
  applied->merged_deltas = plan.deltas;
  applied->purged = !plan.deltas;

  MultisetHash merging_hash;
  std::vector<SegmentedCatalog::Segment> parts;
  for (const size_t s : plan.merging) {
    const SegmentedCatalog::Segment& part = segments[s];
    merging_hash.Add(part.catalog->content_hash());
    if (part.deleted != nullptr) {
      for (const uint32_t i : part.deleted->sorted()) {
        merging_hash.Remove(part.catalog->ArticleBytes(i, kFull));
      }
    }
    parts.push_back(part);
  }
  // A segment larger than a merge may write (a snapshot's) is split where
  // it lies, indexed anew without copying its articles: copying them would
  // hold most of the catalog twice.
  const bool slice = !plan.deltas && parts.size() == 1 &&
                     parts.front().catalog->size() > plan.largest;
  const auto merging_catalog =
      SegmentedCatalog::Make(std::move(parts), merging_hash);
  absl::StatusOr<std::vector<std::shared_ptr<const Catalog>>> merged =
      slice ? merging_catalog->SliceInto(plan.largest)
            : merging_catalog->MergeInto(plan.largest);
  if (!merged.ok()) return nullptr;
  for (const std::shared_ptr<const Catalog>& catalog : *merged) {
    applied->merged_articles += static_cast<int64_t>(catalog->size());
  }
  // The merged segments take the place of the first one merged.
  std::vector<SegmentedCatalog::Segment> next;
  for (size_t s = 0; s < segments.size(); ++s) {
    if (s == plan.merging.front()) {
      for (std::shared_ptr<const Catalog>& catalog : *merged) {
        next.push_back({std::move(catalog), nullptr});
      }
    }
    if (std::find(plan.merging.begin(), plan.merging.end(), s) ==
        plan.merging.end()) {
      next.push_back(std::move(segments[s]));
    }
  }
  applied->merge_due = !PlanMerge(next).merging.empty();
  return SegmentedCatalog::Make(std::move(next), content_hash);
}

}  // namespace newsmeta
