// Catalog::Index: the catalog's indexes, built from its articles' bytes on
// both cores.
#include <algorithm>
#include <cstdlib>
#include <new>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "catalog/catalog.h"
#include "util/huge_pages.h"

namespace newsmeta {
namespace {

bool InCatalogOrder(const ArticleFields& before, const ArticleFields& after) {
  return std::tie(before.publish_time, before.name) <
         std::tie(after.publish_time, after.name);
}

// Below this many articles one thread scans them all.
constexpr size_t kMinArticlesPerScanThread = 4096;

}  // namespace

// fields_ is raw memory that the scanning threads construct in place, each
// touching its own part first (first touches of fresh memory are much of a
// restart's cost).
static_assert(std::is_trivially_destructible_v<ArticleFields>);

size_t Catalog::ScanRange(size_t begin, size_t end,
                          std::vector<absl::string_view>* topics,
                          uint32_t* topic_begin) {
  for (size_t i = begin; i < end; ++i) {
    topic_begin[i - begin] = static_cast<uint32_t>(topics->size());
    ArticleFields* fields = new (&fields_[i]) ArticleFields();
    if (!ScanFields(wire_[i], fields, topics)) return i;
    if (i > begin && !InCatalogOrder(fields_[i - 1], *fields)) return i;
  }
  return end;
}

absl::Status Catalog::ScanProblem(size_t i) const {
  ArticleFields fields;
  std::vector<absl::string_view> topics;
  if (!ScanFields(wire_[i], &fields, &topics)) {
    return absl::InvalidArgumentError(
        absl::StrCat("article ", i + 1, " is not a well-formed Article"));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "article ", i + 1, " (", fields.name,
      ") is out of catalog order: it does not come after article ", i, " (",
      fields_[i - 1].name, ") by publish time, then name"));
}

absl::Status Catalog::ScanArticles() {
  const size_t n = wire_.size();
  const size_t bytes = std::max<size_t>(n, 1) * sizeof(ArticleFields);
  fields_.reset(static_cast<ArticleFields*>(std::malloc(bytes)));
  if (fields_ == nullptr) throw std::bad_alloc();
  AdviseHugePages(fields_.get(), bytes);
  // Articles [0, half) on this thread, [half, n) on another, each with its
  // own topic views (most articles have a few topics: room for 4 each is
  // reserved, which costs nothing until used).
  const size_t half = n >= 2 * kMinArticlesPerScanThread ? n / 2 : n;
  std::vector<uint32_t> topic_begin(n + 1, 0);
  std::vector<absl::string_view> second_topics;
  size_t second_problem = n;
  std::thread second;
  if (half < n) {
    second = std::thread([&] {
      second_topics.reserve(4 * (n - half));
      second_problem =
          ScanRange(half, n, &second_topics, topic_begin.data() + half);
    });
  }
  topic_views_.reserve(4 * n);
  const size_t first_problem =
      ScanRange(0, half, &topic_views_, topic_begin.data());
  if (second.joinable()) second.join();
  if (first_problem < half) return ScanProblem(first_problem);
  if (half > 0 && half < n && second_problem > half &&
      !InCatalogOrder(fields_[half - 1], fields_[half])) {
    return ScanProblem(half);
  }
  if (second_problem < n) return ScanProblem(second_problem);

  const uint32_t offset = static_cast<uint32_t>(topic_views_.size());
  topic_views_.insert(topic_views_.end(), second_topics.begin(),
                      second_topics.end());
  for (size_t i = half; i < n; ++i) topic_begin[i] += offset;
  topic_begin[n] = static_cast<uint32_t>(topic_views_.size());
  for (size_t i = 0; i < n; ++i) {
    fields_[i].topics =
        absl::MakeConstSpan(topic_views_)
            .subspan(topic_begin[i], topic_begin[i + 1] - topic_begin[i]);
  }
  return absl::OkStatus();
}

// Topic and domain numbers by spelling, as the articles write them: most
// spellings recur, and then need no NormalizeKey. The views point into
// wire_, which outlives them.
struct Catalog::Spellings {
  absl::flat_hash_map<absl::string_view, uint32_t> topic_ids;
  absl::flat_hash_map<absl::string_view, uint32_t> domain_ids;
  std::vector<uint32_t> ids;  // scratch
};

void Catalog::IndexTopics(ArticleIndex i, Spellings* spellings) {
  const ArticleFields& fields = fields_[i];
  std::vector<uint32_t>& ids = spellings->ids;
  ids.clear();
  for (const absl::string_view topic : fields.topics) {
    const auto [known, first_time] = spellings->topic_ids.try_emplace(topic, 0);
    if (first_time) {
      std::string key = NormalizeKey(topic);
      const auto [it, added] = topic_ids_.try_emplace(
          key, static_cast<uint32_t>(topic_keys_.size()));
      if (added) {
        topic_keys_.push_back(std::move(key));
        topic_names_.emplace_back(topic);
        topic_postings_.emplace_back();
      }
      known->second = it->second;
    }
    ids.push_back(known->second);
  }
  // An article that lists a topic twice is counted and posted once.
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  topic_begin_.push_back(static_cast<uint32_t>(article_topics_.size()));
  for (const uint32_t id : ids) {
    article_topics_.push_back(id);
    topic_postings_[id].push_back(i);
  }
}

void Catalog::IndexDomain(ArticleIndex i, Spellings* spellings) {
  const ArticleFields& fields = fields_[i];
  const auto [known, first_time] =
      spellings->domain_ids.try_emplace(fields.provider_domain, kNoDomain);
  if (first_time) {
    std::string domain = NormalizeKey(fields.provider_domain);
    if (!domain.empty()) {
      const auto [it, added] = domain_id_by_key_.try_emplace(
          domain, static_cast<uint32_t>(domain_keys_.size()));
      if (added) {
        domain_keys_.push_back(std::move(domain));
        provider_names_.emplace_back(fields.provider_name);
        domain_postings_.emplace_back();
      }
      known->second = it->second;
    }
  }
  domain_ids_.push_back(known->second);
  if (known->second != kNoDomain) domain_postings_[known->second].push_back(i);
}

absl::Status Catalog::Index(
    const std::function<std::optional<TextIndex>()>& known_text_index) {
  if (absl::Status scanned = ScanArticles(); !scanned.ok()) return scanned;
  const size_t n = wire_.size();

  // Three jobs that each read fields_ and write only their own members: the
  // text index (unless it is known) and the name index on threads of their
  // own, topics and domains on this one.
  std::optional<TextIndex> known;
  if (known_text_index) known = known_text_index();
  std::thread text_indexer;
  if (known) {
    text_index_ = *std::move(known);
  } else {
    text_indexer = std::thread([this, n] {
      TextIndex::Builder text;
      for (ArticleIndex i = 0; i < n; ++i) {
        text.Add(i, fields_[i].title, fields_[i].excerpt);
      }
      text_index_ = std::move(text).Build();
    });
  }
  size_t repeated_name = n;
  std::thread name_indexer([this, n, &repeated_name] {
    times_.reserve(n);
    by_name_.reserve(n);
    for (ArticleIndex i = 0; i < n; ++i) {
      times_.push_back(fields_[i].publish_time);
      if (!by_name_.emplace(fields_[i].name, i).second) {
        repeated_name = i;
        return;
      }
    }
  });
  domain_ids_.reserve(n);
  topic_begin_.reserve(n + 1);
  article_topics_.reserve(4 * n);
  {
    Spellings spellings;
    for (ArticleIndex i = 0; i < n; ++i) {
      IndexTopics(i, &spellings);
      IndexDomain(i, &spellings);
    }
  }
  topic_begin_.push_back(static_cast<uint32_t>(article_topics_.size()));
  name_indexer.join();
  if (text_indexer.joinable()) text_indexer.join();
  if (repeated_name < n) {
    return absl::InvalidArgumentError(
        absl::StrCat("article ", repeated_name + 1, " repeats the name ",
                     fields_[repeated_name].name));
  }
  return absl::OkStatus();
}

}  // namespace newsmeta
