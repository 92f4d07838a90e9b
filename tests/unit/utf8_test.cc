#include "util/utf8.h"

#include <cstdint>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace newsmeta {
namespace {

TEST(Utf8Test, AcceptsEmptyText) {
  EXPECT_EQ(FindInvalidUtf8(""), 0u);
  EXPECT_TRUE(IsValidUtf8(""));
}

TEST(Utf8Test, AcceptsAscii) {
  const std::string text = "title: Hello, world!\n\t~";
  EXPECT_EQ(FindInvalidUtf8(text), text.size());
  EXPECT_TRUE(IsValidUtf8(text));
}

TEST(Utf8Test, AcceptsNulAndDelete) {
  const std::string text("a\0b\x7F", 4);
  EXPECT_EQ(FindInvalidUtf8(text), 4u);
}

TEST(Utf8Test, AcceptsMultiByteSequencesOfEveryLength) {
  // U+00E9 (2 bytes), U+2019 (3 bytes), U+1F600 (4 bytes).
  const std::string text = "caf\xC3\xA9 \xE2\x80\x99 \xF0\x9F\x98\x80";
  EXPECT_EQ(FindInvalidUtf8(text), text.size());
  EXPECT_TRUE(IsValidUtf8(text));
}

TEST(Utf8Test, AcceptsTheEdgesOfTheValidRanges) {
  EXPECT_TRUE(IsValidUtf8("\xC2\x80"));          // U+0080
  EXPECT_TRUE(IsValidUtf8("\xDF\xBF"));          // U+07FF
  EXPECT_TRUE(IsValidUtf8("\xE0\xA0\x80"));      // U+0800
  EXPECT_TRUE(IsValidUtf8("\xED\x9F\xBF"));      // U+D7FF
  EXPECT_TRUE(IsValidUtf8("\xEE\x80\x80"));      // U+E000
  EXPECT_TRUE(IsValidUtf8("\xEF\xBF\xBF"));      // U+FFFF
  EXPECT_TRUE(IsValidUtf8("\xF0\x90\x80\x80"));  // U+10000
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

TEST(Utf8Test, FindsTheBadByteAtEveryPlaceInLongAsciiRuns) {
  // The ASCII fast path reads eight bytes at a time: a bad byte anywhere in
  // or after such a run, and a valid sequence between runs, are still seen.
  for (size_t at = 0; at < 40; ++at) {
    std::string text(40, 'a');
    text[at] = '\xFF';
    EXPECT_EQ(FindInvalidUtf8(text), at) << at;
    std::string valid(40, 'a');
    valid.replace(at, 2, "\xC3\xA9");
    EXPECT_EQ(FindInvalidUtf8(valid.substr(0, 40)), at == 39 ? 39u : 40u) << at;
  }
}

TEST(Utf8Test, RejectsTruncatedSequencesAtTheirFirstByte) {
  EXPECT_EQ(FindInvalidUtf8("ab\xC3"), 2u);
  EXPECT_EQ(FindInvalidUtf8("ab\xE2\x80"), 2u);
  EXPECT_EQ(FindInvalidUtf8("ab\xF0\x9F\x98"), 2u);
  EXPECT_FALSE(IsValidUtf8("\xF0\x9F\x98"));
}

TEST(Utf8Test, RejectsSequenceInterruptedByAscii) {
  EXPECT_EQ(FindInvalidUtf8("x\xE2\x80y"), 1u);
  EXPECT_EQ(FindInvalidUtf8("x\xC3 "), 1u);
}

TEST(Utf8Test, RejectsOverlongForms) {
  EXPECT_EQ(FindInvalidUtf8(absl::string_view("\xC0\x80", 2)), 0u);
  EXPECT_EQ(FindInvalidUtf8("\xC1\xBF"), 0u);
  EXPECT_EQ(FindInvalidUtf8("ok\xE0\x80\x80"), 2u);
  EXPECT_EQ(FindInvalidUtf8("ok\xE0\x9F\xBF"), 2u);
  EXPECT_EQ(FindInvalidUtf8("ok!\xF0\x80\x80\x80"), 3u);
  EXPECT_EQ(FindInvalidUtf8("ok!\xF0\x8F\xBF\xBF"), 3u);
}

TEST(Utf8Test, RejectsUtf16Surrogates) {
  EXPECT_EQ(FindInvalidUtf8("a\xED\xA0\x80"), 1u);  // U+D800
  EXPECT_EQ(FindInvalidUtf8("a\xED\xBF\xBF"), 1u);  // U+DFFF
}

TEST(Utf8Test, RejectsCodePointsAboveU10FFFF) {
  EXPECT_EQ(FindInvalidUtf8("abc\xF4\x90\x80\x80"), 3u);
  EXPECT_EQ(FindInvalidUtf8("\xF5\x80\x80\x80"), 0u);
  EXPECT_EQ(FindInvalidUtf8("\xF7\xBF\xBF\xBF"), 0u);
}

TEST(Utf8Test, RejectsStrayContinuationByte) {
  EXPECT_EQ(FindInvalidUtf8("abc\x80"), 3u);
  // A continuation byte after a complete two-byte sequence.
  EXPECT_EQ(FindInvalidUtf8("\xC3\xA9\xA9"), 2u);
}

TEST(Utf8Test, RejectsBytesThatNeverAppearInUtf8) {
  EXPECT_EQ(FindInvalidUtf8("x\xFE"), 1u);
  EXPECT_EQ(FindInvalidUtf8("x\xFF"), 1u);
  EXPECT_EQ(FindInvalidUtf8("x\xF8\x88\x80\x80\x80"), 1u);
}

TEST(Utf8Test, ReportsTheFirstOfSeveralInvalidBytes) {
  // Valid multi-byte text before the bad byte counts in bytes, not characters.
  const std::string text = "\xE2\x80\x99\xC3\xA9z\xFF\x80";
  EXPECT_EQ(FindInvalidUtf8(text), 6u);
  EXPECT_FALSE(IsValidUtf8(text));
}

// FindInvalidUtf8 written from the code point rules instead of byte ranges:
// decode each sequence, then refuse overlong forms, surrogates and values
// above U+10FFFF.
size_t FirstInvalidByDecoding(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
    const uint8_t lead = byte(i);
    size_t length;
    uint32_t value;
    if (lead < 0x80) {
      length = 1, value = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2, value = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, value = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, value = lead & 0x07;
    } else {
      return i;
    }
    if (i + length > text.size()) return i;
    for (size_t k = 1; k < length; ++k) {
      if ((byte(i + k) & 0xC0) != 0x80) return i;
      value = value << 6 | (byte(i + k) & 0x3F);
    }
    const uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (value < smallest[length] || value > 0x10FFFF ||
        (value >= 0xD800 && value <= 0xDFFF)) {
      return i;
    }
    i += length;
  }
  return text.size();
}

TEST(Utf8Test, AgreesWithDecodingOnEveryShortSequenceAndRandomText) {
  // Every one- and two-byte text, and every three-byte one after some ASCII
  // (so that the word-at-a-time path meets it at each place of a word).
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      const std::string two = {static_cast<char>(a), static_cast<char>(b)};
      ASSERT_EQ(FindInvalidUtf8(two), FirstInvalidByDecoding(two))
          << a << " " << b;
      ASSERT_EQ(FindInvalidUtf8(two.substr(0, 1)),
                FirstInvalidByDecoding(two.substr(0, 1)));
      for (int c : {0x41, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0}) {
        const std::string text = std::string(a % 11, 'x') + two +
                                 static_cast<char>(c) + "\x80\x80tail";
        ASSERT_EQ(FindInvalidUtf8(text), FirstInvalidByDecoding(text))
            << a << " " << b << " " << c;
      }
    }
  }
  // Random texts of mostly ASCII with valid and broken sequences.
  uint64_t state = 12345;
  const auto next = [&state] {
    state = state * 6364136223846793005u + 1442695040888963407u;
    return static_cast<uint32_t>(state >> 33);
  };
  const char* pieces[] = {"a",
                          "bcdefgh",
                          " ",
                          "\xC3\xA9",
                          "\xE2\x80\x99",
                          "\xF0\x9F\x98\x80",
                          "\xED\xA0\x80",
                          "\xC0\xAF",
                          "\xF4\x90\x80\x80",
                          "\x80",
                          "\xE2\x80",
                          "\xFF"};
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const int parts = static_cast<int>(next() % 24);
    for (int k = 0; k < parts; ++k) {
      // Broken pieces (index 6 on) one time in eight.
      const uint32_t pick = next();
      text += pieces[pick % 8 == 0 ? 6 + pick / 8 % 6 : pick / 8 % 6];
    }
    ASSERT_EQ(FindInvalidUtf8(text), FirstInvalidByDecoding(text)) << text;
  }
}

// Both ways FindInvalidUtf8 has, against decoding, with the text at every
// offset and length around the vector path's 16-byte blocks: every two-byte
// pair and three-byte lead after 0..17 bytes of ASCII, and random texts.
void ExpectBothWaysAgree(const std::string& text) {
  const size_t expected = FirstInvalidByDecoding(text);
  ASSERT_EQ(utf8_internal::FindInvalidUtf8Portable(text), expected)
      << absl::CHexEscape(text);
  ASSERT_EQ(FindInvalidUtf8(text), expected) << absl::CHexEscape(text);
  if (utf8_internal::HasSsse3()) {
    ASSERT_EQ(utf8_internal::IsValidUtf8Ssse3(text), expected == text.size())
        << absl::CHexEscape(text);
  }
}

TEST(Utf8Test, VectorAndPortableWaysAgreeAtEveryBlockOffset) {
  for (int a = 0x80; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      for (size_t before : {0, 1, 13, 14, 15, 16, 17, 30}) {
        for (const char* after :
             {"", "\x80", "\x80\x80", "\x80\x80\x80", "\x80z", "\xBF\x80xyz"}) {
          ExpectBothWaysAgree(std::string(before, 'x') + static_cast<char>(a) +
                              static_cast<char>(b) + after);
        }
      }
    }
  }
  uint64_t state = 99;
  const auto next = [&state] {
    state = state * 6364136223846793005u + 1442695040888963407u;
    return static_cast<uint32_t>(state >> 33);
  };
  for (int round = 0; round < 200000; ++round) {
    std::string text(next() % 80, '\0');
    for (char& c : text) {
      // Mostly valid-looking bytes: ASCII, leads and continuations.
      const uint32_t pick = next();
      c = static_cast<char>(pick % 4 == 0   ? pick / 4 % 128
                            : pick % 4 == 1 ? 0x80 + pick / 4 % 64
                                            : 0xC0 + pick / 4 % 64);
    }
    ExpectBothWaysAgree(text);
    // And valid text from code points, which the mix above seldom is.
    std::string valid;
    const int points = static_cast<int>(next() % 40);
    for (int k = 0; k < points; ++k) {
      uint32_t point = next() % 0x110000;
      if (point >= 0xD800 && point <= 0xDFFF) point = 0xFFFD;
      const uint32_t scale = next() % 4;
      AppendUtf8(scale == 0   ? point % 0x80
                 : scale == 1 ? point % 0x800
                              : point,
                 &valid);
    }
    ExpectBothWaysAgree(valid);
    ASSERT_EQ(FindInvalidUtf8(valid), valid.size());
  }
}

TEST(Utf8Test, VectorAndPortableWaysAgreeAcrossLongAsciiRuns) {
  // The vector way skips 64 ASCII bytes at once, checking only that the
  // bytes before them do not end inside a sequence: sequences whole and cut
  // short at every offset, then ASCII runs of and around 64 bytes.
  for (const int lead : {0x80, 0xBF, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0,
                         0xF4, 0xF5, 0xFF}) {
    for (size_t at = 0; at < 140; ++at) {
      for (const char* continuation :
           {"", "\x90", "\xA0\xA0", "\x90\x80\xBF"}) {
        for (const size_t ascii : {0, 63, 64, 65, 127, 130}) {
          const std::string text = std::string(at, 'x') +
                                   static_cast<char>(lead) + continuation +
                                   std::string(ascii, 'y');
          ExpectBothWaysAgree(text);
          ExpectBothWaysAgree(text + "\xC3\xA9" + std::string(70, 'z'));
        }
      }
    }
  }
}

TEST(Utf8Test, VectorWayIsUsedOnThisMachine) {
  // The build machines are x86-64 with SSSE3; if this fails, the tests above
  // checked only the portable way.
#if defined(__x86_64__)
  EXPECT_TRUE(utf8_internal::HasSsse3());
#else
  GTEST_SKIP() << "no vector way on this architecture";
#endif
}

TEST(Utf8Test, AppendUtf8EncodesEachLength) {
  std::string out;
  AppendUtf8(0x41, &out);     // A
  AppendUtf8(0xE9, &out);     // é
  AppendUtf8(0x20AC, &out);   // €
  AppendUtf8(0x1F600, &out);  // 😀
  EXPECT_EQ(out, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  EXPECT_TRUE(IsValidUtf8(out));
}

}  // namespace
}  // namespace newsmeta
