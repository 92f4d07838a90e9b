#include "util/utf8.h"

#include <cstdint>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define NEWSMETA_UTF8_SSSE3 1
#endif

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

namespace utf8_internal {

size_t FindInvalidUtf8Portable(absl::string_view text) {
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

#ifdef NEWSMETA_UTF8_SSSE3
namespace {

// The lookup algorithm of Keiser and Lemire, "Validating UTF-8 in less than
// one instruction per byte" (2021), as in simdjson: each byte pair (the byte
// before, the byte) is classified by three 16-entry tables indexed by the
// first byte's high and low nibble and the second byte's high nibble; a bit
// left set in all three names an error. These are the bits.
constexpr uint8_t kTooShort = 1 << 0;      // lead, then ASCII or another lead
constexpr uint8_t kTooLong = 1 << 1;       // ASCII, then a continuation
constexpr uint8_t kOverlong3 = 1 << 2;     // E0 80..9F
constexpr uint8_t kTooLarge = 1 << 3;      // F4 90..BF, F5..FF 90..BF
constexpr uint8_t kSurrogate = 1 << 4;     // ED A0..BF
constexpr uint8_t kOverlong2 = 1 << 5;     // C0..C1, then a continuation
constexpr uint8_t kTooLarge1000 = 1 << 6;  // F5..FF 80..8F
constexpr uint8_t kOverlong4 = 1 << 6;     // F0 80..8F
constexpr uint8_t kTwoConts = 1 << 7;      // continuation, continuation
constexpr uint8_t kCarry = kTooShort | kTooLong | kTwoConts;

__attribute__((target("ssse3"))) inline __m128i Table(
    uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3, uint8_t b4, uint8_t b5,
    uint8_t b6, uint8_t b7, uint8_t b8, uint8_t b9, uint8_t b10, uint8_t b11,
    uint8_t b12, uint8_t b13, uint8_t b14, uint8_t b15) {
  return _mm_setr_epi8(b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12,
                       b13, b14, b15);
}

__attribute__((target("ssse3"))) inline __m128i HighNibbles(__m128i bytes) {
  return _mm_and_si128(_mm_srli_epi16(bytes, 4), _mm_set1_epi8(0x0F));
}

// The error bits of the 16 bytes of `input`, `previous` being the 16 before
// (zeros before the text).
__attribute__((target("ssse3"))) inline __m128i BlockErrors(__m128i input,
                                                            __m128i previous) {
  const __m128i prev1 = _mm_alignr_epi8(input, previous, 15);
  const __m128i byte_1_high = _mm_shuffle_epi8(
      Table(kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong,
            kTooLong, kTooLong, kTwoConts, kTwoConts, kTwoConts, kTwoConts,
            kTooShort | kOverlong2, kTooShort,
            kTooShort | kOverlong3 | kSurrogate,
            kTooShort | kTooLarge | kTooLarge1000 | kOverlong4),
      HighNibbles(prev1));
  constexpr uint8_t kAbove4 = kCarry | kTooLarge | kTooLarge1000;
  const __m128i byte_1_low = _mm_shuffle_epi8(
      Table(kCarry | kOverlong3 | kOverlong2 | kOverlong4, kCarry | kOverlong2,
            kCarry, kCarry, kCarry | kTooLarge, kAbove4, kAbove4, kAbove4,
            kAbove4, kAbove4, kAbove4, kAbove4, kAbove4, kAbove4 | kSurrogate,
            kAbove4, kAbove4),
      _mm_and_si128(prev1, _mm_set1_epi8(0x0F)));
  constexpr uint8_t kContinuation = kTooLong | kOverlong2 | kTwoConts;
  const __m128i byte_2_high = _mm_shuffle_epi8(
      Table(kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort,
            kTooShort, kTooShort,
            kContinuation | kOverlong3 | kTooLarge1000 | kOverlong4,
            kContinuation | kOverlong3 | kTooLarge,
            kContinuation | kSurrogate | kTooLarge,
            kContinuation | kSurrogate | kTooLarge, kTooShort, kTooShort,
            kTooShort, kTooShort),
      HighNibbles(input));
  const __m128i special =
      _mm_and_si128(_mm_and_si128(byte_1_high, byte_1_low), byte_2_high);
  // A byte two after a lead of E0..FF, or three after F0..FF, must be a
  // continuation; `special` has kTwoConts exactly where one follows another.
  const __m128i prev2 = _mm_alignr_epi8(input, previous, 14);
  const __m128i prev3 = _mm_alignr_epi8(input, previous, 13);
  const __m128i must_continue = _mm_and_si128(
      _mm_or_si128(_mm_subs_epu8(prev2, _mm_set1_epi8(0xE0 - 0x80)),
                   _mm_subs_epu8(prev3, _mm_set1_epi8(0xF0 - 0x80))),
      _mm_set1_epi8(static_cast<char>(0x80)));
  return _mm_xor_si128(must_continue, special);
}

// Nonzero where `block` ends inside a sequence: its last byte a lead, the
// one before a lead of three or four bytes, or the one before that of four.
__attribute__((target("ssse3"))) inline __m128i EndsIncomplete(__m128i block) {
  return _mm_subs_epu8(
      block, Table(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                   0xFF, 0xFF, 0xFF, 0xF0 - 1, 0xE0 - 1, 0xC0 - 1));
}

}  // namespace

bool HasSsse3() {
  static const bool has = __builtin_cpu_supports("ssse3");
  return has;
}

__attribute__((target("ssse3"))) bool IsValidUtf8Ssse3(absl::string_view text) {
  const char* p = text.data();
  const char* const end = p + text.size();
  __m128i previous = _mm_setzero_si128();
  __m128i errors = _mm_setzero_si128();
  // 64 bytes at a time: ASCII ones (most text) can only be wrong in that the
  // bytes before them end inside a sequence, which BlockErrors would find
  // too.
  for (; end - p >= 64; p += 64) {
    const __m128i* blocks = reinterpret_cast<const __m128i*>(p);
    const __m128i a = _mm_loadu_si128(blocks);
    const __m128i b = _mm_loadu_si128(blocks + 1);
    const __m128i c = _mm_loadu_si128(blocks + 2);
    const __m128i d = _mm_loadu_si128(blocks + 3);
    if (_mm_movemask_epi8(
            _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))) == 0) {
      errors = _mm_or_si128(errors, EndsIncomplete(previous));
    } else {
      errors = _mm_or_si128(errors, BlockErrors(a, previous));
      errors = _mm_or_si128(errors, BlockErrors(b, a));
      errors = _mm_or_si128(errors, BlockErrors(c, b));
      errors = _mm_or_si128(errors, BlockErrors(d, c));
    }
    previous = d;
  }
  for (; end - p >= 16; p += 16) {
    const __m128i input = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    errors = _mm_or_si128(errors, BlockErrors(input, previous));
    previous = input;
  }
  // The rest, then zeros: a sequence cut short by the end meets ASCII, which
  // is an error, as it is when the text ends on a whole block.
  alignas(16) char last[16] = {};
  std::memcpy(last, p, static_cast<size_t>(end - p));
  errors = _mm_or_si128(
      errors,
      BlockErrors(_mm_load_si128(reinterpret_cast<const __m128i*>(last)),
                  previous));
  return _mm_movemask_epi8(_mm_cmpeq_epi8(errors, _mm_setzero_si128())) ==
         0xFFFF;
}
#else
bool HasSsse3() { return false; }
bool IsValidUtf8Ssse3(absl::string_view) { return false; }
#endif

}  // namespace utf8_internal

size_t FindInvalidUtf8(absl::string_view text) {
  // Valid text is the rule: the vector check says so; the portable scan
  // finds where invalid text goes wrong.
  if (text.size() >= 16 && utf8_internal::HasSsse3() &&
      utf8_internal::IsValidUtf8Ssse3(text)) {
    return text.size();
  }
  return utf8_internal::FindInvalidUtf8Portable(text);
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
