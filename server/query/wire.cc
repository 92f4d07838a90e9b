#include "query/wire.h"

namespace newsmeta {
namespace {

constexpr uint32_t kVarintWireType = 0;
constexpr uint32_t kLengthDelimitedWireType = 2;

void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

void AppendTag(int number, uint32_t wire_type, std::string* out) {
  AppendVarint((static_cast<uint64_t>(number) << 3) | wire_type, out);
}

}  // namespace

void AppendBytesField(int number, absl::string_view bytes, std::string* out,
                      bool keep_empty) {
  if (bytes.empty() && !keep_empty) return;
  AppendTag(number, kLengthDelimitedWireType, out);
  AppendVarint(bytes.size(), out);
  out->append(bytes.data(), bytes.size());
}

void AppendVarintField(int number, uint64_t value, std::string* out) {
  if (value == 0) return;
  AppendTag(number, kVarintWireType, out);
  AppendVarint(value, out);
}

}  // namespace newsmeta
