#include "gen_seeds/corpus.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "loader/seed_loader.h"
#include "loader/seed_parser.h"
#include "newsmeta/v1/article.pb.h"
#include "test_util.h"
#include "util/utf8.h"

namespace newsmeta {
namespace {

namespace fs = std::filesystem;

using ::google::protobuf::util::MessageDifferencer;
using ::newsmeta::v1::Article;
using ::testing::AllOf;
using ::testing::Ge;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Le;
using ::testing::Not;
using ::testing::SizeIs;

// 2021-01-01T00:00:00Z and 2025-01-01T00:00:00Z.
constexpr int64_t kFirstSecond = 1609459200;
constexpr int64_t kEndSecond = 1735689600;

constexpr int kCorpusSize = 3000;

CorpusOptions Options(int count, uint64_t seed) {
  CorpusOptions options;
  options.count = count;
  options.seed = seed;
  return options;
}

// The documents of Options(kCorpusSize, 1) and what ParseSeed made of them;
// made once, shared by the tests that only read it.
struct ParsedCorpus {
  std::vector<SeedDocument> documents;
  // Parallel to `documents`; default for documents that were rejected.
  std::vector<Article> articles;
  std::vector<std::string> rejections;
};

const ParsedCorpus& Corpus() {
  static const ParsedCorpus* const corpus = [] {
    auto* parsed = new ParsedCorpus;
    const CorpusOptions options = Options(kCorpusSize, 1);
    for (int index = 0; index < options.count; ++index) {
      SeedDocument document = GenerateSeed(options, index);
      absl::StatusOr<Article> article =
          ParseSeed(document.content, document.file_name);
      if (article.ok()) {
        parsed->articles.push_back(*std::move(article));
      } else {
        parsed->articles.emplace_back();
        parsed->rejections.push_back(std::string(article.status().message()));
      }
      parsed->documents.push_back(std::move(document));
    }
    return parsed;
  }();
  return *corpus;
}

// The text after the first "publishedDateTime: " (the article's own; related
// links come later in the document), up to the end of the line.
std::string PublishedText(absl::string_view content) {
  constexpr absl::string_view kKey = "\npublishedDateTime: ";
  const size_t start = content.find(kKey);
  if (start == content.npos) return "";
  const size_t value = start + kKey.size();
  const size_t end = content.find_first_of("\r\n", value);
  return std::string(content.substr(value, end - value));
}

bool HasNonAscii(absl::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x80;
  });
}

// 64-bit FNV-1a.
uint64_t Fingerprint(absl::string_view bytes, uint64_t hash) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001B3ULL;
  }
  return hash;
}

TEST(CorpusTest, SameOptionsGiveIdenticalBytesInAnyOrder) {
  const CorpusOptions options = Options(500, 42);
  std::vector<SeedDocument> forward;
  for (int index = 0; index < options.count; ++index) {
    forward.push_back(GenerateSeed(options, index));
  }
  // Backwards, so hidden state carried from one document to the next shows.
  for (int index = options.count - 1; index >= 0; --index) {
    const SeedDocument again = GenerateSeed(options, index);
    EXPECT_EQ(again.file_name, forward[index].file_name);
    ASSERT_EQ(again.content, forward[index].content) << "document " << index;
  }
}

// The generator uses no std:: distributions and no floating point, so these
// bytes are the same on every machine. When the generator is changed on
// purpose, update the constant (the failure message prints the new one).
TEST(CorpusTest, MatchesTheRecordedFingerprint) {
  const CorpusOptions options = Options(1000, 1);
  uint64_t hash = 0xCBF29CE484222325ULL;
  for (int index = 0; index < 100; ++index) {
    const SeedDocument document = GenerateSeed(options, index);
    hash = Fingerprint(document.file_name, hash);
    hash = Fingerprint(document.content, hash);
  }
  EXPECT_EQ(hash, 0xEF56A3E816DB1628ULL)
      << "new fingerprint: 0x" << std::hex << hash;
}

TEST(CorpusTest, DifferentSeedsGiveDifferentDocuments) {
  int same = 0;
  for (int index = 0; index < 200; ++index) {
    if (GenerateSeed(Options(200, 1), index).content ==
        GenerateSeed(Options(200, 2), index).content) {
      ++same;
    }
  }
  EXPECT_EQ(same, 0);
}

TEST(CorpusTest, FileNamesFollowIndexOrderWithAtMostAThousandPerFolder) {
  const CorpusOptions options = Options(2500, 1);
  std::map<std::string, int> per_folder;
  std::string previous;
  for (int index = 0; index < options.count; ++index) {
    const std::string name = GenerateSeed(options, index).file_name;
    EXPECT_LT(previous, name) << "index " << index;
    const size_t slash = name.find('/');
    ASSERT_NE(slash, std::string::npos) << name;
    EXPECT_TRUE(absl::EndsWith(name, ".txt")) << name;
    ++per_folder[name.substr(0, slash)];
    previous = name;
  }
  EXPECT_EQ(GenerateSeed(options, 1234).file_name, "0001/00001234.txt");
  EXPECT_THAT(per_folder, SizeIs(3));
  for (const auto& [folder, files] : per_folder) {
    EXPECT_LE(files, 1000) << folder;
  }
}

TEST(CorpusTest, EveryDocumentParses) {
  const ParsedCorpus& corpus = Corpus();
  EXPECT_THAT(corpus.rejections, IsEmpty());
  absl::flat_hash_set<std::string> urls;
  for (size_t i = 0; i < corpus.documents.size(); ++i) {
    const std::string& content = corpus.documents[i].content;
    EXPECT_TRUE(IsValidUtf8(content)) << corpus.documents[i].file_name;
    const Article& article = corpus.articles[i];
    SCOPED_TRACE(corpus.documents[i].file_name);
    EXPECT_FALSE(article.title().empty());
    EXPECT_TRUE(absl::StartsWith(article.original_url(), "https://"));
    EXPECT_TRUE(absl::StartsWith(article.web_url(), "https://"));
    EXPECT_TRUE(urls.insert(article.original_url()).second)
        << "duplicate " << article.original_url();
    EXPECT_FALSE(article.provider().name().empty());
    EXPECT_FALSE(article.provider().domain().empty());
    EXPECT_THAT(article.topics(), SizeIs(AllOf(Ge(1), Le(5))));
    EXPECT_THAT(article.images(), SizeIs(Le(3)));
    EXPECT_THAT(article.related(), SizeIs(Le(8)));
    EXPECT_THAT(article.quality(), AllOf(Ge(0), Le(100)));
    EXPECT_THAT(article.heat(), AllOf(Ge(-1), Le(1000)));
    EXPECT_THAT(article.publish_time().seconds(),
                AllOf(Ge(kFirstSecond), Le(kEndSecond - 1)));
    EXPECT_GE(article.secured().size(), 64u);
    EXPECT_EQ(article.secured().find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                  "0123456789+/="),
              std::string::npos)
        << article.secured();
  }
}

TEST(CorpusTest, FieldsVaryAcrossTheCorpus) {
  const ParsedCorpus& corpus = Corpus();
  std::set<int> related_counts;
  std::set<int> image_counts;
  int published = 0;
  int never_rated = 0;
  int amp_links = 0;
  int with_body = 0;
  int without_excerpt = 0;
  for (const Article& article : corpus.articles) {
    related_counts.insert(article.related_size());
    image_counts.insert(article.images_size());
    published += article.published() ? 1 : 0;
    never_rated += article.heat() == -1 ? 1 : 0;
    with_body += article.body().empty() ? 0 : 1;
    without_excerpt += article.excerpt().empty() ? 1 : 0;
    for (const auto& link : article.related()) {
      amp_links += link.amp_url().empty() || link.cdn_amp_url().empty() ? 0 : 1;
    }
  }
  EXPECT_THAT(related_counts, SizeIs(9));  // 0 to 8
  EXPECT_THAT(image_counts, SizeIs(4));    // 0 to 3
  EXPECT_GT(published, kCorpusSize / 2);
  EXPECT_LT(published, kCorpusSize);
  EXPECT_GT(never_rated, 0);
  EXPECT_LT(never_rated, kCorpusSize / 2);
  EXPECT_GT(amp_links, 0);
  EXPECT_GT(with_body, 0);
  EXPECT_GT(without_excerpt, 0);
}

TEST(CorpusTest, TopicsAreManyAndSkewed) {
  absl::flat_hash_map<std::string, int> counts;
  for (const Article& article : Corpus().articles) {
    for (const std::string& topic : article.topics()) ++counts[topic];
  }
  EXPECT_GE(counts.size(), 250u);
  std::vector<int> frequencies;
  for (const auto& [topic, count] : counts) frequencies.push_back(count);
  std::sort(frequencies.rbegin(), frequencies.rend());
  const int top = frequencies.front();
  const int median = frequencies[frequencies.size() / 2];
  EXPECT_GE(top, 10 * median) << "top " << top << ", median " << median;

  int non_ascii = 0;
  int multi_word = 0;
  for (const auto& [topic, count] : counts) {
    non_ascii += HasNonAscii(topic) ? 1 : 0;
    multi_word += absl::StrContains(topic, ' ') ? 1 : 0;
  }
  EXPECT_GE(non_ascii, 10);
  EXPECT_GE(multi_word, 10);
  EXPECT_TRUE(counts.contains("Économie"));
  EXPECT_TRUE(counts.contains("Énergie solaire"));
  EXPECT_TRUE(counts.contains("AI Hardware"));
}

TEST(CorpusTest, ProvidersAreManyAndSomeNamesAreNotAscii) {
  absl::flat_hash_map<std::string, int> counts;
  int non_ascii = 0;
  for (const Article& article : Corpus().articles) {
    if (++counts[article.provider().domain()] == 1 &&
        HasNonAscii(article.provider().name())) {
      ++non_ascii;
    }
  }
  EXPECT_GE(counts.size(), 100u);
  EXPECT_GE(non_ascii, 5);
}

TEST(CorpusTest, TimesUseVariedOffsetsAndSometimesFractions) {
  const ParsedCorpus& corpus = Corpus();
  std::map<std::string, int> suffixes;
  int fractional_text = 0;
  int fractional_time = 0;
  std::set<int64_t> years;
  for (size_t i = 0; i < corpus.documents.size(); ++i) {
    const std::string text = PublishedText(corpus.documents[i].content);
    ASSERT_GE(text.size(), 20u) << corpus.documents[i].file_name;
    suffixes[text.back() == 'Z' ? "Z" : text.substr(text.size() - 6)]++;
    fractional_text += text.find('.') != std::string::npos ? 1 : 0;
    fractional_time += corpus.articles[i].publish_time().nanos() != 0 ? 1 : 0;
    years.insert(
        absl::ToCivilYear(
            absl::FromUnixSeconds(corpus.articles[i].publish_time().seconds()),
            absl::UTCTimeZone())
            .year());
  }
  for (const char* suffix : {"Z", "+02:00", "-05:00", "+05:30", "+00:00"}) {
    EXPECT_GT(suffixes[suffix], 0) << suffix;
  }
  EXPECT_GE(suffixes.size(), 10u);
  EXPECT_GT(fractional_text, kCorpusSize / 50);
  EXPECT_GT(fractional_time, kCorpusSize / 50);
  EXPECT_THAT(years, SizeIs(4));
}

TEST(CorpusTest, ManyArticlesShareTheSameSecond) {
  absl::flat_hash_map<int64_t, int> per_second;
  for (const Article& article : Corpus().articles) {
    ++per_second[article.publish_time().seconds()];
  }
  int tied_articles = 0;
  int largest_group = 0;
  for (const auto& [second, count] : per_second) {
    if (count > 1) tied_articles += count;
    largest_group = std::max(largest_group, count);
  }
  EXPECT_GE(tied_articles, kCorpusSize / 20);
  EXPECT_GE(largest_group, 3);
}

TEST(CorpusTest, SomeRelatedLinksPointAtOtherArticles) {
  const ParsedCorpus& corpus = Corpus();
  absl::flat_hash_map<std::string, size_t> by_url;
  for (size_t i = 0; i < corpus.articles.size(); ++i) {
    by_url[corpus.articles[i].original_url()] = i;
  }
  int internal = 0;
  for (size_t i = 0; i < corpus.articles.size(); ++i) {
    for (const auto& link : corpus.articles[i].related()) {
      const auto it = by_url.find(link.web_url());
      if (it == by_url.end()) continue;
      ++internal;
      const Article& target = corpus.articles[it->second];
      EXPECT_NE(it->second, i) << "links to itself: " << link.web_url();
      EXPECT_EQ(link.title(), target.title());
      EXPECT_EQ(link.publish_time().seconds(), target.publish_time().seconds());
      EXPECT_EQ(link.provider().domain(), target.provider().domain());
    }
  }
  EXPECT_GE(internal, 50);
}

TEST(CorpusTest, UnknownKeysLandInExtraFields) {
  int language = 0;
  int nested = 0;
  int provider_extra = 0;
  for (const Article& article : Corpus().articles) {
    const auto& fields = article.extra_fields().fields();
    if (const auto it = fields.find("language"); it != fields.end()) {
      EXPECT_FALSE(it->second.string_value().empty());
      ++language;
    }
    if (const auto it = fields.find("analytics"); it != fields.end()) {
      const auto& analytics = it->second.struct_value().fields();
      ASSERT_TRUE(analytics.contains("pipeline"));
      const auto& pipeline = analytics.at("pipeline").struct_value().fields();
      ASSERT_TRUE(pipeline.contains("traceId"));
      // Too large for a double, so kept as a string.
      EXPECT_FALSE(pipeline.at("traceId").string_value().empty());
      ++nested;
    }
    provider_extra += article.provider().extra_fields().fields_size() > 0;
  }
  EXPECT_GT(language, 0);
  EXPECT_GT(nested, 0);
  EXPECT_GT(provider_extra, 0);
}

// Empty when `expected` and `actual` are equal; otherwise what differs.
std::string Differences(const Article& expected, const Article& actual) {
  std::string report;
  MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&report);
  if (differencer.Compare(expected, actual)) return "";
  return report.empty() ? "(messages differ)" : report;
}

TEST(CorpusTest, GenerateArticleIsWhatTheLoaderParses) {
  const ParsedCorpus& corpus = Corpus();
  ASSERT_THAT(corpus.rejections, IsEmpty());
  const CorpusOptions options = Options(kCorpusSize, 1);
  // Every kind of document is among them: the checks below would be vacuous
  // without CRLF line ends, bodies, unknown keys and related links.
  int crlf = 0;
  int bodies = 0;
  int extras = 0;
  int related = 0;
  for (int index = 0; index < options.count; ++index) {
    const Article generated = GenerateArticle(options, index);
    ASSERT_EQ(Differences(corpus.articles[index], generated), "")
        << corpus.documents[index].file_name;
    crlf += absl::StrContains(corpus.documents[index].content, "\r\n");
    bodies += !generated.body().empty();
    extras += generated.has_extra_fields();
    related += generated.related_size() > 0;
  }
  EXPECT_GT(crlf, 0);
  EXPECT_GT(bodies, 0);
  EXPECT_GT(extras, 0);
  EXPECT_GT(related, 0);
}

TEST(CorpusTest, GenerateArticleMatchesTheLoaderInALargeCorpus) {
  // The corpus size changes shared instants and related links' targets.
  const CorpusOptions options = Options(1000000, 7);
  for (int index = 0; index < options.count; index += 3331) {
    const SeedDocument document = GenerateSeed(options, index);
    absl::StatusOr<Article> parsed =
        ParseSeed(document.content, document.file_name);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    ASSERT_EQ(Differences(*parsed, GenerateArticle(options, index)), "")
        << document.file_name;
  }
}

// The comparisons above can fail: any change shows, and so does an empty
// message field where ParseSeed leaves none.
TEST(CorpusTest, DifferencesSeesEveryChange) {
  const Article article = GenerateArticle(Options(100, 3), 5);
  EXPECT_EQ(Differences(article, article), "");
  Article retitled = article;
  retitled.set_title("Another title");
  EXPECT_THAT(Differences(article, retitled), HasSubstr("title"));
  Article without = article;
  without.mutable_provider()->clear_extra_fields();
  Article with_empty = without;
  with_empty.mutable_provider()->mutable_extra_fields();
  EXPECT_THAT(Differences(without, with_empty), Not(IsEmpty()));
}

TEST(CorpusTest, WriteCorpusWritesFilesTheLoaderLoads) {
  TempFolder folder;
  const fs::path root = folder.path() / "corpus";
  const CorpusOptions options = Options(1500, 7);
  CorpusStats stats;
  ASSERT_TRUE(WriteCorpus(options, root.string(), &stats).ok());
  EXPECT_EQ(stats.files, options.count);

  int64_t bytes = 0;
  for (const auto& entry : fs::directory_iterator(root)) {
    ASSERT_TRUE(entry.is_directory()) << entry.path();
    const auto files = std::distance(fs::directory_iterator(entry.path()),
                                     fs::directory_iterator());
    EXPECT_LE(files, 1000) << entry.path();
  }
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) bytes += entry.file_size();
  }
  EXPECT_EQ(stats.bytes, bytes);

  // What is on disk is what GenerateSeed makes.
  const SeedDocument sample = GenerateSeed(options, 1234);
  std::ifstream in(root / sample.file_name, std::ios::binary);
  const std::string on_disk((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
  EXPECT_EQ(on_disk, sample.content);

  absl::StatusOr<LoadResult> loaded = LoadSeedFolder(root.string());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  std::vector<std::string> rejections;
  for (const absl::Status& rejection : loaded->rejections) {
    rejections.push_back(std::string(rejection.message()));
  }
  EXPECT_THAT(rejections, IsEmpty());
  EXPECT_THAT(loaded->articles, SizeIs(options.count));
}

TEST(CorpusTest, WriteCorpusNamesThePathItCannotCreate) {
  TempFolder folder;
  const fs::path blocker = folder.path() / "blocker";
  std::ofstream(blocker) << "a file, not a folder";
  const std::string out_dir = (blocker / "corpus").string();
  const absl::Status status = WriteCorpus(Options(3, 1), out_dir);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr(out_dir));
}

// A minimal seed whose excerpt is `quoted`.
std::string SeedWithExcerpt(absl::string_view quoted) {
  return absl::StrCat(
      "---\n"
      "title: t\n"
      "publishedDateTime: 2023-01-01T00:00:00Z\n"
      "originalUrl: \"https://example.com/a\"\n"
      "excerpt: ",
      quoted, "\n---\n");
}

TEST(CorpusTest, YamlQuoteReadsBackUnchanged) {
  const std::vector<std::string> texts = {
      "",
      "plain",
      "say \"hi\"",
      "back\\slash",
      "C:\\\\share\\",
      "¯\\_(ツ)_/¯",
      "tab\there",
      "two\nlines",
      "crlf\r\n",
      "- dash",
      "# hash",
      "key: value",
      "&anchor",
      "*alias",
      "{flow: map}",
      "[flow, list]",
      "null",
      "~",
      "true",
      "'single'",
      "  spaces around  ",
      "%percent @at `tick` |pipe >fold",
      "Économie",
      "東京 Москва Αθήνα",
      "🚀",
      std::string("nul\0byte", 8),
      "\x01\x1f\x7f",
      "line\u2028separator\u2029",
      "next\u0085line\u00a0nbsp",
      "\xEF\xBB\xBF"
      "bom",
  };
  for (const std::string& text : texts) {
    const std::string quoted = YamlQuote(text);
    EXPECT_TRUE(IsValidUtf8(quoted)) << quoted;
    absl::StatusOr<Article> article =
        ParseSeed(SeedWithExcerpt(quoted), "quote.txt");
    ASSERT_TRUE(article.ok()) << quoted << ": " << article.status();
    EXPECT_EQ(article->excerpt(), text) << quoted;
  }
}

TEST(CorpusTest, YamlQuoteReplacesInvalidUtf8) {
  const std::string quoted = YamlQuote("bad \xFF byte \xC3");
  EXPECT_TRUE(IsValidUtf8(quoted)) << quoted;
  absl::StatusOr<Article> article =
      ParseSeed(SeedWithExcerpt(quoted), "quote.txt");
  ASSERT_TRUE(article.ok()) << article.status();
  EXPECT_EQ(article->excerpt(), "bad \uFFFD byte \uFFFD");
}

}  // namespace
}  // namespace newsmeta
