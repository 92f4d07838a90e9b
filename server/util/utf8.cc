#include "util/utf8.h"

#include <cstdint>
#include <cstring>

namespace newsmeta {
namespace {

// Length of the valid sequence starting at `s[i]`, or 0 when it is invalid.
size_t ValidSequenceLength(absl::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  const auto continuation = [&](size_t k) {
    return i + k < s.size() && (byte(k) & 0xC0) == 0x80;
  };
  const uint8_t lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (lead == 0xE0 && byte(1) < 0xA0) return 0;   // overlong
    if (lead == 0xED && byte(1) >= 0xA0) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (lead == 0xF0 && byte(1) < 0x90) return 0;   // overlong
    if (lead == 0xF4 && byte(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

size_t FindInvalidUtf8(absl::string_view text) {
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    if (static_cast<uint8_t>(text[i]) < 0x80) {
      // An ASCII run: eight bytes at a time, then the rest one by one.
      ++i;
      while (i + 8 <= n) {
        uint64_t word;
        std::memcpy(&word, text.data() + i, sizeof(word));
        if ((word & 0x8080808080808080u) != 0) break;
        i += 8;
      }
      while (i < n && static_cast<uint8_t>(text[i]) < 0x80) ++i;
      continue;
    }
    const size_t length = ValidSequenceLength(text, i);
    if (length == 0) return i;
    i += length;
  }
  return n;
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
