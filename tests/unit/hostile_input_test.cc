// Hostile input through the parsers, in process: every file of the hostile
// seed corpus (tests/data/bad_seeds/), YAML alias expansion, and the inputs
// the fuzzers (fuzz/) found, each kept as a regression test.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "filter/filter.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loader/seed_parser.h"
#include "newsmeta/v1/article.pb.h"
#include "text/text_query.h"

namespace newsmeta {
namespace {

using ::testing::StartsWith;

constexpr char kCorpus[] = NEWSMETA_SOURCE_DIR "/tests/data/bad_seeds";

// Files of the corpus that parse: the good ones, one using YAML's \N and \_
// escapes, and one whose URL another file already has (the catalog, not the
// parser, refuses it).
bool Parses(const std::string& file) {
  return absl::StartsWith(file, "good_") || file == "yaml_escapes.txt" ||
         file == "url_taken_by_good_2.txt";
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::vector<std::string> CorpusFiles() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(kCorpus)) {
    files.push_back(entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// What an accepted seed's article may weigh: SeedLimits::max_expanded_bytes
// (what YAML aliases may expand a seed to) plus kMaxGrowth times the bytes of
// its file. Without aliases an article is about as large as its file; with
// them it must stay under the budget (fuzz/seed_parser_fuzzer.cc checks the
// same bound).
constexpr size_t kMaxGrowth = 64;

// ParseSeed either rejects `content` cleanly or gives an article within the
// growth bound.
void ExpectRejectedOrBounded(const std::string& content,
                             const std::string& file) {
  const absl::StatusOr<v1::Article> article = ParseSeed(content, file);
  if (!article.ok()) {
    EXPECT_TRUE(absl::IsInvalidArgument(article.status()));
    EXPECT_THAT(std::string(article.status().message()), StartsWith(file));
    return;
  }
  EXPECT_LE(article->ByteSizeLong(),
            static_cast<size_t>(SeedLimits().max_expanded_bytes) +
                kMaxGrowth * content.size())
      << file << ": " << content.size() << " bytes became an article of "
      << article->ByteSizeLong() << " bytes";
}

class HostileSeedCorpusTest : public ::testing::TestWithParam<std::string> {};

TEST_P(HostileSeedCorpusTest, BadFilesAreRejectedNamingTheFile) {
  const std::string& file = GetParam();
  const std::string content = ReadFile(std::filesystem::path(kCorpus) / file);
  const absl::StatusOr<v1::Article> article = ParseSeed(content, file);
  if (Parses(file)) {
    ASSERT_TRUE(article.ok()) << article.status();
    v1::Article again;
    EXPECT_TRUE(again.ParseFromString(article->SerializeAsString()))
        << file << " gave an article whose wire form does not parse";
    return;
  }
  ASSERT_FALSE(article.ok())
      << file << " was accepted: an article of " << article->ByteSizeLong()
      << " bytes from a file of " << content.size() << " bytes";
  EXPECT_TRUE(absl::IsInvalidArgument(article.status())) << article.status();
  EXPECT_THAT(std::string(article.status().message()), StartsWith(file + ":"));
}

INSTANTIATE_TEST_SUITE_P(Corpus, HostileSeedCorpusTest,
                         ::testing::ValuesIn(CorpusFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!absl::ascii_isalnum(c)) c = '_';
                           }
                           return name;
                         });

std::string SeedWith(absl::string_view fields) {
  return absl::StrCat(
      "---\ntitle: t\npublishedDateTime: 2023-07-24T09:05:00Z\n"
      "originalUrl: \"https://example.com/a\"\n",
      fields, "---\n");
}

std::string Aliases(absl::string_view anchor, int count) {
  return absl::StrJoin(
      std::vector<std::string>(count, absl::StrCat("*", anchor)), ", ");
}

// Issue 7: a long scalar used many times through an alias, in a field the
// schema does not know. 5,000 values is within SeedLimits::max_extra_values,
// but 40 KB of YAML became 100 MB.
TEST(HostileInputTest, AliasedLongScalarInUnknownFieldStaysBounded) {
  const std::string big(20000, 'x');
  ExpectRejectedOrBounded(
      SeedWith(absl::StrCat("big: &b \"", big, "\"\n", "copies: [",
                            Aliases("b", 5000), "]\n")),
      "long_string.txt");
}

// The same through `topics`, which no value limit covered.
TEST(HostileInputTest, AliasedLongScalarInTopicsStaysBounded) {
  const std::string big(20000, 'x');
  ExpectRejectedOrBounded(
      SeedWith(absl::StrCat("big: &b \"", big, "\"\n", "topics: [",
                            Aliases("b", 5000), "]\n")),
      "topics.txt");
}

// Known fields only: related links sharing one list of images through
// aliases multiply (links x images x URL bytes); 6 KB became 80 MB.
TEST(HostileInputTest, SharedImagesInSharedRelatedLinksStayBounded) {
  const std::string image = absl::StrCat("{url: \"https://example.com/",
                                         std::string(200, 'p'), "\"}");
  ExpectRejectedOrBounded(
      SeedWith(absl::StrCat("images: &imgs [&img ", image, ", ",
                            Aliases("img", 599), "]\n",
                            "related: [&l {title: r, images: *imgs}, ",
                            Aliases("l", 599), "]\n")),
      "known_fields.txt");
}

// Map keys are copied with every alias of their map too: a 20,000-byte key
// in a map used 4,000 times (36 KB of YAML) became an 80 MB article while
// only values counted against the expansion budget.
TEST(HostileInputTest, AliasedLongKeysStayBounded) {
  const std::string key(20000, 'k');
  ExpectRejectedOrBounded(
      SeedWith(absl::StrCat("m: &m\n  ? ", key, "\n  : 1\ncopies: [",
                            Aliases("m", 4000), "]\n")),
      "long_key.txt");
  ExpectRejectedOrBounded(
      SeedWith(absl::StrCat("images: [&i {url: \"https://example.com/i\", ? ",
                            key, " : 1}, ", Aliases("i", 4000), "]\n")),
      "long_image_key.txt");
}

// Nesting past yaml-cpp's own depth guard (500 nodes deep in Debian's
// yaml-cpp 0.7) is refused, not a stack overflow, and named as nesting: the
// guard's own message is "bad file".
TEST(HostileInputTest, NestingPastTheParserGuardIsRejectedAsNesting) {
  std::string block = "deep:\n";
  for (int i = 1; i < 600; ++i) {
    absl::StrAppend(&block, std::string(2 * i, ' '), "k:\n");
  }
  for (const std::string& deep :
       {absl::StrCat("deep: ", std::string(100000, '['),
                     std::string(100000, ']'), "\n"),
        block}) {
    const absl::StatusOr<v1::Article> article =
        ParseSeed(SeedWith(deep), "deep.txt");
    ASSERT_FALSE(article.ok());
    EXPECT_TRUE(absl::IsInvalidArgument(article.status()));
    EXPECT_THAT(std::string(article.status().message()),
                ::testing::MatchesRegex("deep\\.txt:[0-9]+:[0-9]+: YAML "
                                        "nesting deeper than 499 levels .*"));
  }
}

// An anchor whose own value uses it: a cycle, cut by the depth limit.
TEST(HostileInputTest, SelfReferentialAliasIsRejected) {
  for (const char* fields : {"loop: &a [1, *a]\n", "loop: &a {k: *a}\n",
                             "provider: &p {name: n, more: *p}\n"}) {
    const absl::StatusOr<v1::Article> article =
        ParseSeed(SeedWith(fields), "cycle.txt");
    EXPECT_FALSE(article.ok()) << fields;
    EXPECT_TRUE(absl::IsInvalidArgument(article.status())) << fields;
  }
}

// Found by seed_parser_fuzzer: yaml-cpp 0.7 turns the YAML escapes \N
// (U+0085) and \_ (U+00A0) of double-quoted scalars into the single bytes
// 0x85 and 0xA0, not their UTF-8, and takes a NUL byte outside quotes as the
// start of an escape (`<NUL>N` gave "\x85 ", `a<NUL>b` "a\b"). Such a string
// (a title, an extra field's key or value) made the article's wire form
// unparsable, so every page holding it failed in clients (C++: UNIMPLEMENTED
// "No message returned", Python: INTERNAL "Exception deserializing
// response"). The escapes now give UTF-8; a NUL byte, which YAML does not
// allow, is refused with its line and column.
TEST(HostileInputTest, YamlEscapesAndNulGiveNoInvalidUtf8) {
  const absl::StatusOr<v1::Article> article =
      ParseSeed(SeedWith("excerpt: \"caf\\_\\N \\x85\\xA0\\u00e9 \\L\\0\"\n"
                         "\"\\_\": \"\\N\"\n"
                         "k: [\"\\N\", {\"\\_\\N\": \"\\N\\_\"}]\n"),
                "escape.txt");
  ASSERT_TRUE(article.ok()) << article.status();
  EXPECT_EQ(article->excerpt(),
            std::string("caf\u00a0\u0085 \u0085\u00a0\u00e9 \u2028\0", 19));
  const auto& extra = article->extra_fields().fields();
  ASSERT_EQ(extra.count("\u00a0"), 1u);
  EXPECT_EQ(extra.at("\u00a0").string_value(), "\u0085");
  ASSERT_EQ(extra.count("k"), 1u);
  const auto& list = extra.at("k").list_value();
  ASSERT_EQ(list.values_size(), 2);
  EXPECT_EQ(list.values(0).string_value(), "\u0085");
  EXPECT_EQ(
      list.values(1).struct_value().fields().at("\u00a0\u0085").string_value(),
      "\u0085\u00a0");
  v1::Article again;
  EXPECT_TRUE(again.ParseFromString(article->SerializeAsString()));

  for (const std::string& fields :
       {std::string("k: \0N\n", 6), std::string("\0N\n", 3),
        std::string("k: [\0N]\n", 8), std::string("k: \"a\0b\"\n", 9),
        std::string("k: |\n  a\0b\n", 11)}) {
    const absl::StatusOr<v1::Article> nul =
        ParseSeed(SeedWith(fields), "nul.txt");
    ASSERT_FALSE(nul.ok()) << absl::CHexEscape(fields);
    EXPECT_TRUE(absl::IsInvalidArgument(nul.status()));
    EXPECT_THAT(std::string(nul.status().message()),
                ::testing::MatchesRegex("nul\\.txt:[56]:[0-9]+: invalid YAML: "
                                        "a NUL byte .*"))
        << absl::CHexEscape(fields);
  }
  // The line and column are the NUL's: line 5 of the file, column 6.
  EXPECT_THAT(std::string(ParseSeed(SeedWith(std::string("k: \"a\0b\"\n", 9)),
                                    "nul.txt")
                              .status()
                              .message()),
              StartsWith("nul.txt:5:6: "));
}

// Found by seed_parser_fuzzer: `publishedDateTime:` without a value set the
// time to 1970-01-01T00:00:00Z instead of leaving it unset, so a seed with
// no time was accepted. Without a value the key is absent (README, Seed
// documents), and the article's time is required.
TEST(HostileInputTest, PublishedDateTimeWithoutValueIsMissing) {
  const absl::StatusOr<v1::Article> article = ParseSeed(
      "---\ntitle: t\npublishedDateTime:\n"
      "originalUrl: \"https://example.com/a\"\n---\n",
      "no_time.txt");
  ASSERT_FALSE(article.ok()) << article->DebugString();
  EXPECT_THAT(std::string(article.status().message()),
              ::testing::HasSubstr("field 'publishedDateTime' is required"));

  const absl::StatusOr<v1::Article> with_link =
      ParseSeed(SeedWith("related:\n  - title: r\n    publishedDateTime: ~\n"),
                "link.txt");
  ASSERT_TRUE(with_link.ok()) << with_link.status();
  ASSERT_EQ(with_link->related_size(), 1);
  EXPECT_FALSE(with_link->related(0).has_publish_time());
}

// Deep filters (within the 4096-byte limit) and long texts are refused by
// their limits, not by the stack.
TEST(HostileInputTest, DeepFiltersAreRejectedWithoutRecursion) {
  for (const std::string& filter :
       {std::string(2000, '(') + "quality = 1" + std::string(2000, ')'),
        std::string(4000, '-') + "quality = 1",
        absl::StrJoin(std::vector<std::string>(1000, "NOT"), " ") +
            " quality = 1"}) {
    const absl::StatusOr<FilterExpr> expr = ParseFilter(filter);
    EXPECT_FALSE(expr.ok());
    EXPECT_TRUE(absl::IsInvalidArgument(expr.status())) << expr.status();
  }
  EXPECT_FALSE(ParseTextQuery(std::string(5000, '"')).ok());
}

}  // namespace
}  // namespace newsmeta
