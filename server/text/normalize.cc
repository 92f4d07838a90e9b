#include "text/normalize.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "util/utf8.h"

namespace newsmeta {
namespace {

// Folded forms of U+00C0..U+017F (Latin-1 Supplement letters and Latin
// Extended-A), one entry per code point.
// clang-format off
constexpr const char* kLatinFold[] = {
    // U+00C0 ÀÁÂÃÄÅÆÇ ÈÉÊË ÌÍÎÏ
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    // U+00D0 ÐÑÒÓÔÕÖ× ØÙÚÛÜÝÞß
    "d", "n", "o", "o", "o", "o", "o", nullptr, "o", "u", "u", "u", "u", "y", "th", "ss",
    // U+00E0 àáâãäåæç èéêë ìíîï
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    // U+00F0 ðñòóôõö÷ øùúûüýþÿ
    "d", "n", "o", "o", "o", "o", "o", nullptr, "o", "u", "u", "u", "u", "y", "th", "y",
    // U+0100 ĀāĂăĄąĆćĈĉĊċČčĎď
    "a", "a", "a", "a", "a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d", "d",
    // U+0110 ĐđĒēĔĕĖėĘęĚěĜĝĞğ
    "d", "d", "e", "e", "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g",
    // U+0120 ĠġĢģĤĥĦħĨĩĪīĬĭĮį
    "g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i",
    // U+0130 İıĲĳĴĵĶķĸĹĺĻļĽľĿ
    "i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l",
    // U+0140 ŀŁłŃńŅņŇňŉŊŋŌōŎŏ
    "l", "l", "l", "n", "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o",
    // U+0150 ŐőŒœŔŕŖŗŘřŚśŜŝŞş
    "o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s",
    // U+0160 ŠšŢţŤťŦŧŨũŪūŬŭŮů
    "s", "s", "t", "t", "t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u", "u",
    // U+0170 ŰűŲųŴŵŶŷŸŹźŻżŽžſ
    "u", "u", "u", "u", "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s",
};
// clang-format on

// Decodes the code point at `text[*i]` and advances `*i`; returns -1 (and
// advances one byte) for an invalid sequence.
int32_t DecodeUtf8(absl::string_view text, size_t* i) {
  const auto byte = [&](size_t k) {
    return static_cast<uint8_t>(text[*i + k]);
  };
  const uint8_t lead = byte(0);
  int length = lead < 0x80    ? 1
               : lead >= 0xF0 ? 4
               : lead >= 0xE0 ? 3
               : lead >= 0xC0 ? 2
                              : 0;
  if (length == 0 || *i + length > text.size()) {
    ++*i;
    return -1;
  }
  int32_t code = length == 1 ? lead : lead & (0xFF >> (length + 1));
  for (int k = 1; k < length; ++k) {
    if ((byte(k) & 0xC0) != 0x80) {
      ++*i;
      return -1;
    }
    code = (code << 6) | (byte(k) & 0x3F);
  }
  *i += length;
  return code;
}

// Lower-case of Greek and Cyrillic capitals; other code points unchanged.
int32_t LowerNonLatin(int32_t code) {
  if (code >= 0x0391 && code <= 0x03A9 && code != 0x03A2) return code + 0x20;
  if (code >= 0x0410 && code <= 0x042F) return code + 0x20;
  if (code >= 0x0400 && code <= 0x040F) return code + 0x50;
  return code;
}

bool IsWordCodePoint(int32_t code) {
  if (code < 0x80) return absl::ascii_isalnum(static_cast<char>(code));
  if (code < 0xC0 || code == 0xD7 || code == 0xF7 || code == 0xFEFF) {
    return false;
  }
  if (code >= 0x2000 && code <= 0x206F) return false;
  if (code >= 0x3000 && code <= 0x303F) return false;
  return true;
}

// Appends the folded form of `code` to `out`.
void AppendFolded(int32_t code, std::string* out) {
  if (code < 0x80) {
    out->push_back(absl::ascii_tolower(static_cast<char>(code)));
  } else if (code >= 0xC0 && code <= 0x17F && kLatinFold[code - 0xC0]) {
    out->append(kLatinFold[code - 0xC0]);
  } else {
    AppendUtf8(static_cast<uint32_t>(LowerNonLatin(code)), out);
  }
}

}  // namespace

std::string FoldText(absl::string_view text) {
  std::string folded;
  folded.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t start = i;
    const int32_t code = DecodeUtf8(text, &i);
    if (code < 0) {
      folded.append(text.data() + start, i - start);
    } else {
      AppendFolded(code, &folded);
    }
  }
  return folded;
}

std::vector<std::string> Tokenize(absl::string_view text) {
  std::vector<std::string> words;
  ForEachToken(text,
               [&words](absl::string_view word) { words.emplace_back(word); });
  return words;
}

void ForEachToken(absl::string_view text,
                  absl::FunctionRef<void(absl::string_view)> fn) {
  std::string word;
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    int32_t code;
    if (static_cast<unsigned char>(c) < 0x80) {
      // ASCII, most of the text: no decoding.
      ++i;
      if (absl::ascii_isalnum(c)) {
        word.push_back(absl::ascii_tolower(c));
        continue;
      }
      code = -1;
    } else {
      code = DecodeUtf8(text, &i);
    }
    if (code >= 0 && IsWordCodePoint(code)) {
      AppendFolded(code, &word);
    } else if (!word.empty()) {
      fn(word);
      word.clear();
    }
  }
  if (!word.empty()) fn(word);
}

}  // namespace newsmeta
