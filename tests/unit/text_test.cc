#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "text/normalize.h"
#include "text/text_index.h"
#include "text/text_query.h"

namespace newsmeta {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using Terms = std::vector<std::vector<std::string>>;

TextQuery ParseOk(absl::string_view text) {
  absl::StatusOr<TextQuery> query = ParseTextQuery(text);
  EXPECT_TRUE(query.ok()) << query.status();
  return query.ok() ? *query : TextQuery{};
}

// The error message of parsing `text`, checking that it is INVALID_ARGUMENT.
std::string ParseError(absl::string_view text) {
  absl::StatusOr<TextQuery> query = ParseTextQuery(text);
  EXPECT_EQ(query.status().code(), absl::StatusCode::kInvalidArgument)
      << "text: " << text;
  return std::string(query.status().message());
}

TEST(TextQueryTest, EmptyOrBlankTextGivesEmptyQuery) {
  EXPECT_TRUE(ParseOk("").empty());
  EXPECT_TRUE(ParseOk(" \t\n  ").empty());
}

TEST(TextQueryTest, QueryWithOnlyExclusionsIsNotEmpty) {
  EXPECT_FALSE(ParseOk("-word").empty());
}

TEST(TextQueryTest, WordsSeparatedByWhiteSpaceAreFoldedTerms) {
  const TextQuery query = ParseOk("  Économie\tSTRASSE\nStraße  ");
  EXPECT_EQ(query.terms, (Terms{{"economie"}, {"strasse"}, {"strasse"}}));
  EXPECT_THAT(query.excluded_terms, IsEmpty());
}

TEST(TextQueryTest, QuotedPhraseIsOneTermOfItsWords) {
  const TextQuery query = ParseOk(R"(before "New  York, Times" after)");
  EXPECT_EQ(query.terms,
            (Terms{{"before"}, {"new", "york", "times"}, {"after"}}));
}

TEST(TextQueryTest, MinusExcludesWordsAndPhrases) {
  const TextQuery query = ParseOk(R"(kept -Dropped -"Two Words")");
  EXPECT_EQ(query.terms, (Terms{{"kept"}}));
  EXPECT_EQ(query.excluded_terms, (Terms{{"dropped"}, {"two", "words"}}));
}

TEST(TextQueryTest, WordSplitByTokenizeIsAPhrase) {
  const TextQuery query = ParseOk("e-mail AI/ML -l'été");
  EXPECT_EQ(query.terms, (Terms{{"e", "mail"}, {"ai", "ml"}}));
  EXPECT_EQ(query.excluded_terms, (Terms{{"l", "ete"}}));
}

TEST(TextQueryTest, QuoteInsideWordStartsAPhrase) {
  const TextQuery query = ParseOk(R"(ab"c d"e)");
  EXPECT_EQ(query.terms, (Terms{{"ab"}, {"c", "d"}, {"e"}}));
}

TEST(TextQueryTest, TermsWithoutTokensAreIgnored) {
  const TextQuery query = ParseOk(R"(!!! word "" -??? "..." --)");
  EXPECT_EQ(query.terms, (Terms{{"word"}}));
  EXPECT_THAT(query.excluded_terms, IsEmpty());
  EXPECT_TRUE(ParseOk("!!! -?").empty());
}

TEST(TextQueryTest, UnterminatedQuoteIsAnErrorGivingItsByteOffset) {
  std::string message = ParseError(R"(ab "cd)");
  EXPECT_THAT(message, StartsWith("text: "));
  EXPECT_THAT(message, HasSubstr("byte 4"));
  // The offset counts bytes, not characters: "é" is two.
  message = ParseError(R"("é" x -")");
  EXPECT_THAT(message, HasSubstr("byte 9"));
}

TEST(TextQueryTest, MinusWithNothingAfterItIsAnErrorGivingItsByteOffset) {
  std::string message = ParseError("a - b");
  EXPECT_THAT(message, StartsWith("text: "));
  EXPECT_THAT(message, HasSubstr("byte 3"));
  message = ParseError("word -");
  EXPECT_THAT(message, HasSubstr("byte 6"));
}

TEST(TextQueryTest, TextUpToTheByteLimitIsAccepted) {
  const TextQuery query = ParseOk(std::string(kMaxTextBytes, 'a'));
  EXPECT_EQ(query.terms, (Terms{{std::string(kMaxTextBytes, 'a')}}));
}

TEST(TextQueryTest, TextOverTheByteLimitIsRejected) {
  const std::string message = ParseError(std::string(kMaxTextBytes + 1, ' '));
  EXPECT_THAT(message, StartsWith("text: "));
  EXPECT_THAT(message, HasSubstr(absl::StrCat(kMaxTextBytes + 1)));
}

TEST(TextQueryTest, AtMostMaxTermsAreAcceptedCountingExclusions) {
  std::vector<std::string> words;
  for (int i = 0; i < kMaxTextTerms - 1; ++i) words.push_back("w");
  words.push_back("-x");
  words.push_back("!!!");  // Ignored, so not counted.
  const TextQuery query = ParseOk(absl::StrJoin(words, " "));
  EXPECT_EQ(query.terms.size() + query.excluded_terms.size(),
            static_cast<size_t>(kMaxTextTerms));

  words.push_back(R"(-"one more")");
  const std::string message = ParseError(absl::StrJoin(words, " "));
  EXPECT_THAT(message, StartsWith("text: "));
  EXPECT_THAT(message, HasSubstr(absl::StrCat(kMaxTextTerms + 1, " terms")));
}

struct Doc {
  std::string title;
  std::string excerpt;
};

TextIndex BuildIndex(const std::vector<Doc>& docs) {
  TextIndex::Builder builder;
  for (size_t i = 0; i < docs.size(); ++i) {
    builder.Add(static_cast<uint32_t>(i), docs[i].title, docs[i].excerpt);
  }
  return std::move(builder).Build();
}

TextIndex::DocText TextOf(const std::vector<Doc>& docs) {
  return [&docs](uint32_t doc) {
    return std::pair<absl::string_view, absl::string_view>(docs[doc].title,
                                                           docs[doc].excerpt);
  };
}

// The documents of `docs` that match `text`.
std::vector<uint32_t> Search(const std::vector<Doc>& docs,
                             absl::string_view text) {
  return BuildIndex(docs).Match(
      ParseOk(text), static_cast<uint32_t>(docs.size()), TextOf(docs));
}

TEST(TextIndexTest, PostingsListDocsOfAFoldedTokenAscendingAndOnce) {
  const TextIndex index = BuildIndex(
      {{"Économie", "economie ÉCONOMIE"}, {"sport", ""}, {"", "L'économie"}});
  ASSERT_NE(index.Postings("economie"), nullptr);
  EXPECT_THAT(*index.Postings("economie"), ElementsAre(0, 2));
  EXPECT_THAT(*index.Postings("l"), ElementsAre(2));
  EXPECT_EQ(index.Postings("Économie"), nullptr);
  EXPECT_EQ(index.Postings("absent"), nullptr);
  EXPECT_EQ(index.token_count(), 3u);  // economie, sport, l
}

TEST(TextIndexTest, DocsAddedOutOfOrderStillGiveAscendingPostings) {
  TextIndex::Builder builder;
  builder.Add(2, "apple", "");
  builder.Add(0, "apple pear", "");
  builder.Add(1, "pear", "apple");
  const TextIndex index = std::move(builder).Build();
  ASSERT_NE(index.Postings("apple"), nullptr);
  EXPECT_THAT(*index.Postings("apple"), ElementsAre(0, 1, 2));
  EXPECT_THAT(*index.Postings("pear"), ElementsAre(0, 1));
}

TEST(TextIndexTest, EmptyIndexMatchesNothingButExclusions) {
  const TextIndex index;
  EXPECT_EQ(index.token_count(), 0u);
  EXPECT_THAT(index.Match(ParseOk("word"), 3, {}), IsEmpty());
  EXPECT_THAT(index.Match(ParseOk("-word"), 3, {}), ElementsAre(0, 1, 2));
}

TEST(TextIndexTest, MatchIsCaseAndAccentInsensitive) {
  const std::vector<Doc> docs = {{"Économie française", ""},
                                 {"", "ECONOMIE FRANCAISE"},
                                 {"economy", "francais"}};
  EXPECT_THAT(Search(docs, "economie"), ElementsAre(0, 1));
  EXPECT_THAT(Search(docs, "ÉCONOMIE Française"), ElementsAre(0, 1));
  EXPECT_THAT(Search(docs, R"("économie francaise")"), ElementsAre(0, 1));
}

TEST(TextIndexTest, MatchIsOnWholeTokens) {
  const std::vector<Doc> docs = {{"economies", ""}, {"economie", ""}};
  EXPECT_THAT(Search(docs, "econ"), IsEmpty());
  EXPECT_THAT(Search(docs, "economie"), ElementsAre(1));
}

TEST(TextIndexTest, EveryWordMustMatchInTitleOrExcerpt) {
  const std::vector<Doc> docs = {{"apple banana", ""},
                                 {"apple", "banana"},
                                 {"apple", "cherry"},
                                 {"banana cherry", ""}};
  EXPECT_THAT(Search(docs, "apple banana"), ElementsAre(0, 1));
  EXPECT_THAT(Search(docs, "banana apple cherry"), IsEmpty());
  EXPECT_THAT(Search(docs, "cherry"), ElementsAre(2, 3));
  EXPECT_THAT(Search(docs, "cherry unknown"), IsEmpty());
}

TEST(TextIndexTest, PhraseNeedsItsWordsAdjacentAndInOrder) {
  const std::vector<Doc> docs = {{"The New York Times", ""},
                                 {"York, new", ""},
                                 {"new big York", ""},
                                 {"", "life in new-york"}};
  EXPECT_THAT(Search(docs, R"("new york")"), ElementsAre(0, 3));
  EXPECT_THAT(Search(docs, "new york"), ElementsAre(0, 1, 2, 3));
}

TEST(TextIndexTest, PhraseDoesNotSpanTitleAndExcerpt) {
  const std::vector<Doc> docs = {{"Moving to New", "York is big"},
                                 {"Title", "Moving to New York"}};
  EXPECT_THAT(Search(docs, R"("new york")"), ElementsAre(1));
  EXPECT_THAT(Search(docs, "new york"), ElementsAre(0, 1));
}

TEST(TextIndexTest, HyphenatedWordMatchesItsTokensAsAPhrase) {
  const std::vector<Doc> docs = {
      {"E-Mail scams", ""}, {"", "e mail"}, {"mail e", ""}, {"email", ""}};
  EXPECT_THAT(Search(docs, "e-mail"), ElementsAre(0, 1));
  EXPECT_THAT(Search(docs, "-e-mail"), ElementsAre(2, 3));
}

TEST(TextIndexTest, ExcludedWordRemovesEveryDocHoldingIt) {
  const std::vector<Doc> docs = {{"apple pie", ""},
                                 {"apple", "Crumble"},
                                 {"apple juice", ""},
                                 {"crumble", ""}};
  EXPECT_THAT(Search(docs, "apple -crumble"), ElementsAre(0, 2));
  EXPECT_THAT(Search(docs, "apple -CRUMBLE -pie"), ElementsAre(2));
  EXPECT_THAT(Search(docs, "apple -unknown"), ElementsAre(0, 1, 2));
}

TEST(TextIndexTest, ExcludedPhraseRemovesOnlyDocsWithThePhrase) {
  const std::vector<Doc> docs = {{"new york", ""},
                                 {"york new", ""},
                                 {"new", "york"},
                                 {"York", "old new york"}};
  EXPECT_THAT(Search(docs, R"(york -"new york")"), ElementsAre(1, 2));
}

TEST(TextIndexTest, OnlyExclusionsMatchEveryOtherDoc) {
  const std::vector<Doc> docs = {{"apple", ""},
                                 {"", ""},
                                 {"new york", ""},
                                 {"york new", ""},
                                 {"pear", "Apple"}};
  EXPECT_THAT(Search(docs, "-apple"), ElementsAre(1, 2, 3));
  EXPECT_THAT(Search(docs, R"(-"new york")"), ElementsAre(0, 1, 3, 4));
  EXPECT_THAT(Search(docs, R"(-"new york" -apple -unknown)"),
              ElementsAre(1, 3));
}

TEST(TextIndexTest, EmptyQueryMatchesEveryDoc) {
  const std::vector<Doc> docs = {{"a", ""}, {"", ""}, {"b", "c"}};
  EXPECT_THAT(Search(docs, ""), ElementsAre(0, 1, 2));
}

TEST(TextIndexTest, ResultStaysBelowNumDocs) {
  const std::vector<Doc> docs = {
      {"apple", ""}, {"pear", ""}, {"apple", ""}, {"apple", ""}};
  const TextIndex index = BuildIndex(docs);
  EXPECT_THAT(index.Match(ParseOk("apple"), 3, TextOf(docs)),
              ElementsAre(0, 2));
  EXPECT_THAT(index.Match(ParseOk("-pear"), 3, TextOf(docs)),
              ElementsAre(0, 2));
  EXPECT_THAT(index.Match(ParseOk(""), 2, TextOf(docs)), ElementsAre(0, 1));
}

TEST(TextIndexTest, ReadsDocTextOnlyForPhraseCandidates) {
  std::vector<Doc> docs;
  for (int i = 0; i < 100; ++i) docs.push_back({"filler words", "more"});
  docs[10] = {"new york", ""};
  docs[20] = {"york new", ""};
  docs[30] = {"new", ""};
  const TextIndex index = BuildIndex(docs);
  std::vector<uint32_t> read;
  const TextIndex::DocText text_of = [&](uint32_t doc) {
    read.push_back(doc);
    return std::pair<absl::string_view, absl::string_view>(docs[doc].title,
                                                           docs[doc].excerpt);
  };

  EXPECT_THAT(index.Match(ParseOk(R"("new york")"), 100, text_of),
              ElementsAre(10));
  EXPECT_THAT(read, ElementsAre(10, 20));

  read.clear();
  const std::vector<uint32_t> others =
      index.Match(ParseOk(R"(-"new york" -filler)"), 100, text_of);
  EXPECT_THAT(others, ElementsAre(20, 30));
  EXPECT_THAT(read, ElementsAre(10, 20));

  // Without phrases the text is never needed: an empty DocText would throw.
  EXPECT_THAT(index.Match(ParseOk("new -york"), 100, {}), ElementsAre(30));
}

bool FieldHasPhrase(const std::vector<std::string>& field,
                    const std::vector<std::string>& phrase) {
  for (size_t start = 0; start + phrase.size() <= field.size(); ++start) {
    size_t k = 0;
    while (k < phrase.size() && field[start + k] == phrase[k]) ++k;
    if (k == phrase.size()) return true;
  }
  return false;
}

struct DocTokens {
  std::vector<std::string> title;
  std::vector<std::string> excerpt;
};

// What Match should return, found by checking every document's tokens.
std::vector<uint32_t> BruteForceMatch(const TextQuery& query,
                                      const std::vector<DocTokens>& docs) {
  std::vector<uint32_t> result;
  for (size_t i = 0; i < docs.size(); ++i) {
    const auto has = [&](const std::vector<std::string>& term) {
      return FieldHasPhrase(docs[i].title, term) ||
             FieldHasPhrase(docs[i].excerpt, term);
    };
    if (std::all_of(query.terms.begin(), query.terms.end(), has) &&
        std::none_of(query.excluded_terms.begin(), query.excluded_terms.end(),
                     has)) {
      result.push_back(static_cast<uint32_t>(i));
    }
  }
  return result;
}

TEST(TextIndexTest, MatchAgreesWithBruteForceOnRandomDocs) {
  // Several spellings of a few words, so folding matters; "e-mail" and
  // "l'été" are two tokens each.
  const std::vector<std::string> vocabulary = {
      "Économie", "economie", "ÉCONOMIE", "café",  "CAFE",   "Straße",
      "strasse",  "naïve",    "naive",    "Œuvre", "oeuvre", "e-mail",
      "mail",     "l'été",    "été",      "new",   "York",   "Ärger"};
  const std::vector<std::string> separators = {" ",   " ",  ", ",
                                               " - ", "; ", "!"};
  std::mt19937 rng(20240611);
  const auto pick = [&rng](const std::vector<std::string>& from) {
    return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)];
  };
  const auto random_text = [&](int max_words) {
    const int words = std::uniform_int_distribution<int>(0, max_words)(rng);
    std::string text;
    for (int w = 0; w < words; ++w) {
      if (w > 0) text += pick(separators);
      text += pick(vocabulary);
    }
    return text;
  };

  std::vector<Doc> docs(3000);
  for (Doc& doc : docs) {
    doc.title = random_text(5);
    doc.excerpt = random_text(12);
  }
  std::vector<DocTokens> doc_tokens;
  for (const Doc& doc : docs) {
    doc_tokens.push_back({Tokenize(doc.title), Tokenize(doc.excerpt)});
  }
  const TextIndex index = BuildIndex(docs);
  const auto num_docs = static_cast<uint32_t>(docs.size());

  int queries_with_some_but_not_all_docs = 0;
  for (int q = 0; q < 400; ++q) {
    std::vector<std::string> terms;
    const int term_count = std::uniform_int_distribution<int>(1, 3)(rng);
    for (int t = 0; t < term_count; ++t) {
      std::string term;
      if (std::bernoulli_distribution(0.4)(rng)) {
        term = absl::StrCat("\"", random_text(3), "\"");
      } else {
        term = pick(vocabulary);
      }
      if (std::bernoulli_distribution(0.3)(rng)) term = "-" + term;
      terms.push_back(std::move(term));
    }
    const std::string text = absl::StrJoin(terms, " ");
    const TextQuery query = ParseOk(text);
    const std::vector<uint32_t> expected = BruteForceMatch(query, doc_tokens);
    ASSERT_EQ(index.Match(query, num_docs, TextOf(docs)), expected)
        << "text: " << text;
    if (!expected.empty() && expected.size() < docs.size()) {
      ++queries_with_some_but_not_all_docs;
    }
  }
  // The comparison means little if the queries match nothing or everything.
  EXPECT_GT(queries_with_some_but_not_all_docs, 200);
}

TEST(TextIndexTest, CommonAndRareWordsTogetherAgreeWithBruteForce) {
  // Words in most documents are kept as bitmaps as well as lists, the others
  // as lists only: queries of common words only (bitmaps), of two medium
  // ones (a merge) and of a rare and a common one (galloping) take every
  // intersection path.
  std::mt19937 rng(20261203);
  std::vector<Doc> docs(4000);
  std::vector<std::set<std::string>> words(docs.size());
  for (size_t i = 0; i < docs.size(); ++i) {
    std::string text;
    for (const char* common : {"alpha", "beta", "gamma"}) {
      if (rng() % 2 == 0) {
        text += std::string(common) + " ";
        words[i].insert(common);
      }
    }
    for (const char* medium : {"mid", "middle"}) {  // 1 in 24: not dense
      if (rng() % 24 == 0) {
        text += std::string(medium) + " ";
        words[i].insert(medium);
      }
    }
    const std::string rare = "rare" + std::to_string(rng() % 300);
    text += rare;
    words[i].insert(rare);
    docs[i].title = text;
  }
  const TextIndex index = BuildIndex(docs);
  const std::vector<std::string> pool = {"alpha", "beta",   "gamma",
                                         "mid",   "middle", "rare1",
                                         "rare2", "rare17", "rare299"};
  for (int q = 0; q < 300; ++q) {
    std::vector<std::string> query_words;
    const int count = 1 + static_cast<int>(rng() % 3);
    for (int w = 0; w < count; ++w)
      query_words.push_back(pool[rng() % pool.size()]);
    const uint32_t num_docs = 3000 + static_cast<uint32_t>(rng() % 1000);
    std::vector<uint32_t> expected;
    for (uint32_t d = 0; d < num_docs; ++d) {
      if (std::all_of(
              query_words.begin(), query_words.end(),
              [&](const std::string& w) { return words[d].count(w); })) {
        expected.push_back(d);
      }
    }
    const std::string text = absl::StrJoin(query_words, " ");
    EXPECT_EQ(index.Match(ParseOk(text), num_docs, {}), expected) << text;
  }
}

// What a text index saved in a snapshot was made with: if this fails, the
// tokenizer now gives this text other tokens, and kTokenizerVersion must be
// raised (then update the version and tokens here) so that saved indexes are
// built again instead of missing words.
TEST(TokenizerTest, TokenizerVersionNamesTheseTokens) {
  EXPECT_EQ(kTokenizerVersion, 1u);
  EXPECT_THAT(
      Tokenize("L'Économie—Straße «Œuvre» x×y 2024-05 ΑΘΗΝΑ Москва 東京。ok"),
      ElementsAre("l", "economie", "strasse", "oeuvre", "x", "y", "2024", "05",
                  "αθηνα", "москва", "東京", "ok"));
}

// A corpus of 300 documents from a few hundred words, some in most of them
// (so that the index has bitmaps), some rare.
std::vector<Doc> SampleDocs() {
  std::mt19937 random(7);
  std::vector<Doc> docs(300);
  for (Doc& doc : docs) {
    for (int w = 0; w < 12; ++w) {
      const int word = static_cast<int>(random() % 400);
      absl::StrAppend(w < 4 ? &doc.title : &doc.excerpt,
                      word < 200 ? word % 3 : word, "w ");
    }
  }
  return docs;
}

TEST(TextIndexBytesTest, RoundTripGivesTheSameIndex) {
  const std::vector<Doc> docs = SampleDocs();
  const TextIndex index = BuildIndex(docs);
  std::string bytes;
  index.AppendBytes(&bytes);
  absl::StatusOr<TextIndex> read = TextIndex::FromBytes(bytes, 300);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(read->SamePostingsAs(index));
  EXPECT_EQ(read->token_count(), index.token_count());
  for (const char* text : {"0w", "1w 2w", "0w -1w", "\"0w 1w\"", "399w"}) {
    EXPECT_EQ(read->Match(ParseOk(text), 300, TextOf(docs)),
              index.Match(ParseOk(text), 300, TextOf(docs)))
        << text;
  }
  std::string again;
  read->AppendBytes(&again);
  EXPECT_EQ(again, bytes);
}

TEST(TextIndexBytesTest, EmptyIndexRoundTrips) {
  std::string bytes;
  TextIndex().AppendBytes(&bytes);
  absl::StatusOr<TextIndex> read = TextIndex::FromBytes(bytes, 0);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->token_count(), 0u);
}

TEST(TextIndexBytesTest, EveryTruncationIsRefused) {
  std::string bytes;
  BuildIndex({{"alpha beta", "gamma"}, {"beta", ""}}).AppendBytes(&bytes);
  for (size_t size = 0; size < bytes.size(); ++size) {
    absl::StatusOr<TextIndex> read =
        TextIndex::FromBytes(absl::string_view(bytes).substr(0, size), 2);
    ASSERT_FALSE(read.ok()) << size;
    EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(read.status().message()),
                StartsWith("text index: "));
  }
}

// The bytes of an index whose tokens are `tokens`, each with `docs`, in this
// order (written as AppendBytes would, whether or not it would).
std::string IndexBytes(const std::vector<std::string>& tokens,
                       const std::vector<uint32_t>& docs) {
  std::string bytes;
  const auto put = [&bytes](uint32_t value) {
    for (int i = 0; i < 4; ++i)
      bytes.push_back(static_cast<char>(value >> (8 * i)));
  };
  put(kTokenizerVersion);
  put(static_cast<uint32_t>(tokens.size()));
  for (const std::string& token : tokens) {
    put(static_cast<uint32_t>(token.size()));
    put(static_cast<uint32_t>(docs.size()));
    bytes += token;
    for (const uint32_t doc : docs) put(doc);
  }
  return bytes;
}

std::string FromBytesError(absl::string_view bytes, uint32_t num_docs) {
  absl::StatusOr<TextIndex> read = TextIndex::FromBytes(bytes, num_docs);
  if (read.ok()) return "ok";
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(read.status().message());
}

TEST(TextIndexBytesTest, WhatAnIndexCannotHoldIsRefused) {
  EXPECT_EQ(FromBytesError(IndexBytes({"a", "b"}, {0, 1}), 2), "ok");
  EXPECT_THAT(
      FromBytesError(IndexBytes({"b", "a"}, {0}), 2),
      HasSubstr("token 2 is empty, has no documents or is out of order"));
  EXPECT_THAT(FromBytesError(IndexBytes({"a", "a"}, {0}), 2),
              HasSubstr("token 2 is empty"));
  EXPECT_THAT(FromBytesError(IndexBytes({""}, {0}), 2),
              HasSubstr("token 1 is empty"));
  EXPECT_THAT(FromBytesError(IndexBytes({"a"}, {}), 2),
              HasSubstr("token 1 is empty, has no documents"));
  EXPECT_THAT(FromBytesError(IndexBytes({"a"}, {1, 0}), 2),
              HasSubstr("the documents of token 1 are not ascending"));
  EXPECT_THAT(FromBytesError(IndexBytes({"a"}, {1, 1}), 2),
              HasSubstr("the documents of token 1 are not ascending"));
  EXPECT_THAT(FromBytesError(IndexBytes({"a"}, {0, 2}), 2),
              HasSubstr("not below 2"));
  EXPECT_THAT(FromBytesError(IndexBytes({"a"}, {0}) + "x", 2),
              HasSubstr("1 bytes after its last token"));
  std::string lying = IndexBytes({"a"}, {0});
  lying[4] = '\x7f';  // token count
  EXPECT_THAT(FromBytesError(lying, 2), HasSubstr("more than its bytes"));
}

TEST(TextIndexBytesTest, AnotherTokenizerVersionIsAFailedPrecondition) {
  std::string bytes = IndexBytes({"a"}, {0});
  bytes[0] = static_cast<char>(kTokenizerVersion + 1);
  absl::StatusOr<TextIndex> read = TextIndex::FromBytes(bytes, 1);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(
      std::string(read.status().message()),
      HasSubstr(absl::StrCat("tokenizer version ", kTokenizerVersion + 1)));
}

}  // namespace
}  // namespace newsmeta
