// Differential tests of ListArticles' query path: random requests over a
// generated corpus of 20,000 articles, paged through with ListPage, against a
// brute-force scan of the catalog that implements the query semantics on its
// own (topics, time range, domains, text search and order; only the filter
// evaluator, tested by filter_test.cc, is shared).
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "catalog/catalog.h"
#include "filter/filter.h"
#include "gen_seeds/corpus.h"
#include "gtest/gtest.h"
#include "loader/seed_parser.h"
#include "newsmeta/v1/article.pb.h"
#include "newsmeta/v1/article_service.pb.h"
#include "query/pager.h"
#include "query/query.h"
#include "query/request.h"
#include "text/normalize.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;
using ::newsmeta::v1::ListArticlesRequest;

constexpr int kCorpusCount = 20000;
constexpr uint64_t kCorpusSeed = 20240917;
// Paging through a result takes at most about this many pages (page sizes
// are raised for large results, up to 200), so that sorted orders, which
// sort every match on every page, stay fast.
constexpr int64_t kTargetPages = 40;
constexpr int kMaxPageSize = 200;

// ---------------------------------------------------------------------------
// The corpus, and what the brute force needs of each article.

// One article as the brute force sees it, read from the Article message.
struct Facts {
  absl::Time time;
  int32_t quality = 0;
  int32_t heat = 0;
  std::string name;
  std::vector<std::string> topic_keys;  // NormalizeKey of each topic
  std::string domain_key;               // NormalizeKey of provider.domain
  std::vector<std::string> title_tokens;
  std::vector<std::string> excerpt_tokens;
};

struct World {
  std::shared_ptr<const Catalog> catalog;
  // Parallel to the catalog's indexes: each article parsed back from the
  // catalog's bytes (the brute force filters these protos, not the catalog's
  // field views), and what the brute force needs of it.
  std::vector<Article> articles;
  std::vector<Facts> facts;
  // Every distinct spelling of a topic (most frequent first), provider
  // domain and category.
  std::vector<std::string> topics;
  std::vector<std::string> domains;
  std::vector<std::string> categories;
  int parse_failures = 0;
  size_t rejections = 0;
};

std::unique_ptr<World> BuildWorld() {
  auto world = std::make_unique<World>();
  CorpusOptions options;
  options.count = kCorpusCount;
  options.seed = kCorpusSeed;
  // Parsing (yaml-cpp) is most of the set-up: split it over the cores.
  const int workers = static_cast<int>(
      std::max(1u, std::min(8u, std::thread::hardware_concurrency())));
  std::vector<std::vector<Article>> parts(workers);
  std::vector<int> failures(workers, 0);
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      for (int index = w; index < kCorpusCount; index += workers) {
        const SeedDocument document = GenerateSeed(options, index);
        absl::StatusOr<Article> article =
            ParseSeed(document.content, document.file_name);
        if (article.ok()) {
          parts[w].push_back(*std::move(article));
        } else {
          ++failures[w];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::vector<Article> articles;
  articles.reserve(kCorpusCount);
  for (int w = 0; w < workers; ++w) {
    world->parse_failures += failures[w];
    for (Article& article : parts[w]) articles.push_back(std::move(article));
  }
  Catalog::BuildResult built = Catalog::Build(std::move(articles));
  world->rejections = built.rejections.size();
  world->catalog = std::move(built.catalog);

  const Catalog& catalog = *world->catalog;
  std::map<std::string, int> topics;  // spelling -> articles
  std::set<std::string> domains;
  std::set<std::string> categories;
  world->facts.reserve(catalog.size());
  world->articles.reserve(catalog.size());
  for (ArticleIndex i = 0; i < catalog.size(); ++i) {
    const Article& article = world->articles.emplace_back(catalog.article(i));
    Facts facts;
    facts.time = absl::FromUnixSeconds(article.publish_time().seconds()) +
                 absl::Nanoseconds(article.publish_time().nanos());
    facts.quality = article.quality();
    facts.heat = article.heat();
    facts.name = article.name();
    for (const std::string& topic : article.topics()) {
      facts.topic_keys.push_back(NormalizeKey(topic));
      ++topics[topic];
    }
    facts.domain_key = NormalizeKey(article.provider().domain());
    if (!article.provider().domain().empty()) {
      domains.insert(article.provider().domain());
    }
    if (!article.category().empty()) categories.insert(article.category());
    facts.title_tokens = Tokenize(article.title());
    facts.excerpt_tokens = Tokenize(article.excerpt());
    world->facts.push_back(std::move(facts));
  }
  for (const auto& [topic, count] : topics) world->topics.push_back(topic);
  // Most frequent first.
  std::stable_sort(world->topics.begin(), world->topics.end(),
                   [&topics](const std::string& a, const std::string& b) {
                     return topics[a] > topics[b];
                   });
  world->domains.assign(domains.begin(), domains.end());
  world->categories.assign(categories.begin(), categories.end());
  return world;
}

// ---------------------------------------------------------------------------
// The brute force: what a request means, written without the catalog's
// indexes, the cursor or the text index.

enum class Key { kTime, kQuality, kHeat };

struct OrderKey {
  Key key;
  bool descending;
};

struct OrderCase {
  const char* order_by;
  std::vector<OrderKey> keys;
};

const std::vector<OrderCase>& OrderCases() {
  static const auto* const cases = new std::vector<OrderCase>{
      {"", {{Key::kTime, true}}},
      {"publish_time asc", {{Key::kTime, false}}},
      {"quality desc, publish_time desc",
       {{Key::kQuality, true}, {Key::kTime, true}}},
      {"heat asc", {{Key::kHeat, false}}},
      {"quality asc, heat desc", {{Key::kQuality, false}, {Key::kHeat, true}}},
  };
  return *cases;
}

// One term of a search text, as the test wrote it.
struct TextTerm {
  std::string raw;  // the word or the inside of the quotes
  bool phrase = false;
  bool excluded = false;
};

std::string RenderText(const std::vector<TextTerm>& terms) {
  std::vector<std::string> parts;
  for (const TextTerm& term : terms) {
    parts.push_back(absl::StrCat(term.excluded ? "-" : "",
                                 term.phrase ? "\"" : "", term.raw,
                                 term.phrase ? "\"" : ""));
  }
  return absl::StrJoin(parts, " ");
}

// Whether `tokens` holds `term` as consecutive tokens.
bool HasRun(const std::vector<std::string>& tokens,
            const std::vector<std::string>& term) {
  if (term.empty() || term.size() > tokens.size()) return false;
  for (size_t start = 0; start + term.size() <= tokens.size(); ++start) {
    bool all = true;
    for (size_t k = 0; k < term.size() && all; ++k) {
      all = tokens[start + k] == term[k];
    }
    if (all) return true;
  }
  return false;
}

// A request together with what the test knows it means.
struct Case {
  ListArticlesRequest request;
  size_t order = 0;  // into OrderCases()
  std::vector<std::string> topic_keys;
  std::vector<std::string> domain_keys;
  std::optional<absl::Time> start;
  std::optional<absl::Time> end;
  std::vector<TextTerm> text;
};

// The tokens of each term of `terms` (empty for a term with none, which asks
// for nothing).
std::vector<std::vector<std::string>> TermTokens(
    const std::vector<TextTerm>& terms) {
  std::vector<std::vector<std::string>> tokens;
  for (const TextTerm& term : terms) tokens.push_back(Tokenize(term.raw));
  return tokens;
}

// Every positive term present, as a word or a run of consecutive words
// within the title or within the excerpt, and no excluded term present.
bool MatchesText(const Facts& facts, const std::vector<TextTerm>& terms,
                 const std::vector<std::vector<std::string>>& tokens) {
  for (size_t i = 0; i < terms.size(); ++i) {
    if (tokens[i].empty()) continue;
    const bool present = HasRun(facts.title_tokens, tokens[i]) ||
                         HasRun(facts.excerpt_tokens, tokens[i]);
    if (present == terms[i].excluded) return false;
  }
  return true;
}

int CompareOn(const Facts& a, const Facts& b, Key key) {
  switch (key) {
    case Key::kTime:
      return a.time == b.time ? 0 : a.time < b.time ? -1 : 1;
    case Key::kQuality:
      return a.quality == b.quality ? 0 : a.quality < b.quality ? -1 : 1;
    case Key::kHeat:
      return a.heat == b.heat ? 0 : a.heat < b.heat ? -1 : 1;
  }
  return 0;
}

std::vector<std::string> BruteForce(const World& world, const Case& c,
                                    const FilterExpr& filter) {
  const Catalog& catalog = *world.catalog;
  const bool has_filter =
      !(filter.kind == FilterExpr::Kind::kAnd && filter.children.empty());
  const std::vector<std::vector<std::string>> tokens = TermTokens(c.text);
  std::vector<const Facts*> matches;
  for (ArticleIndex i = 0; i < catalog.size(); ++i) {
    const Facts& facts = world.facts[i];
    if (!c.topic_keys.empty() &&
        std::none_of(facts.topic_keys.begin(), facts.topic_keys.end(),
                     [&](const std::string& key) {
                       return std::find(c.topic_keys.begin(),
                                        c.topic_keys.end(),
                                        key) != c.topic_keys.end();
                     })) {
      continue;
    }
    if (c.start && facts.time < *c.start) continue;
    if (c.end && !(facts.time < *c.end)) continue;
    if (!c.domain_keys.empty() &&
        std::find(c.domain_keys.begin(), c.domain_keys.end(),
                  facts.domain_key) == c.domain_keys.end()) {
      continue;
    }
    if (!MatchesText(facts, c.text, tokens)) continue;
    if (has_filter && !Matches(filter, world.articles[i])) continue;
    matches.push_back(&facts);
  }
  const std::vector<OrderKey>& keys = OrderCases()[c.order].keys;
  std::sort(
      matches.begin(), matches.end(), [&](const Facts* a, const Facts* b) {
        for (const OrderKey& key : keys) {
          const int order = CompareOn(*a, *b, key.key);
          if (order != 0) return key.descending ? order > 0 : order < 0;
        }
        return keys.back().descending ? a->name > b->name : a->name < b->name;
      });
  std::vector<std::string> names;
  names.reserve(matches.size());
  for (const Facts* facts : matches) names.push_back(facts->name);
  return names;
}

// ---------------------------------------------------------------------------
// Random requests.

std::vector<std::string> RawWords(absl::string_view text) {
  return absl::StrSplit(text, absl::ByAnyChar(" \t\n\r\f\v"),
                        absl::SkipEmpty());
}

// A raw word the text syntax reads back as itself: no quote, no leading '-'.
bool UsableWord(absl::string_view word) {
  return !word.empty() && word.find('"') == absl::string_view::npos &&
         word[0] != '-' && !Tokenize(word).empty();
}

// The longest prefix of `text` of at most `bytes` bytes that ends on a code
// point boundary.
std::string Utf8Prefix(absl::string_view text, size_t bytes) {
  bytes = std::min(bytes, text.size());
  while (bytes > 0 && bytes < text.size() &&
         (static_cast<unsigned char>(text[bytes]) & 0xC0) == 0x80) {
    --bytes;
  }
  return std::string(text.substr(0, bytes));
}

std::string FilterQuote(absl::string_view value) {
  std::string quoted = "\"";
  for (const char c : value) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

class RequestMaker {
 public:
  RequestMaker(const World& world, uint32_t seed) : world_(world), rng_(seed) {}

  Case Make(size_t order) {
    Case c;
    c.order = order;
    c.request.set_order_by(OrderCases()[order].order_by);
    if (Chance(40)) AddTopics(&c);
    if (Chance(50)) AddTimeRange(&c);
    if (Chance(25)) AddDomains(&c);
    if (Chance(55)) c.request.set_filter(TopFilter());
    if (Chance(40)) AddText(&c);
    return c;
  }

  // A page size in 1..200, small half of the time, and large enough that
  // paging takes at most about kTargetPages pages.
  int PageSize(size_t expected) {
    const int least = static_cast<int>(std::max<int64_t>(
        1, std::min<int64_t>(kMaxPageSize, (static_cast<int64_t>(expected) +
                                            kTargetPages - 1) /
                                               kTargetPages)));
    return Uniform(least, Chance(50) ? std::max(least, 20) : kMaxPageSize);
  }

  bool Chance(int percent) { return Uniform(0, 99) < percent; }

 private:
  int Uniform(int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng_);
  }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Uniform(0, static_cast<int>(items.size()) - 1)];
  }
  const Article& RandomArticle() {
    return world_
        .articles[Uniform(0, static_cast<int>(world_.articles.size()) - 1)];
  }
  absl::Time RandomArticleTime() {
    return world_.facts[Uniform(0, static_cast<int>(world_.facts.size()) - 1)]
        .time;
  }

  // `text` with its case or accents changed, the way users type it.
  std::string Respell(const std::string& text) {
    switch (Uniform(0, 5)) {
      case 0:
        return absl::AsciiStrToUpper(text);
      case 1:
        return absl::AsciiStrToLower(text);
      case 2:
        return FoldText(text);
      case 3:
        return absl::AsciiStrToUpper(FoldText(text));
      default:
        return text;
    }
  }

  // A topic, mostly one of the catalog's (respelled), sometimes unknown.
  std::string Topic() {
    if (Chance(8)) return absl::StrCat("Unheard-of Topic ", Uniform(1, 99));
    // The catalog's topics are Zipf-skewed: pick the frequent ones more.
    const std::string& topic =
        Chance(50) ? world_.topics[Uniform(0, static_cast<int>(std::min<size_t>(
                                                  40, world_.topics.size())) -
                                                  1)]
                   : Pick(world_.topics);
    return Respell(topic);
  }

  void AddTopics(Case* c) {
    const int count = Uniform(1, 3);
    for (int i = 0; i < count; ++i) {
      std::string topic = Topic();
      c->topic_keys.push_back(NormalizeKey(topic));
      if (Chance(15)) topic = absl::StrCat("  ", topic, " ");
      c->request.add_topics(topic);
    }
  }

  void AddDomains(Case* c) {
    const int count = Uniform(1, 3);
    for (int i = 0; i < count; ++i) {
      std::string domain = Chance(10) ? "no-such-provider.example"
                                      : Respell(Pick(world_.domains));
      c->domain_keys.push_back(NormalizeKey(domain));
      c->request.add_provider_domains(domain);
    }
  }

  static void SetTimestamp(absl::Time time,
                           google::protobuf::Timestamp* timestamp) {
    const int64_t seconds = absl::ToUnixSeconds(time);
    timestamp->set_seconds(seconds);
    timestamp->set_nanos(static_cast<int32_t>(
        (time - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
  }

  // An instant around the corpus's years: an article's own time (to hit
  // the bounds exactly) or a random second.
  absl::Time RandomTime() {
    if (Chance(50)) return RandomArticleTime();
    const absl::Time from =
        absl::FromCivil(absl::CivilDay(2020, 12, 1), absl::UTCTimeZone());
    return from + absl::Seconds(std::uniform_int_distribution<int64_t>(
                      0, int64_t{4} * 366 * 86400 + 60 * 86400)(rng_));
  }

  void AddTimeRange(Case* c) {
    std::optional<absl::Time> start;
    std::optional<absl::Time> end;
    switch (Uniform(0, 3)) {
      case 0:
        start = RandomTime();
        break;
      case 1:
        end = RandomTime();
        break;
      default: {
        absl::Time a = RandomTime();
        absl::Time b =
            Chance(50) ? a + absl::Hours(Uniform(1, 24 * 60)) : RandomTime();
        if (b < a) std::swap(a, b);
        if (a == b) b += absl::Nanoseconds(1);
        start = a;
        end = b;
      }
    }
    c->start = start;
    c->end = end;
    if (start) SetTimestamp(*start, c->request.mutable_start_time());
    if (end) SetTimestamp(*end, c->request.mutable_end_time());
  }

  // A search text: words and a phrase of one article (so that it matches
  // something), sometimes respelled, and exclusions from other articles.
  void AddText(Case* c) {
    const Article& anchor = RandomArticle();
    const std::string& source = Chance(70) || anchor.excerpt().empty()
                                    ? anchor.title()
                                    : anchor.excerpt();
    std::vector<std::string> words = RawWords(source);
    words.erase(
        std::remove_if(words.begin(), words.end(),
                       [](const std::string& w) { return !UsableWord(w); }),
        words.end());
    if (!words.empty()) {
      const int count = Uniform(0, 2);
      for (int i = 0; i < count; ++i) {
        std::string word = Pick(words);
        if (Chance(30)) word = Respell(word);
        c->text.push_back({word, false, false});
      }
      if (words.size() >= 2 && Chance(50)) {
        const int length = Uniform(2, std::min<int>(3, words.size()));
        const int first = Uniform(0, static_cast<int>(words.size()) - length);
        std::vector<std::string> run(words.begin() + first,
                                     words.begin() + first + length);
        std::string phrase = absl::StrJoin(run, " ");
        if (Chance(30)) phrase = Respell(phrase);
        c->text.push_back({phrase, true, false});
      }
    }
    const int exclusions = c->text.empty() ? Uniform(1, 2) : Uniform(0, 2);
    for (int i = 0; i < exclusions; ++i) {
      const Article& other = RandomArticle();
      std::vector<std::string> others =
          RawWords(Chance(70) ? other.title() : other.excerpt());
      others.erase(
          std::remove_if(others.begin(), others.end(),
                         [](const std::string& w) { return !UsableWord(w); }),
          others.end());
      if (others.empty()) continue;
      if (others.size() >= 2 && Chance(30)) {
        const int first = Uniform(0, static_cast<int>(others.size()) - 2);
        c->text.push_back(
            {absl::StrCat(others[first], " ", others[first + 1]), true, true});
      } else {
        c->text.push_back({Pick(others), false, true});
      }
    }
    std::shuffle(c->text.begin(), c->text.end(), rng_);
    c->request.set_text(RenderText(c->text));
  }

  // ---- Filters ----

  std::string Value(const std::string& value) {
    const bool bare =
        !value.empty() &&
        std::all_of(
            value.begin(), value.end(),
            [](char ch) {
              return absl::ascii_isalnum(static_cast<unsigned char>(ch)) ||
                     ch == '.' || ch == '*';
            }) &&
        value != "AND" && value != "OR" && value != "NOT";
    return bare && Chance(40) ? value : FilterQuote(value);
  }

  // `field op value`. Callers draw op and value into variables first when
  // both take random numbers, so that the requests do not depend on the
  // compiler's order of evaluating arguments.
  std::string Restriction(absl::string_view field, absl::string_view op,
                          const std::string& value) {
    const char* space = Chance(50) ? " " : "";
    return absl::StrCat(field, space, op, space, value);
  }

  std::string FormatTime(absl::Time time) {
    static const int kOffsets[] = {0, 0, 2 * 3600, -5 * 3600, 5 * 3600 + 1800};
    const int offset = kOffsets[Uniform(0, 4)];
    if (offset == 0) {
      return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", time,
                              absl::UTCTimeZone());
    }
    return absl::FormatTime("%Y-%m-%dT%H:%M:%E*S%Ez", time,
                            absl::FixedTimeZone(offset));
  }

  std::string TopicRestriction() {
    static const char* const kOps[] = {"=", ":", "!=", ":"};
    const std::string op = kOps[Uniform(0, 3)];
    if (Chance(20)) {
      // A prefix of a topic.
      const std::string topic = Respell(Pick(world_.topics));
      return Restriction("topics", op,
                         Value(Utf8Prefix(topic, Uniform(1, 4)) + "*"));
    }
    return Restriction("topics", op, Value(Topic()));
  }

  std::string TimeRestriction() {
    static const char* const kOps[] = {"<", "<=", ">", ">=", "=", ":", "!="};
    const int op = Uniform(0, 6);
    // Equality only matches exact instants: take an article's.
    const absl::Time time = op >= 4 ? RandomArticleTime() : RandomTime();
    const std::string text = FormatTime(time);
    return Restriction("publish_time", kOps[op],
                       Chance(50) ? text : FilterQuote(text));
  }

  std::string DomainRestriction() {
    const std::string domain = Respell(Pick(world_.domains));
    switch (Uniform(0, 4)) {
      case 0:
        return Restriction("provider.domain", "!=", Value(domain));
      case 1:
        return Restriction("provider.domain", "=",
                           Value(Utf8Prefix(domain, Uniform(1, 5)) + "*"));
      case 2: {
        const size_t from = Uniform(0, static_cast<int>(domain.size()) / 2);
        return Restriction("provider.domain", ":",
                           Value(domain.substr(from, Uniform(2, 6))));
      }
      default:
        return Restriction("provider.domain", "=", Value(domain));
    }
  }

  std::string NumberRestriction(absl::string_view field, int value) {
    static const char* const kOps[] = {"<", "<=", ">", ">=", "=", ":", "!="};
    return Restriction(field, kOps[Uniform(0, 6)], absl::StrCat(value));
  }

  std::string HeatValue() {
    static const int kValues[] = {-1, 0, 1, 2, 5, 20, 100, 400, 1000};
    return Chance(70) ? absl::StrCat(kValues[Uniform(0, 8)])
                      : absl::StrCat(Uniform(-1, 1000));
  }

  std::string TitleRestriction() {
    const std::string title = RandomArticle().title();
    std::vector<std::string> words = RawWords(title);
    switch (Uniform(0, 4)) {
      case 0:
        return Restriction(
            "title", "=",
            FilterQuote(Respell(Utf8Prefix(title, Uniform(3, 20))) + "*"));
      case 1: {
        const char* op = Chance(50) ? "=" : "!=";
        return Restriction("title", op, FilterQuote(Respell(title)));
      }
      default:
        return Restriction("title", ":",
                           Value(Respell(words.empty() ? title : Pick(words))));
    }
  }

  std::string CategoryRestriction() {
    const std::string category = Pick(world_.categories);
    switch (Uniform(0, 3)) {
      case 0:
        return Restriction("category", "!=", Value(Respell(category)));
      case 1:
        return Restriction("category", "=",
                           Value(Utf8Prefix(category, Uniform(1, 3)) + "*"));
      case 2:
        return Restriction("category", ":",
                           Value(category.substr(1, Uniform(1, 3))));
      default:
        return Restriction("category", "=", Value(Respell(category)));
    }
  }

  std::string AnyRestriction() {
    switch (Uniform(0, 9)) {
      case 0:
      case 1:
        return TopicRestriction();
      case 2:
        return TimeRestriction();
      case 3:
        return DomainRestriction();
      case 4:
        return NumberRestriction("quality", Uniform(20, 80));
      case 5: {
        static const char* const kOps[] = {"<", "<=", ">", ">=", "=", "!="};
        const char* op = kOps[Uniform(0, 5)];
        return Restriction("heat", op, HeatValue());
      }
      case 6: {
        static const char* const kOps[] = {"=", "!=", ":"};
        const char* op = kOps[Uniform(0, 2)];
        return Restriction("published", op, Chance(50) ? "true" : "false");
      }
      case 7:
        return TitleRestriction();
      default:
        return CategoryRestriction();
    }
  }

  // A random expression: restrictions joined by AND, OR and juxtaposition,
  // negated by NOT or '-', grouped by parentheses.
  std::string Expression(int depth) {
    std::string expr;
    if (depth >= 3 || Chance(45)) {
      expr = AnyRestriction();
    } else {
      const std::string left = Expression(depth + 1);
      const std::string right = Expression(depth + 1);
      static const char* const kJoins[] = {" AND ", " OR ", " ", " OR "};
      expr = absl::StrCat(left, kJoins[Uniform(0, 3)], right);
      if (Chance(60)) expr = absl::StrCat("(", expr, ")");
    }
    if (Chance(20)) {
      if (expr[0] != '(' && Chance(50)) expr = absl::StrCat("(", expr, ")");
      expr = absl::StrCat(Chance(50) ? "NOT " : "-", expr);
    }
    return expr;
  }

  // A filter whose top-level conjuncts often give the cursor index hints:
  // ORs of topic or domain equalities, and publish_time bounds.
  std::string TopFilter() {
    std::vector<std::string> conjuncts;
    const int count = Uniform(1, 3);
    for (int i = 0; i < count; ++i) {
      switch (Uniform(0, 4)) {
        case 0: {
          std::vector<std::string> any;
          const int n = Uniform(1, 3);
          for (int k = 0; k < n; ++k) {
            const char* op = Chance(50) ? "=" : ":";
            any.push_back(Restriction("topics", op, Value(Topic())));
          }
          conjuncts.push_back(
              n == 1 ? any[0]
                     : absl::StrCat("(", absl::StrJoin(any, " OR "), ")"));
          break;
        }
        case 1: {
          static const char* const kOps[] = {"<", "<=", ">", ">="};
          const std::string text = FormatTime(RandomTime());
          conjuncts.push_back(Restriction("publish_time", kOps[Uniform(0, 3)],
                                          FilterQuote(text)));
          break;
        }
        case 2:
          conjuncts.push_back(Restriction(
              "provider.domain", "=", Value(Respell(Pick(world_.domains)))));
          break;
        default:
          conjuncts.push_back(Expression(0));
      }
    }
    return absl::StrJoin(conjuncts, Chance(50) ? " AND " : " ");
  }

  const World& world_;
  std::mt19937 rng_;
};

// ---------------------------------------------------------------------------

// Where two name lists first differ, for failure messages.
std::string FirstDifference(const std::vector<std::string>& got,
                            const std::vector<std::string>& want) {
  size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  return absl::StrCat("got ", got.size(), " names, want ", want.size(),
                      "; first difference at ", i, ": got ",
                      i < got.size() ? got[i] : "(end)", ", want ",
                      i < want.size() ? want[i] : "(end)");
}

struct RunStats {
  int queries = 0;
  int partial = 0;  // between 1 and N - 1 matches
  int empty = 0;
  int large = 0;  // more than kLargeResult matches
  int multi_page = 0;
  int failures = 0;
  int draws = 0;  // requests drawn, including those drawn again
};

// Results larger than this are costly to page through (in a sorted order
// every page sorts every match; with a filter every page counts them all),
// so only one query of a run may have one; later ones are drawn again.
// Empty results are capped the same way.
constexpr size_t kLargeResult = 2000;

// A drawn request, its query and the brute force's answer.
struct Drawn {
  Case c;
  Query query;
  std::vector<std::string> want;
};

// The catalog takes seconds to build (yaml-cpp parses 20,000 seeds), and
// gtest_discover_tests runs every test in its own process, so the random
// queries of all orders run in one test rather than one test per order.
class DifferentialTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (world_ == nullptr) world_ = BuildWorld().release();
  }
  static void TearDownTestSuite() {
    delete world_;
    world_ = nullptr;
  }

  // A random request in `order` that QueryFromRequest accepts, and what it
  // should return; nullopt (after a failure) when the request is rejected.
  static std::optional<Drawn> Draw(RequestMaker& maker, size_t order,
                                   bool allow_large, bool allow_empty,
                                   int* draws) {
    for (int attempt = 0;; ++attempt) {
      ++*draws;
      Drawn drawn;
      drawn.c = maker.Make(order);
      absl::StatusOr<Query> query = QueryFromRequest(drawn.c.request);
      const absl::StatusOr<FilterExpr> filter =
          ParseFilter(drawn.c.request.filter());
      if (!query.ok() || !filter.ok()) {
        ADD_FAILURE() << drawn.c.request.ShortDebugString() << ": "
                      << query.status() << " / " << filter.status();
        return std::nullopt;
      }
      drawn.query = *std::move(query);
      drawn.want = BruteForce(*world_, drawn.c, *filter);
      const bool refused = (!allow_large && drawn.want.size() > kLargeResult) ||
                           (!allow_empty && drawn.want.empty());
      if (!refused || attempt >= 100) return drawn;
    }
  }

  // Makes `count` random requests in the orders `orders` (one picked per
  // request), pages through each with ListPage and compares with the brute
  // force.
  static RunStats RunRandomQueries(uint32_t seed, int count,
                                   const std::vector<size_t>& orders) {
    const Catalog& catalog = *world_->catalog;
    RequestMaker maker(*world_, seed);
    std::mt19937 order_rng(seed + 1);
    RunStats stats;
    const int max_large = 1;
    const int max_empty = count / 8;
    for (int q = 0; q < count && stats.failures < 5; ++q) {
      const size_t order = orders[order_rng() % orders.size()];
      std::optional<Drawn> drawn = Draw(maker, order, stats.large < max_large,
                                        stats.empty < max_empty, &stats.draws);
      if (!drawn) {
        ++stats.failures;
        continue;
      }
      const std::vector<std::string>& want = drawn->want;
      SCOPED_TRACE(
          absl::StrCat("query ", q, ": ", drawn->c.request.ShortDebugString()));
      ++stats.queries;
      if (!want.empty() && want.size() < catalog.size()) ++stats.partial;
      if (want.empty()) ++stats.empty;
      if (want.size() > kLargeResult) ++stats.large;

      std::vector<std::string> got;
      std::string token;
      int page_size = maker.PageSize(want.size());
      bool failed = false;
      int pages = 0;
      const int max_pages = static_cast<int>(want.size()) + 2;
      for (;; ++pages) {
        if (pages > max_pages) {
          ADD_FAILURE() << "paging does not end";
          failed = true;
          break;
        }
        // Page sizes may change between pages.
        if (pages > 0 && maker.Chance(20)) {
          page_size = maker.PageSize(want.size());
        }
        const absl::StatusOr<Page> page =
            ListPage(SegmentedCatalog(catalog), drawn->query, page_size, token);
        if (!page.ok()) {
          ADD_FAILURE() << "page " << pages << ": " << page.status();
          failed = true;
          break;
        }
        if (page->total_size != static_cast<int64_t>(want.size()) && !failed) {
          ADD_FAILURE() << "page " << pages << ": total_size "
                        << page->total_size << ", want " << want.size();
          failed = true;
        }
        for (const ArticleRef article : page->articles) {
          got.push_back(world_->articles[article.index].name());
        }
        if (page->next_page_token.empty()) break;
        if (page->articles.size() != static_cast<size_t>(page_size) ||
            got.size() >= want.size()) {
          ADD_FAILURE() << "page " << pages << " of " << page->articles.size()
                        << " articles (page_size " << page_size
                        << ") has a next_page_token after " << got.size()
                        << " of " << want.size() << " matches";
          failed = true;
          break;
        }
        token = page->next_page_token;
      }
      if (pages > 0) ++stats.multi_page;
      if (got != want) {
        ADD_FAILURE() << FirstDifference(got, want);
        failed = true;
      }
      if (std::set<std::string>(got.begin(), got.end()).size() != got.size()) {
        ADD_FAILURE() << "duplicates across pages";
        failed = true;
      }
      if (failed) ++stats.failures;
    }
    return stats;
  }

  // Checks that the random queries were neither trivially empty nor
  // everything, and that paging was exercised.
  static void ExpectNonTrivial(const RunStats& stats, int count) {
    EXPECT_EQ(stats.failures, 0);
    EXPECT_EQ(stats.queries, count);
    EXPECT_GE(stats.partial * 100, stats.queries * 30)
        << stats.partial << " of " << stats.queries
        << " queries match some but not all articles";
    EXPECT_GE(stats.multi_page * 100, stats.queries * 30)
        << stats.multi_page << " of " << stats.queries
        << " queries have several pages";
    EXPECT_GT(stats.empty, 0);
    EXPECT_GT(stats.large, 0);
  }

  static const World* world_;
};

const World* DifferentialTest::world_ = nullptr;

// 6 runs of this many requests: 420 in all.
constexpr int kQueriesPerOrder = 70;

TEST_F(DifferentialTest, CatalogHoldsTheWholeGeneratedCorpus) {
  EXPECT_EQ(world_->parse_failures, 0);
  EXPECT_EQ(world_->rejections, 0u);
  EXPECT_EQ(world_->catalog->size(), static_cast<size_t>(kCorpusCount));
  EXPECT_GE(world_->topics.size(), 200u);
  EXPECT_GE(world_->domains.size(), 20u);
  EXPECT_GE(world_->categories.size(), 5u);
  // Some articles share an instant, so that orders rely on the name.
  size_t shared = 0;
  for (ArticleIndex i = 1; i < world_->catalog->size(); ++i) {
    if (world_->facts[i].time == world_->facts[i - 1].time) ++shared;
  }
  EXPECT_GT(shared, 100u);
}

TEST_F(DifferentialTest, RandomListQueriesPageLikeABruteForceScan) {
  // kQueriesPerOrder requests in each order, then as many again in orders
  // drawn at random; each run of requests has its own seed.
  for (size_t order = 0; order < OrderCases().size(); ++order) {
    SCOPED_TRACE(
        absl::StrCat("order_by \"", OrderCases()[order].order_by, "\""));
    const RunStats stats = RunRandomQueries(
        static_cast<uint32_t>(101 * (order + 1)), kQueriesPerOrder, {order});
    ExpectNonTrivial(stats, kQueriesPerOrder);
  }
  SCOPED_TRACE("mixed orders");
  const RunStats stats =
      RunRandomQueries(606, kQueriesPerOrder, {0, 1, 2, 3, 4});
  ExpectNonTrivial(stats, kQueriesPerOrder);
}

}  // namespace
}  // namespace newsmeta
