#include "gen_seeds/corpus.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "catalog/article_name.h"
#include "gen_seeds/vocabulary.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace newsmeta {
namespace {

// ---------------------------------------------------------------------------
// Pseudo-random numbers: splitmix64, integer arithmetic only, so the output
// is the same with every compiler and standard library.

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    state_ += kGolden;
    return Mix64(state_);
  }
  // Uniform in [0, n) for n > 0 (multiply-high; the bias is below n / 2^64).
  uint64_t Below(uint64_t n) {
    return absl::Uint128High64(absl::uint128(Next()) * n);
  }
  int Between(int lo, int hi) {
    return lo + static_cast<int>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }
  // True `per_mille` times in a thousand.
  bool PerMille(int per_mille) {
    return Below(1000) < static_cast<uint64_t>(per_mille);
  }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(N)];
  }

 private:
  uint64_t state_;
};

// Independent streams, so that an article's header (what other articles'
// related links repeat) can be made without the rest of it.
enum class Stream : uint64_t { kHeader = 1, kBody = 2, kTieInstant = 3 };

Rng StreamRng(uint64_t seed, Stream stream, uint64_t index) {
  const uint64_t base = Mix64(seed ^ (static_cast<uint64_t>(stream) * kGolden));
  return Rng(Mix64(base + index * 0xD1B54A32D192ED03ULL));
}

// Picks index k with probability weight[k] / sum(weights).
class WeightedTable {
 public:
  WeightedTable() = default;
  explicit WeightedTable(const std::vector<uint64_t>& weights) {
    uint64_t sum = 0;
    cumulative_.reserve(weights.size());
    for (uint64_t weight : weights) {
      sum += weight;
      cumulative_.push_back(sum);
    }
  }
  size_t Pick(Rng& rng) const {
    const uint64_t r = rng.Below(cumulative_.back());
    return static_cast<size_t>(
        std::upper_bound(cumulative_.begin(), cumulative_.end(), r) -
        cumulative_.begin());
  }

 private:
  std::vector<uint64_t> cumulative_;
};

// Weight ~ 1 / (rank + shift), rank from 1.
std::vector<uint64_t> ZipfWeights(size_t n, uint64_t shift) {
  std::vector<uint64_t> weights;
  weights.reserve(n);
  for (uint64_t rank = 1; rank <= n; ++rank) {
    weights.push_back((uint64_t{1} << 32) / (rank + shift));
  }
  return weights;
}

// ---------------------------------------------------------------------------
// 2021-01-01T00:00:00Z and the number of days to 2024-12-31 inclusive.
constexpr int64_t kFirstSecond = 1609459200;
constexpr int64_t kDays = 1461;

// Probability (per mille) that an article's instant is one shared with other
// articles, and how many articles share one on average.
constexpr int kTiePerMille = 150;
constexpr int kArticlesPerTieInstant = 25;

// Probability (per mille) that a related link points at another article.
constexpr int kInternalLinkPerMille = 80;

struct Tables {
  std::vector<std::string> topics;
  WeightedTable topic_table;
  std::vector<vocabulary::ProviderInfo> providers;
  WeightedTable provider_table;
  WeightedTable offset_table{OffsetWeights()};
  WeightedTable hour_table{
      std::vector<uint64_t>(std::begin(vocabulary::kHourWeights),
                            std::end(vocabulary::kHourWeights))};

  static std::vector<uint64_t> OffsetWeights() {
    std::vector<uint64_t> weights;
    for (const vocabulary::Offset& offset : vocabulary::kOffsets)
      weights.push_back(offset.weight);
    return weights;
  }

  Tables() {
    const auto add_topic = [&](std::string topic) {
      if (std::find(topics.begin(), topics.end(), topic) == topics.end()) {
        topics.push_back(std::move(topic));
      }
    };
    for (const char* topic : vocabulary::kTopics) add_topic(topic);
    constexpr size_t kRegions = std::size(vocabulary::kTopicRegions);
    constexpr size_t kSubjectsN = std::size(vocabulary::kTopicSubjects);
    // (k % regions, k / regions) visits every pair once; the subject is
    // rotated so that neighbouring ranks differ in both words.
    for (size_t k = 0;
         k < kRegions * kSubjectsN && topics.size() < vocabulary::kTopicCount;
         ++k) {
      const size_t region = k % kRegions;
      const size_t subject = (k / kRegions + region) % kSubjectsN;
      add_topic(absl::StrCat(vocabulary::kTopicRegions[region], " ",
                             vocabulary::kTopicSubjects[subject]));
    }

    int style = 0;
    for (const vocabulary::HandProvider& hand : vocabulary::kProviders) {
      providers.push_back({hand.name, hand.domain, hand.language, style++ % 4});
    }
    constexpr size_t kPrefixes = std::size(vocabulary::kProviderPrefixes);
    constexpr size_t kSuffixes = std::size(vocabulary::kProviderSuffixes);
    for (size_t k = 0; k < kPrefixes * kSuffixes &&
                       providers.size() < vocabulary::kProviderCount;
         ++k) {
      const size_t prefix = k % kPrefixes;
      const size_t suffix = (k / kPrefixes + 3 * prefix) % kSuffixes;
      const std::string bare =
          absl::StrCat(vocabulary::kProviderPrefixes[prefix], " ",
                       vocabulary::kProviderSuffixes[suffix]);
      std::string domain = absl::StrCat(
          absl::AsciiStrToLower(absl::StrReplaceAll(bare, {{" ", ""}})),
          vocabulary::kTlds[k % std::size(vocabulary::kTlds)]);
      providers.push_back({k % 3 == 0 ? absl::StrCat("The ", bare) : bare,
                           std::move(domain), "en", style++ % 4});
    }
    topic_table = WeightedTable(ZipfWeights(topics.size(), 0));
    provider_table = WeightedTable(ZipfWeights(providers.size(), 4));
  }
};

const Tables& GetTables() {
  static const Tables* const tables = new Tables();
  return *tables;
}

// ---------------------------------------------------------------------------
// YAML and text helpers.

// Decodes the UTF-8 sequence at the start of `text` (strictly: no overlong
// forms, surrogates or code points above U+10FFFF).
bool DecodeUtf8(absl::string_view text, uint32_t* code_point, int* length) {
  const auto byte = [&](size_t i) {
    return static_cast<unsigned char>(text[i]);
  };
  const unsigned char lead = byte(0);
  int n;
  uint32_t cp;
  uint32_t min;
  if (lead >= 0xC2 && lead <= 0xDF) {
    n = 2, cp = lead & 0x1F, min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    n = 3, cp = lead & 0x0F, min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    n = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return false;
  }
  if (text.size() < static_cast<size_t>(n)) return false;
  for (int i = 1; i < n; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (byte(i) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return false;
  }
  *code_point = cp;
  *length = n;
  return true;
}

// Code points YAML does not allow unescaped, or treats as line breaks.
bool NeedsEscape(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0xA0) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF;
}

void AppendHexEscape(std::string* out, char kind, uint32_t value, int digits) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out->push_back('\\');
  out->push_back(kind);
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) {
    out->push_back(kHex[(value >> shift) & 0xF]);
  }
}

// True when `text` reads back unchanged as a plain (unquoted) YAML scalar and
// as a string, not null: letters, digits, inner spaces, '-' and '.'.
bool IsSafePlain(absl::string_view text) {
  if (text.empty() || text.back() == ' ' || text == "null" || text == "Null" ||
      text == "NULL") {
    return false;
  }
  const unsigned char first = static_cast<unsigned char>(text[0]);
  if (!absl::ascii_isalpha(first) && first < 0x80) return false;
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (!absl::ascii_isalnum(c) && c != ' ' && c != '-' && c != '.') {
        return false;
      }
      ++i;
      continue;
    }
    uint32_t cp;
    int length;
    if (!DecodeUtf8(text.substr(i), &cp, &length) || NeedsEscape(cp)) {
      return false;
    }
    i += length;
  }
  return true;
}

// A plain scalar when that is safe, a double-quoted one otherwise.
std::string YamlScalar(absl::string_view text) {
  return IsSafePlain(text) ? std::string(text) : YamlQuote(text);
}

std::string Capitalize(std::string text) {
  if (!text.empty()) text[0] = absl::ascii_toupper(text[0]);
  return text;
}

// URL path segment from a title: lower-case ASCII letters and digits, other
// ASCII as '-', non-ASCII bytes percent-encoded; at most `max_words` words.
std::string Slugify(absl::string_view title, int max_words) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string slug;
  int words = 0;
  bool dash = false;
  for (unsigned char c : title) {
    if (c >= 0x80) {
      if (dash && !slug.empty()) slug.push_back('-');
      dash = false;
      slug.push_back('%');
      slug.push_back(kHex[c >> 4]);
      slug.push_back(kHex[c & 0xF]);
    } else if (absl::ascii_isalnum(c)) {
      if (dash && !slug.empty()) slug.push_back('-');
      dash = false;
      slug.push_back(absl::ascii_tolower(c));
    } else if (c != '\'') {
      if (!dash && !slug.empty() && ++words >= max_words) break;
      dash = true;
    }
  }
  if (slug.empty()) slug = "article";
  return slug;
}

// Lower-case base 36, for ids in URLs.
std::string Base36(uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string digits;
  do {
    digits.push_back(kDigits[value % 36]);
    value /= 36;
  } while (value != 0);
  std::reverse(digits.begin(), digits.end());
  return digits;
}

// ---------------------------------------------------------------------------
// Instants.

struct Instant {
  int64_t unix_seconds = 0;
  int nanos = 0;
  // Digits of fraction written (0, 3, 6 or 9).
  int fraction_digits = 0;
};

absl::CivilSecond CivilAt(int64_t unix_seconds) {
  return absl::CivilSecond(1970, 1, 1, 0, 0, 0) + unix_seconds;
}

// `instant` as RFC 3339 in the local time of `offset`.
std::string FormatInstant(const Instant& instant,
                          const vocabulary::Offset& offset) {
  const absl::CivilSecond local =
      CivilAt(instant.unix_seconds + int64_t{60} * offset.minutes);
  std::string text = absl::StrFormat(
      "%04d-%02d-%02dT%02d:%02d:%02d", local.year(), local.month(), local.day(),
      local.hour(), local.minute(), local.second());
  if (instant.fraction_digits > 0) {
    int divisor = 1;
    for (int i = instant.fraction_digits; i < 9; ++i) divisor *= 10;
    absl::StrAppendFormat(&text, ".%0*d", instant.fraction_digits,
                          instant.nanos / divisor);
  }
  if (offset.zulu) {
    text.push_back('Z');
  } else {
    const int magnitude = offset.minutes < 0 ? -offset.minutes : offset.minutes;
    absl::StrAppendFormat(&text, "%c%02d:%02d", offset.minutes < 0 ? '-' : '+',
                          magnitude / 60, magnitude % 60);
  }
  return text;
}

// A whole-second instant in the four years, busier by day than by night.
int64_t RandomSecond(Rng& rng, const Tables& tables) {
  const int64_t day = static_cast<int64_t>(rng.Below(kDays));
  const int64_t hour = static_cast<int64_t>(tables.hour_table.Pick(rng));
  const int64_t minute = static_cast<int64_t>(rng.Below(60));
  // Half are on the minute, as feeds often write them.
  const int64_t second = rng.PerMille(500) ? 0 : rng.Below(60);
  return kFirstSecond + day * 86400 + hour * 3600 + minute * 60 + second;
}

// The instant shared by the articles that draw tie slot `slot`.
int64_t TieSecond(uint64_t seed, uint64_t slot, const Tables& tables) {
  Rng rng = StreamRng(seed, Stream::kTieInstant, slot);
  return RandomSecond(rng, tables);
}

Instant RandomInstant(Rng& rng, const CorpusOptions& options,
                      const Tables& tables) {
  Instant instant;
  if (options.count > 1 && rng.PerMille(kTiePerMille)) {
    const uint64_t slots = std::max(1, options.count / kArticlesPerTieInstant);
    instant.unix_seconds = TieSecond(options.seed, rng.Below(slots), tables);
    return instant;
  }
  instant.unix_seconds = RandomSecond(rng, tables);
  if (rng.PerMille(150)) {
    static constexpr int kDigits[] = {3, 3, 3, 6, 9};
    instant.fraction_digits = rng.Pick(kDigits);
    instant.nanos = static_cast<int>(rng.Below(1000000000));
    int divisor = 1;
    for (int i = instant.fraction_digits; i < 9; ++i) divisor *= 10;
    instant.nanos -= instant.nanos % divisor;
  }
  return instant;
}

// ---------------------------------------------------------------------------
// Text.

std::string FillTail(absl::string_view tail, absl::string_view topic,
                     absl::string_view subject) {
  return absl::StrReplaceAll(tail,
                             {{"{topic}", topic}, {"{subject}", subject}});
}

std::string MakeTitle(Rng& rng, absl::string_view topic) {
  const std::string subject = rng.Pick(vocabulary::kSubjects);
  const std::string other = rng.Pick(vocabulary::kSubjects);
  const char* verb = rng.Pick(vocabulary::kVerbs);
  const char* object = rng.Pick(vocabulary::kObjects);
  const uint64_t form = rng.Below(100);
  std::string title;
  if (form < 40) {
    title = absl::StrCat(subject, " ", verb, " ", object);
    if (rng.PerMille(600)) {
      const std::string tail =
          FillTail(rng.Pick(vocabulary::kTails), topic, other);
      absl::StrAppend(&title, tail[0] == ':' ? "" : " ", tail);
    }
  } else if (form < 55) {
    title = absl::StrCat(topic, ": ", subject, " ", verb, " ", object);
  } else if (form < 63) {
    title =
        absl::StrCat(subject, " claims ", other, " will spend \"well over\" ",
                     rng.Pick(vocabulary::kMoney), " on ", object);
  } else if (form < 70) {
    title = absl::StrCat(rng.Between(3, 12), " things to know about ", topic);
  } else if (form < 76) {
    title = absl::StrCat(subject, " vs. ", other, ": who wins the ", topic,
                         " race?");
  } else if (form < 82) {
    title = absl::StrCat("Opinion: ", object, " won't fix ", topic);
  } else if (form < 90) {
    title = absl::StrCat(subject, " ", verb, " ", object, " — and ", other,
                         " is \"worried\"");
  } else if (form < 95) {
    title = absl::StrCat("Live: ", topic, " updates as ", subject, " ", verb,
                         " ", object);
  } else if (form < 98) {
    title = absl::StrCat("Markets shrug ¯\\_(ツ)_/¯ as ", subject, " ", verb,
                         " ", object);
  } else {
    title = absl::StrCat(subject, " ", verb, " ", object, " 🚀");
  }
  return Capitalize(std::move(title));
}

std::string RandomSentence(Rng& rng, int min_words, int max_words) {
  const int words = rng.Between(min_words, max_words);
  std::string sentence;
  for (int i = 0; i < words; ++i) {
    if (i > 0) sentence.push_back(' ');
    if (rng.PerMille(20)) {
      // One draw per statement: the order in which arguments are evaluated
      // varies between compilers.
      const char* first = rng.Pick(vocabulary::kWords);
      const char* second = rng.Pick(vocabulary::kWords);
      absl::StrAppend(&sentence, "\"", first, " ", second, "\"");
    } else {
      sentence.append(rng.Pick(vocabulary::kWords));
    }
    if (i + 1 < words && rng.PerMille(80)) sentence.push_back(',');
  }
  sentence.push_back(rng.PerMille(50) ? '?' : '.');
  return Capitalize(std::move(sentence));
}

std::string MakeExcerpt(Rng& rng, absl::string_view topic) {
  const char* subject = rng.Pick(vocabulary::kSubjects);
  const char* verb = rng.Pick(vocabulary::kVerbs);
  const char* object = rng.Pick(vocabulary::kObjects);
  const char* tail = rng.Pick(vocabulary::kTails);
  const char* other = rng.Pick(vocabulary::kSubjects);
  std::string excerpt = Capitalize(absl::StrCat(
      subject, " ", verb, " ", object, " ", FillTail(tail, topic, other), "."));
  const int more = rng.Between(0, 2);
  for (int i = 0; i < more; ++i) {
    absl::StrAppend(&excerpt, " ", RandomSentence(rng, 8, 20));
  }
  return excerpt;
}

std::string MakeBody(Rng& rng, absl::string_view topic) {
  std::string body = "\n";
  if (rng.PerMille(300)) absl::StrAppend(&body, "## ", topic, "\n\n");
  const int paragraphs = rng.Between(1, 4);
  for (int p = 0; p < paragraphs; ++p) {
    if (p > 0) body.push_back('\n');
    const int sentences = rng.Between(2, 5);
    for (int s = 0; s < sentences; ++s) {
      if (s > 0) body.push_back(' ');
      body.append(RandomSentence(rng, 6, 24));
    }
    body.push_back('\n');
  }
  return body;
}

// ---------------------------------------------------------------------------
// Documents.

// What identifies an article and what other articles' related links to it
// repeat; made from the header stream alone.
struct Header {
  const vocabulary::ProviderInfo* provider = nullptr;
  std::vector<const std::string*> topics;
  Instant instant;
  const vocabulary::Offset* offset = nullptr;
  std::string title;
  std::string slug;
  const char* section = nullptr;
  std::string original_url;
};

Header MakeHeader(const CorpusOptions& options, int index) {
  const Tables& tables = GetTables();
  Rng rng = StreamRng(options.seed, Stream::kHeader, index);
  Header header;
  header.provider = &tables.providers[tables.provider_table.Pick(rng)];

  static constexpr int kTopicsPerArticle[] = {1, 1, 1, 1, 1, 2, 2, 2, 2, 2,
                                              2, 3, 3, 3, 3, 3, 4, 4, 4, 5};
  const int wanted = rng.Pick(kTopicsPerArticle);
  // Distinct topics; give up on a repeat after a few tries (rare).
  for (int tries = 0;
       static_cast<int>(header.topics.size()) < wanted && tries < 4 * wanted;
       ++tries) {
    const std::string* topic = &tables.topics[tables.topic_table.Pick(rng)];
    if (std::find(header.topics.begin(), header.topics.end(), topic) ==
        header.topics.end()) {
      header.topics.push_back(topic);
    }
  }

  header.instant = RandomInstant(rng, options, tables);
  header.offset = &vocabulary::kOffsets[tables.offset_table.Pick(rng)];
  header.title = MakeTitle(rng, *header.topics[0]);
  header.slug = Slugify(header.title, 10);
  header.section = rng.Pick(vocabulary::kSections);

  // Every style contains the index as a delimited part, so URLs are unique.
  const vocabulary::ProviderInfo& provider = *header.provider;
  const absl::CivilSecond utc = CivilAt(header.instant.unix_seconds);
  switch (provider.url_style) {
    case 0:
      header.original_url =
          absl::StrFormat("https://www.%s/%s/%04d/%02d/%02d/%s-%d/",
                          provider.domain, header.section, utc.year(),
                          utc.month(), utc.day(), header.slug, index);
      break;
    case 1:
      header.original_url =
          absl::StrCat("https://", provider.domain, "/articles/",
                       Base36(static_cast<uint64_t>(index)), "/", header.slug);
      break;
    case 2:
      header.original_url =
          absl::StrCat("https://www.", provider.domain, "/", header.section,
                       "/", header.slug, "_", index, ".html");
      break;
    default:
      header.original_url = absl::StrFormat(
          "https://%s/n/%04d%02d%02d/%d?ref=rss&lang=%s", provider.domain,
          utc.year(), utc.month(), utc.day(), index, provider.language);
      break;
  }
  return header;
}

std::string MakeSecured(Rng& rng) {
  const int bytes = rng.Between(48, 96);
  std::string raw;
  raw.reserve(bytes);
  for (int i = 0; i < bytes; ++i) {
    raw.push_back(static_cast<char>(rng.Below(256)));
  }
  return absl::Base64Escape(raw);
}

// ---------------------------------------------------------------------------
// Documents are drawn first, then written: GenerateSeed writes a Document as
// YAML, GenerateArticle builds the Article the loader reads from that YAML.
// Drawing makes every pseudo-random draw in the order the generator has
// always made them, so the same options give the same bytes as before.

// A provider as the seed gives it.
struct ProviderDraw {
  const vocabulary::ProviderInfo* info = nullptr;
  // Writes `country:`, a key the loader does not know.
  bool country = false;
};

struct ImageDraw {
  std::string url;
  // Writes width and height.
  bool sized = false;
  int width = 0;
  int height = 0;
  bool cached = false;
  // A key the loader does not know; empty: none.
  std::string caption;
};

struct RelatedDraw {
  ProviderDraw provider;
  std::string title;
  bool has_excerpt = false;
  std::string excerpt;
  Instant instant;
  const vocabulary::Offset* offset = nullptr;
  std::string web_url;
  // Both empty, or both set.
  std::string amp_url;
  std::string cdn_amp_url;
  const char* type = nullptr;
  int quality = 0;
  std::vector<ImageDraw> images;
  // Writes `sponsored: false`, a key the loader does not know.
  bool sponsored = false;
};

struct Document {
  Header header;
  const char* category = nullptr;
  // 0: `excerpt:` without a value; 1 or 2: no excerpt key; else `excerpt`.
  uint64_t excerpt_form = 0;
  std::string excerpt;
  std::string web_url;
  const char* type = nullptr;
  int quality = 0;
  int64_t heat = 0;
  bool published = false;
  ProviderDraw provider;
  std::vector<ImageDraw> images;
  // Without images, whether to write `images: []`.
  bool empty_images = false;
  std::vector<RelatedDraw> related;
  // Without related links, whether to write `related: []`.
  bool empty_related = false;
  // Keys the loader does not know, kept in extra_fields.
  bool language = false;
  int word_count = 0;  // 0: none.
  bool analytics = false;
  int score = 0;
  uint64_t retries = 0;
  uint64_t trace_id = 0;
  std::string secured;
  // After the front matter; empty: none.
  std::string body;
  // Saved by other tools: CRLF line ends, a byte order mark.
  bool crlf = false;
  bool bom = false;
};

ProviderDraw DrawProvider(const vocabulary::ProviderInfo& info, Rng& rng) {
  ProviderDraw provider;
  provider.info = &info;
  provider.country = rng.PerMille(30);
  return provider;
}

std::string CountryCode(const vocabulary::ProviderInfo& info) {
  return absl::AsciiStrToUpper(info.language == "en" ? "us" : info.language);
}

std::vector<ImageDraw> DrawImages(int count, absl::string_view domain,
                                  const absl::CivilSecond& when, Rng& rng) {
  static constexpr const char* kExtensions[] = {"jpg", "jpg", "jpg",  "jpg",
                                                "png", "png", "webp", "gif"};
  static constexpr int kWidths[] = {640,  750,  800,  1024, 1200, 1200,
                                    1280, 1600, 1920, 2048, 2314, 4000};
  static constexpr int kAspects[][2] = {{16, 9}, {16, 9},    {4, 3}, {3, 2},
                                        {1, 1},  {191, 100}, {2, 1}, {9, 16}};
  std::vector<ImageDraw> images(count);
  for (ImageDraw& image : images) {
    const uint64_t host = rng.Below(10);
    const uint64_t name = rng.Next();
    const std::string file = absl::StrCat(absl::Hex(name, absl::kZeroPad16),
                                          ".", rng.Pick(kExtensions));
    if (host < 5) {
      image.url = absl::StrFormat("https://media.%s/uploads/%04d/%02d/%s",
                                  domain, when.year(), when.month(), file);
    } else if (host < 8) {
      image.url = absl::StrCat("https://images.", domain, "/im-",
                               rng.Between(100000, 999999), "/", file);
    } else {
      image.url = absl::StrCat("https://cdn.newsmeta-img.net/", domain, "/",
                               file, "?w=1200&q=80");
    }
    if (!rng.PerMille(20)) {
      image.sized = true;
      image.width =
          rng.PerMille(300) ? rng.Between(300, 4000) : rng.Pick(kWidths);
      const auto& aspect = rng.Pick(kAspects);
      image.height = image.width * aspect[1] / aspect[0];
    }
    image.cached = rng.PerMille(850);
    if (rng.PerMille(20)) image.caption = RandomSentence(rng, 4, 10);
  }
  return images;
}

std::vector<RelatedDraw> DrawRelated(const CorpusOptions& options, int index,
                                     const Header& header, Rng& rng,
                                     bool* empty_list) {
  const Tables& tables = GetTables();
  // 0-8 links, most articles some.
  static constexpr int kLinkCounts[] = {0, 0, 0, 0, 1, 1, 2, 2, 2, 3,
                                        3, 3, 4, 4, 4, 5, 5, 6, 7, 8};
  static constexpr const char* kTypes[] = {
      "article", "article", "article", "article", "article",
      "article", "article", "article", "video",   "slideshow"};
  const int links = rng.Pick(kLinkCounts);
  *empty_list = links == 0 && rng.PerMille(300);
  std::vector<RelatedDraw> related(links);
  for (RelatedDraw& link : related) {
    const vocabulary::ProviderInfo* provider;
    absl::CivilSecond when;
    if (options.count > 1 && rng.PerMille(kInternalLinkPerMille)) {
      int target = static_cast<int>(rng.Below(options.count - 1));
      if (target >= index) ++target;
      Header linked = MakeHeader(options, target);
      provider = linked.provider;
      link.title = std::move(linked.title);
      link.instant = linked.instant;
      link.offset = linked.offset;
      link.web_url = std::move(linked.original_url);
    } else {
      provider = &tables.providers[tables.provider_table.Pick(rng)];
      link.title =
          MakeTitle(rng, *header.topics[rng.Below(header.topics.size())]);
      link.instant.unix_seconds = header.instant.unix_seconds +
                                  static_cast<int64_t>(rng.Below(6 * 86400)) -
                                  3 * 86400;
      if (rng.PerMille(80)) {
        link.instant.fraction_digits = 3;
        link.instant.nanos = static_cast<int>(rng.Below(1000)) * 1000000;
      }
      link.offset = &vocabulary::kOffsets[tables.offset_table.Pick(rng)];
      const char* section = rng.Pick(vocabulary::kSections);
      const uint64_t id = rng.Next() >> 24;
      link.web_url =
          absl::StrCat("https://www.", provider->domain, "/", section, "/",
                       Slugify(link.title, 8), "-", absl::Hex(id));
    }
    when = CivilAt(link.instant.unix_seconds);
    link.has_excerpt = rng.PerMille(950);
    if (link.has_excerpt) link.excerpt = MakeExcerpt(rng, *header.topics[0]);
    if (rng.PerMille(200)) {
      absl::string_view rest = link.web_url;
      rest.remove_prefix(rest.find("://") + 3);
      const std::string host(rest.substr(0, rest.find('/')));
      link.amp_url = absl::StrCat(
          link.web_url, absl::EndsWith(link.web_url, "/") ? "" : "/", "amp/");
      link.cdn_amp_url =
          absl::StrCat("https://", absl::StrReplaceAll(host, {{".", "-"}}),
                       ".cdn.ampproject.org/c/s/",
                       link.amp_url.substr(link.amp_url.find("://") + 3));
    }
    link.type = rng.Pick(kTypes);
    link.provider = DrawProvider(*provider, rng);
    link.quality = static_cast<int>(rng.Below(101));
    if (rng.PerMille(800)) {
      link.images = DrawImages(1, provider->domain, when, rng);
    }
    link.sponsored = rng.PerMille(10);
  }
  return related;
}

Document DrawDocument(const CorpusOptions& options, int index) {
  static constexpr const char* kCategories[] = {
      "news",  "news",   "news",      "news",          "news",   "news",
      "money", "sports", "lifestyle", "entertainment", "health", "autos"};
  static constexpr const char* kTypes[] = {
      "article", "article", "article", "article",   "article",
      "article", "article", "article", "article",   "article",
      "article", "article", "article", "article",   "article",
      "article", "article", "video",   "slideshow", "gallery"};
  static constexpr int kImageCounts[] = {0, 0, 0, 1, 1, 1, 1, 1, 1, 1,
                                         1, 1, 1, 2, 2, 2, 2, 3, 3, 1};

  Document doc;
  doc.header = MakeHeader(options, index);
  const Header& header = doc.header;
  Rng rng = StreamRng(options.seed, Stream::kBody, index);
  const absl::string_view topic = *header.topics[0];

  doc.category = rng.Pick(kCategories);
  doc.excerpt_form = rng.Below(100);
  if (doc.excerpt_form >= 3) doc.excerpt = MakeExcerpt(rng, topic);
  if (rng.PerMille(400)) {
    doc.web_url = header.original_url;
  } else {
    doc.web_url = absl::StrCat(
        "https://www.msn.com/", rng.Pick(vocabulary::kLocales), "/news/",
        header.section, "/", Slugify(header.title, 8), "/ar-AA",
        Base36(static_cast<uint64_t>(index) + uint64_t{36} * 36 * 36 * 36));
  }
  doc.type = rng.Pick(kTypes);
  // Humped around 50.
  const uint64_t quality_a = rng.Below(101);
  const uint64_t quality_b = rng.Below(101);
  doc.quality = static_cast<int>((quality_a + quality_b) / 2);
  // A third never rated; the rest skewed towards small values.
  doc.heat = rng.PerMille(350)
                 ? -1
                 : static_cast<int64_t>(rng.Below(rng.Below(1001) + 1));
  doc.published = rng.PerMille(750);
  doc.provider = DrawProvider(*header.provider, rng);

  const int images = rng.Pick(kImageCounts);
  if (images > 0) {
    doc.images = DrawImages(images, header.provider->domain,
                            CivilAt(header.instant.unix_seconds), rng);
  } else {
    doc.empty_images = rng.PerMille(500);
  }
  doc.related = DrawRelated(options, index, header, rng, &doc.empty_related);

  doc.language = rng.PerMille(50);
  if (rng.PerMille(20)) doc.word_count = rng.Between(80, 4000);
  if (rng.PerMille(20)) {
    doc.analytics = true;
    doc.score = rng.Between(10, 99);
    doc.retries = rng.Below(4);
    // Between 2^60 and 2^63: too large for a double to hold exactly, so the
    // loader keeps it a string.
    doc.trace_id = (rng.Next() >> 1) | (uint64_t{1} << 60);
  }
  doc.secured = MakeSecured(rng);
  if (rng.PerMille(350)) doc.body = MakeBody(rng, topic);
  doc.crlf = rng.PerMille(5);
  doc.bom = rng.PerMille(5);
  return doc;
}

// ---------------------------------------------------------------------------
// Documents as YAML.

void WriteProvider(std::string* out, absl::string_view indent,
                   const ProviderDraw& provider) {
  absl::StrAppend(out, indent, "provider:\n", indent,
                  "  name: ", YamlScalar(provider.info->name), "\n", indent,
                  "  domain: ", provider.info->domain, "\n");
  if (provider.country) {
    absl::StrAppend(out, indent, "  country: ", CountryCode(*provider.info),
                    "\n");
  }
}

void WriteImages(std::string* out, absl::string_view indent,
                 const std::vector<ImageDraw>& images) {
  for (const ImageDraw& image : images) {
    absl::StrAppend(out, indent, "- url: ", YamlQuote(image.url), "\n");
    if (image.sized) {
      absl::StrAppend(out, indent, "  width: ", image.width, "\n", indent,
                      "  height: ", image.height, "\n");
    }
    absl::StrAppend(out, indent,
                    "  isCached: ", image.cached ? "true" : "false", "\n");
    if (!image.caption.empty()) {
      absl::StrAppend(out, indent, "  caption: ", YamlQuote(image.caption),
                      "\n");
    }
  }
}

void WriteRelated(std::string* out, const Document& doc) {
  if (doc.related.empty()) {
    if (doc.empty_related) out->append("\nrelated: []\n");
    return;
  }
  out->append("\nrelated:\n");
  for (const RelatedDraw& link : doc.related) {
    absl::StrAppend(out, "  - title: ", YamlQuote(link.title), "\n");
    if (link.has_excerpt) {
      absl::StrAppend(out, "    excerpt: ", YamlQuote(link.excerpt), "\n");
    }
    absl::StrAppend(out, "    publishedDateTime: ",
                    FormatInstant(link.instant, *link.offset), "\n",
                    "    webUrl: ", YamlQuote(link.web_url), "\n");
    if (!link.amp_url.empty()) {
      absl::StrAppend(out, "    ampWebUrl: ", YamlQuote(link.amp_url), "\n",
                      "    cdnAmpWebUrl: ", YamlQuote(link.cdn_amp_url), "\n");
    }
    absl::StrAppend(out, "    type: ", link.type, "\n");
    WriteProvider(out, "    ", link.provider);
    absl::StrAppend(out, "    quality: ", link.quality, "\n");
    if (!link.images.empty()) {
      out->append("    images:\n");
      WriteImages(out, "      ", link.images);
    }
    if (link.sponsored) out->append("    sponsored: false\n");
  }
}

void WriteExtras(std::string* out, const Document& doc) {
  if (doc.language) {
    absl::StrAppend(out, "language: ", doc.header.provider->language, "\n");
  }
  if (doc.word_count != 0) {
    absl::StrAppend(out, "wordCount: ", doc.word_count, "\n");
  }
  if (doc.analytics) {
    absl::StrAppend(out,
                    "analytics:\n"
                    "  source: rss\n"
                    "  score: 0.",
                    doc.score,
                    "\n"
                    "  tags: [",
                    YamlScalar(*doc.header.topics[0]),
                    ", \"énergie\"]\n"
                    "  pipeline:\n"
                    "    stage: enrich\n"
                    "    retries: ",
                    doc.retries,
                    "\n"
                    "    traceId: ",
                    doc.trace_id, "\n");
  }
}

std::string WriteSeed(const Document& doc) {
  const Header& header = doc.header;
  std::string out;
  out.reserve(6144);
  out.append("---\n");
  absl::StrAppend(&out, "category: ", doc.category, "\n");
  absl::StrAppend(&out, "title: ", YamlQuote(header.title), "\n");
  if (doc.excerpt_form >= 3) {
    absl::StrAppend(&out, "excerpt: ", YamlQuote(doc.excerpt), "\n");
  } else if (doc.excerpt_form == 0) {
    out.append("excerpt:\n");  // Given without a value: left unset.
  }
  absl::StrAppend(&out, "publishedDateTime: ",
                  FormatInstant(header.instant, *header.offset), "\n",
                  "originalUrl: ", YamlQuote(header.original_url), "\n");
  absl::StrAppend(&out, "webUrl: ", YamlQuote(doc.web_url), "\n");
  absl::StrAppend(&out, "type: ", doc.type, "\n");
  absl::StrAppend(&out, "quality: ", doc.quality, "\n");
  absl::StrAppend(&out, "heat: ", doc.heat, "\n");
  absl::StrAppend(&out, "published: ", doc.published ? "true" : "false", "\n");

  out.append("\n");
  WriteProvider(&out, "", doc.provider);

  out.append("\ntopics:\n");
  for (const std::string* name : header.topics) {
    absl::StrAppend(&out, "  - ", YamlScalar(*name), "\n");
  }

  if (!doc.images.empty()) {
    out.append("\nimages:\n");
    WriteImages(&out, "  ", doc.images);
  } else if (doc.empty_images) {
    out.append("\nimages: []\n");
  }

  WriteRelated(&out, doc);

  out.append("\n");
  WriteExtras(&out, doc);
  absl::StrAppend(&out, "secured: ", YamlQuote(doc.secured), "\n");
  out.append("---\n");
  out.append(doc.body);

  if (doc.crlf) out = absl::StrReplaceAll(out, {{"\n", "\r\n"}});
  if (doc.bom) out.insert(0, "\xEF\xBB\xBF");
  return out;
}

// ---------------------------------------------------------------------------
// Documents as the Article the loader reads from their YAML (see
// server/loader/seed_parser.cc): unknown keys go to extra_fields as
// google.protobuf.Value (plain numbers as numbers unless a double cannot hold
// them exactly, `true`/`false` as booleans, everything else as strings), and
// a message-typed field is set only when the seed has it.

google::protobuf::Timestamp TimestampOf(const Instant& instant) {
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(instant.unix_seconds);
  timestamp.set_nanos(instant.nanos);
  return timestamp;
}

google::protobuf::Value StringValue(absl::string_view text) {
  google::protobuf::Value value;
  value.set_string_value(std::string(text));
  return value;
}

google::protobuf::Value NumberValue(double number) {
  google::protobuf::Value value;
  value.set_number_value(number);
  return value;
}

void BuildProvider(const ProviderDraw& draw, newsmeta::v1::Provider* provider) {
  provider->set_name(draw.info->name);
  provider->set_domain(draw.info->domain);
  if (draw.country) {
    (*provider->mutable_extra_fields()->mutable_fields())["country"] =
        StringValue(CountryCode(*draw.info));
  }
}

void BuildImages(const std::vector<ImageDraw>& draws,
                 google::protobuf::RepeatedPtrField<newsmeta::v1::Image>* out) {
  for (const ImageDraw& draw : draws) {
    newsmeta::v1::Image* image = out->Add();
    image->set_url(draw.url);
    if (draw.sized) {
      image->set_width(draw.width);
      image->set_height(draw.height);
    }
    image->set_cached(draw.cached);
    if (!draw.caption.empty()) {
      (*image->mutable_extra_fields()->mutable_fields())["caption"] =
          StringValue(draw.caption);
    }
  }
}

void BuildExtras(const Document& doc, newsmeta::v1::Article* article) {
  if (!doc.language && doc.word_count == 0 && !doc.analytics) return;
  auto& fields = *article->mutable_extra_fields()->mutable_fields();
  if (doc.language) {
    fields["language"] = StringValue(doc.header.provider->language);
  }
  if (doc.word_count != 0) fields["wordCount"] = NumberValue(doc.word_count);
  if (doc.analytics) {
    // The loader reads "0.NN" with SimpleAtod; so does this, bit for bit.
    double score = 0;
    absl::SimpleAtod(absl::StrCat("0.", doc.score), &score);
    auto& analytics =
        *fields["analytics"].mutable_struct_value()->mutable_fields();
    analytics["source"] = StringValue("rss");
    analytics["score"] = NumberValue(score);
    auto* tags = analytics["tags"].mutable_list_value();
    *tags->add_values() = StringValue(*doc.header.topics[0]);
    *tags->add_values() = StringValue("énergie");
    auto& pipeline =
        *analytics["pipeline"].mutable_struct_value()->mutable_fields();
    pipeline["stage"] = StringValue("enrich");
    pipeline["retries"] = NumberValue(static_cast<double>(doc.retries));
    pipeline["traceId"] = StringValue(absl::StrCat(doc.trace_id));
  }
}

newsmeta::v1::Article BuildArticle(const Document& doc,
                                   const std::string& file_name) {
  const Header& header = doc.header;
  newsmeta::v1::Article article;
  article.set_name(ArticleNameForUrl(header.original_url));
  article.set_category(doc.category);
  article.set_title(header.title);
  if (doc.excerpt_form >= 3) article.set_excerpt(doc.excerpt);
  *article.mutable_publish_time() = TimestampOf(header.instant);
  article.set_original_url(header.original_url);
  article.set_web_url(doc.web_url);
  article.set_type(doc.type);
  article.set_quality(doc.quality);
  article.set_heat(static_cast<int32_t>(doc.heat));
  article.set_published(doc.published);
  BuildProvider(doc.provider, article.mutable_provider());
  for (const std::string* topic : header.topics) article.add_topics(*topic);
  BuildImages(doc.images, article.mutable_images());
  article.set_source_file(file_name);
  for (const RelatedDraw& draw : doc.related) {
    newsmeta::v1::RelatedLink* link = article.add_related();
    link->set_title(draw.title);
    if (draw.has_excerpt) link->set_excerpt(draw.excerpt);
    *link->mutable_publish_time() = TimestampOf(draw.instant);
    link->set_web_url(draw.web_url);
    link->set_amp_url(draw.amp_url);
    link->set_cdn_amp_url(draw.cdn_amp_url);
    link->set_type(draw.type);
    BuildProvider(draw.provider, link->mutable_provider());
    link->set_quality(draw.quality);
    BuildImages(draw.images, link->mutable_images());
    if (draw.sponsored) {
      google::protobuf::Value value;
      value.set_bool_value(false);
      (*link->mutable_extra_fields()->mutable_fields())["sponsored"] = value;
    }
  }
  article.set_secured(doc.secured);
  BuildExtras(doc, &article);
  article.set_body(doc.crlf ? absl::StrReplaceAll(doc.body, {{"\n", "\r\n"}})
                            : doc.body);
  return article;
}

std::string FileName(int index) {
  return absl::StrFormat("%04d/%08d.txt", index / 1000, index);
}

}  // namespace

std::string YamlQuote(absl::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  // Bytes that need no escape are copied in runs.
  size_t run = 0;
  const auto flush = [&](size_t i) { out.append(text.data() + run, i - run); };
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c < 0x80) {
      flush(i);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\t':
          out.append("\\t");
          break;
        case '\r':
          out.append("\\r");
          break;
        default:
          AppendHexEscape(&out, 'x', c, 2);
      }
      run = ++i;
      continue;
    }
    uint32_t cp;
    int length;
    if (!DecodeUtf8(text.substr(i), &cp, &length)) {
      flush(i);
      AppendHexEscape(&out, 'u', 0xFFFD, 4);
      run = ++i;
      continue;
    }
    if (NeedsEscape(cp)) {
      flush(i);
      AppendHexEscape(&out, 'u', cp, 4);
      run = i + length;
    }
    i += length;
  }
  flush(text.size());
  out.push_back('"');
  return out;
}

SeedDocument GenerateSeed(const CorpusOptions& options, int index) {
  SeedDocument document;
  document.file_name = FileName(index);
  document.content = WriteSeed(DrawDocument(options, index));
  return document;
}

newsmeta::v1::Article GenerateArticle(const CorpusOptions& options, int index) {
  return BuildArticle(DrawDocument(options, index), FileName(index));
}

absl::Status WriteCorpus(const CorpusOptions& options,
                         const std::string& out_dir, CorpusStats* stats) {
  namespace fs = std::filesystem;
  CorpusStats written;
  const auto finish = [&](absl::Status status) {
    if (stats != nullptr) *stats = written;
    return status;
  };
  if (options.count < 0) {
    return finish(absl::InvalidArgumentError(
        absl::StrCat("corpus size must not be negative, got ", options.count)));
  }
  const fs::path root(out_dir);
  std::error_code error;
  fs::create_directories(root, error);
  if (error) {
    return finish(absl::InternalError(absl::StrCat(
        "cannot create folder \"", out_dir, "\": ", error.message())));
  }
  std::string folder;
  for (int index = 0; index < options.count; ++index) {
    const SeedDocument document = GenerateSeed(options, index);
    const fs::path path = root / document.file_name;
    const std::string parent = path.parent_path().string();
    if (parent != folder) {
      fs::create_directories(parent, error);
      if (error) {
        return finish(absl::InternalError(absl::StrCat(
            "cannot create folder \"", parent, "\": ", error.message())));
      }
      folder = parent;
    }
    const std::string file = path.string();
    std::FILE* stream = std::fopen(file.c_str(), "wb");
    if (stream == nullptr) {
      return finish(absl::InternalError(
          absl::StrCat("cannot write \"", file, "\": ", std::strerror(errno))));
    }
    const size_t size = document.content.size();
    const bool wrote =
        std::fwrite(document.content.data(), 1, size, stream) == size;
    const int write_errno = errno;
    const bool closed = std::fclose(stream) == 0;
    if (!wrote || !closed) {
      return finish(absl::InternalError(
          absl::StrCat("cannot write \"", file,
                       "\": ", std::strerror(wrote ? errno : write_errno))));
    }
    ++written.files;
    written.bytes += static_cast<int64_t>(size);
  }
  return finish(absl::OkStatus());
}

}  // namespace newsmeta
