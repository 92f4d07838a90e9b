// ScanBlockYaml against yaml-cpp's own parser: whatever the scanner reads, it
// must emit the very events (kinds, tags, marks, values) YAML::Parser emits
// for the same text; hand-picked cases, the generated corpus, random mutations
// of it and the hostile seeds.
#include "loader/block_yaml_scanner.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gen_seeds/corpus.h"
#include "gtest/gtest.h"
#include "lib/yaml_event_log.h"
#include "loader/front_matter.h"

namespace newsmeta {
namespace {

// The scanner's events, or nullopt when it gives up.
std::optional<std::vector<std::string>> ScannerEvents(const std::string& yaml) {
  YamlEventLog log;
  if (!ScanBlockYaml(yaml, &log)) return std::nullopt;
  return log.events();
}

// Checks that where the scanner reads `yaml`, yaml-cpp reads it too, to the
// same events. Returns whether the scanner read it.
bool ExpectAgreement(const std::string& yaml, const std::string& what) {
  const std::optional<std::vector<std::string>> scanned = ScannerEvents(yaml);
  if (!scanned.has_value()) return false;
  const std::optional<std::vector<std::string>> expected = YamlCppEvents(yaml);
  if (!expected.has_value()) {
    ADD_FAILURE() << what << ": the scanner read what yaml-cpp refuses:\n"
                  << yaml;
    return true;
  }
  EXPECT_EQ(absl::StrJoin(*scanned, "\n"), absl::StrJoin(*expected, "\n"))
      << what << ":\n"
      << yaml;
  return true;
}

TEST(BlockYamlScannerTest, ReadsTheSubsetAsYamlCppDoes) {
  const std::vector<std::string> documents = {
      "title: Hello\n",
      "title: Hello",
      "a: 1\nb: -1\nc: 2023-07-24T09:05:00Z\nd: 0.5\ne: true\n",
      "title:    spaced out   \nnext: x\n",
      "\n\n  \ntitle: after blank lines\n\n   \nnext: y\n\n",
      "t: \"quoted \\\"x\\\" \\\\ \\/ \\n \\t \\r\"\n",
      "t: \"\\x41\\u00e9\\u20ac\\x00\\u0000\"  \n",
      "t: \"\"\nu: \"  inner  spaces  \"\n",
      "t: \"caf\xC3\xA9 \xE2\x80\x99 \xF0\x9F\x98\x80\"\n",
      "name: Caf\xC3\xA9 Times\n",
      "a: x\xC2\xA0\nb: \xC2\xA0y\nc: \"\xC2\xA0\"\n",
      "n: null\nm: ~\no: Null\np: NULL\nq: nulls\n",
      "url: http://example.com/a?b=c&d=e\nk: a:b\nl: x'y\"z\n",
      "provider:\n  name: X\n  domain: x.com\nnext: 1\n",
      "topics:\n  - AI\n  - Machine learning\n  - \"quoted\"\n  - -1\n",
      "images:\n  - url: \"u\"\n    width: 1\n  - url: v\n    height: 2\n"
      "after: 3\n",
      "related:\n  - title: \"t\"\n    provider:\n      name: P\n"
      "    images:\n      - url: \"i\"\n        isCached: true\n"
      "  - title: u\nsecured: \"s\"\n",
      "a:\n    b:\n      - c\n      - d:  e\n        f: g\n    h: i\nj: k\n",
      "seq:\n -  spaced: item\n    more: x\n -   plain item\n",
      "_x-y.z: 1\n123: 2\n",
      "k: v\n\n\n",
      "a: []\nb: {}\nc: [ ]\nd: { }  \n",
      "a: [x, \"y\", -1, null, ~]\nb: [ spaced  out , \"q\" ]  \n",
      "a:\n  - []\n  - [x]\n  - {}\n",
      "a:\nb: 1\n",
      "a:\n",
      "a:",
      "a:   \n\n  \n",
      "a: 1\nb:  ",
      "a:\n  ",
      // Found by block_yaml_fuzzer: the end of the text closes the map in
      // the column after the last spaces, or in column 0.
      "6:\n - 6:\n ",
      "a:\n - b:\n  ",
      "a:\n - b:\n   ",
      "a:\n - b:\n    ",
      "a:\n  b:",
      "a:\n  b:\n  c:\n    d:\n   ",
      "a: 1\nb:\n\n  \n   ",
      "a:\n  b:\n  c:\nd:\n",
      "a:\n  - b:\n  - c:\n    d:\ne: 1\n",
  };
  for (const std::string& yaml : documents) {
    EXPECT_TRUE(ExpectAgreement(yaml, "case")) << "gave up on:\n" << yaml;
  }
}

TEST(BlockYamlScannerTest, GivesUpOutsideTheSubset) {
  const std::vector<std::string> documents = {
      "",
      "\n  \n",
      "# comment\na: 1\n",
      "a: 1 # comment\n",
      "a: \"x\" # comment\n",
      "a: [x, [y]]\n",
      "a: [x,]\n",
      "a: [x, , y]\n",
      "a: [x\n",
      "a: [x] y\n",
      "a: [x: y]\n",
      "a: [x, y\n  , z]\n",
      "a: {b: 1}\n",
      "a: {} x\n",
      "a: &x 1\nb: *x\n",
      "a: !tag 1\n",
      "a: 'single'\n",
      "a: |\n  block\n",
      "a: >\n  folded\n",
      "%YAML 1.2\n---\na: 1\n",
      "a: plain\n  continued\n",
      "a: \"quoted\n  continued\"\n",
      "\"a\": 1\n",
      "a b: 1\n",
      "a:\n- x\n",
      "a:\n  - x\n  b: 1\n",
      "a:\n  b: 1\n c: 2\n",
      "a:\n  b:\n  - x\n",
      "- x\n",
      "  a: 1\n",
      "a: 1\n  b: 2\n",
      "a:\tb\n",
      "a: b\r\nc: d\n",
      "a: \"\\N\"\n",
      "a: \"\\ud800\"\n",
      "a: \"\\q\"\n",
      "a: b: c\n",
      "a: b:\n",
      "a: - b\n",
      "a: -\n",
      "a:\n  -\n    b: 1\n",
      "a:\n  - - b\n",
      "null: 1\n",
      "a: \xC2\x85\n",
      "a: \xE2\x80\xA8\n",
      "a: x\xEF\xBB\xBFy\n",
      "a: \xff\n",
      std::string("a: \0\n", 5),
      "a: x,y\n",
      "? a\n: b\n",
      "a: 1\n...\n",
  };
  for (const std::string& yaml : documents) {
    EXPECT_FALSE(ScannerEvents(yaml).has_value()) << "read:\n" << yaml;
  }
}

TEST(BlockYamlScannerTest, DeepNestingIsLeftToYamlCpp) {
  std::string yaml;
  for (int depth = 0; depth < 200; ++depth) {
    absl::StrAppend(&yaml, std::string(depth, ' '), "k:\n");
  }
  absl::StrAppend(&yaml, std::string(200, ' '), "k: v\n");
  EXPECT_FALSE(ScannerEvents(yaml).has_value());
}

std::string FrontMatterOf(const std::string& content) {
  absl::StatusOr<FrontMatter> split = SplitFrontMatter(content);
  return split.ok() ? split->yaml : std::string();
}

TEST(BlockYamlScannerTest, ReadsTheGeneratedCorpusAsYamlCppDoes) {
  CorpusOptions options;
  options.count = 2000;
  int read = 0;
  for (int index = 0; index < options.count; ++index) {
    const SeedDocument document = GenerateSeed(options, index);
    if (ExpectAgreement(FrontMatterOf(document.content), document.file_name)) {
      ++read;
    }
  }
  // Only the few documents with a flow sequence among their unknown keys
  // should be left to yaml-cpp.
  EXPECT_GE(read, options.count * 95 / 100);
}

// Small edits of generated seeds, most of them YAML's own punctuation, so
// that the scanner meets the edges of its subset and the errors around it.
std::string Mutate(std::string yaml, std::mt19937* random) {
  static const std::vector<std::string> kInserts = {
      " ",      "  ",     "\n",  "-",  "- ",       ":",        ": ",   "#",
      " #",     "\"",     "\\",  "'",  "~",        "null",     "[",    "]",
      "{",      ",",      "&a ", "*a", "!",        "|",        ">",    "?",
      "%",      "\t",     "\r",  "x",  "\xC3\xA9", "\xC2\x85", "\\x4", "\\u00",
      "\\N",    "...",    "---", "}",  "[]",       "{}",       "[x, ", "null ",
      "\n  - ", "\n    ", "k: ", "\\", "\\\"",
  };
  const int edits = 1 + static_cast<int>((*random)() % 3);
  for (int edit = 0; edit < edits && !yaml.empty(); ++edit) {
    const size_t at = (*random)() % (yaml.size() + 1);
    switch ((*random)() % 5) {
      case 0:
      case 1:
        yaml.insert(at, kInserts[(*random)() % kInserts.size()]);
        break;
      case 2:
        yaml.erase(std::min(at, yaml.size() - 1), 1 + (*random)() % 4);
        break;
      case 3: {
        // Cut the rest of the line (a value, say).
        const size_t line_end = yaml.find('\n', at);
        yaml.erase(at, line_end == std::string::npos ? std::string::npos
                                                     : line_end - at);
        break;
      }
      default: {
        // Re-indent the line holding `at`.
        const size_t line = yaml.rfind('\n', at == 0 ? 0 : at - 1);
        const size_t begin = line == std::string::npos ? 0 : line + 1;
        if ((*random)() % 2 == 0) {
          yaml.insert(begin, (*random)() % 2 == 0 ? " " : "  ");
        } else if (begin < yaml.size() && yaml[begin] == ' ') {
          yaml.erase(begin, 1);
        }
      }
    }
  }
  return yaml;
}

TEST(BlockYamlScannerTest, AgreesWithYamlCppOnMutatedSeeds) {
  CorpusOptions options;
  options.count = 200;
  std::vector<std::string> originals;
  for (int index = 0; index < options.count; ++index) {
    originals.push_back(FrontMatterOf(GenerateSeed(options, index).content));
  }
  std::mt19937 random(7);
  int read = 0;
  int given_up = 0;
  constexpr int kMutations = 6000;
  for (int i = 0; i < kMutations; ++i) {
    const std::string yaml =
        Mutate(originals[random() % originals.size()], &random);
    if (ExpectAgreement(yaml, absl::StrCat("mutation ", i))) {
      ++read;
    } else {
      ++given_up;
    }
    if (::testing::Test::HasFailure()) break;
  }
  // Both sides of the subset's edge are reached.
  EXPECT_GT(read, kMutations / 10);
  EXPECT_GT(given_up, kMutations / 10);
}

TEST(BlockYamlScannerTest, AgreesWithYamlCppOnTheHostileSeeds) {
  const std::filesystem::path folder =
      std::filesystem::path(NEWSMETA_SOURCE_DIR) / "tests/data/bad_seeds";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string content((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    ExpectAgreement(FrontMatterOf(content), entry.path().filename().string());
    ExpectAgreement(content, entry.path().filename().string());
    ++files;
  }
  EXPECT_GT(files, 10);
}

}  // namespace
}  // namespace newsmeta
