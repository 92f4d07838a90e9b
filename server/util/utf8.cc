#include "util/utf8.h"

#include <cstdint>
#include <cstring>

namespace newsmeta {
namespace {

constexpr uint64_t kHighBits = 0x8080808080808080u;

uint64_t Load64(const unsigned char* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof(word));
  return word;
}

// The range of the second byte of a sequence that starts with `lead`
// (0xC2..0xF4), which rules out overlong forms, surrogates and code points
// above U+10FFFF; the other continuation bytes are 0x80..0xBF.
struct SecondByteRange {
  uint8_t low, high;
};
SecondByteRange SecondByte(unsigned lead) {
  switch (lead) {
    case 0xE0:
      return {0xA0, 0xBF};  // overlong below
    case 0xED:
      return {0x80, 0x9F};  // UTF-16 surrogates above
    case 0xF0:
      return {0x90, 0xBF};  // overlong below
    case 0xF4:
      return {0x80, 0x8F};  // above U+10FFFF beyond
    default:
      return {0x80, 0xBF};
  }
}

bool IsContinuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

}  // namespace

size_t FindInvalidUtf8(absl::string_view text) {
  const auto* const begin = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char* const end = begin + text.size();
  const unsigned char* p = begin;
  while (p < end) {
    // ASCII eight bytes at a time; in a word with a high bit, up to it.
    while (end - p >= 8) {
      if ((Load64(p) & kHighBits) != 0) {
        while (*p < 0x80) ++p;
        break;
      }
      p += 8;
    }
    if (p == end) break;
    const unsigned lead = *p;
    if (lead < 0x80) {
      ++p;
      continue;
    }
    // A lead byte of 0xC2..0xDF takes one continuation, 0xE0..0xEF two,
    // 0xF0..0xF4 three; 0x80..0xC1 and 0xF5..0xFF never start a sequence.
    const size_t length = lead < 0xC2   ? 0
                          : lead < 0xE0 ? 2
                          : lead < 0xF0 ? 3
                          : lead < 0xF5 ? 4
                                        : 0;
    if (length == 0 || static_cast<size_t>(end - p) < length) {
      return static_cast<size_t>(p - begin);
    }
    const SecondByteRange second = SecondByte(lead);
    if (p[1] < second.low || p[1] > second.high ||
        (length > 2 && !IsContinuation(p[2])) ||
        (length > 3 && !IsContinuation(p[3]))) {
      return static_cast<size_t>(p - begin);
    }
    p += length;
  }
  return text.size();
}

void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

}  // namespace newsmeta
