#include "query/wire.h"

#include <cstring>

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

void WireMessage::AppendOwned(absl::string_view bytes) {
  if (bytes.empty()) return;
  if (!pieces_.empty() && pieces_.back().view == nullptr) {
    pieces_.back().size += bytes.size();  // owned pieces are contiguous
  } else {
    pieces_.push_back({nullptr, owned_.size(), bytes.size()});
  }
  owned_.append(bytes.data(), bytes.size());
  size_ += bytes.size();
}

void WireMessage::AppendView(absl::string_view bytes) {
  if (bytes.empty()) return;
  pieces_.push_back({bytes.data(), 0, bytes.size()});
  size_ += bytes.size();
}

void WireMessage::CopyTo(char* out) const {
  ForEachPiece([&out](absl::string_view piece) {
    std::memcpy(out, piece.data(), piece.size());
    out += piece.size();
  });
}

std::string WireMessage::Flatten() const {
  std::string bytes(size_, '\0');
  CopyTo(bytes.data());
  return bytes;
}

void WireMessage::Clear() {
  owned_.clear();
  pieces_.clear();
  size_ = 0;
  owner_.reset();
}

void AppendBytesFieldView(int number, absl::string_view bytes, WireMessage* out,
                          bool keep_empty) {
  if (bytes.empty() && !keep_empty) return;
  std::string head;
  AppendTag(number, kLengthDelimitedWireType, &head);
  AppendVarint(bytes.size(), &head);
  out->AppendOwned(head);
  out->AppendView(bytes);
}

void AppendBytesField(int number, absl::string_view bytes, WireMessage* out,
                      bool keep_empty) {
  if (bytes.empty() && !keep_empty) return;
  std::string field;
  AppendBytesField(number, bytes, &field, keep_empty);
  out->AppendOwned(field);
}

void AppendVarintField(int number, uint64_t value, WireMessage* out) {
  std::string field;
  AppendVarintField(number, value, &field);
  out->AppendOwned(field);
}

}  // namespace newsmeta
