#include "query/wire.h"

#include <cstring>

#include "util/wire_reader.h"

namespace newsmeta {
namespace {

// Writes `value` as a varint at `out` (room for 10 bytes); returns its size.
size_t EncodeVarint(uint64_t value, char* out) {
  size_t size = 0;
  while (value >= 0x80) {
    out[size++] = static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  out[size++] = static_cast<char>(value);
  return size;
}

void AppendVarint(uint64_t value, std::string* out) {
  char bytes[10];
  out->append(bytes, EncodeVarint(value, bytes));
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
    // owned pieces are contiguous
    pieces_.back().size += static_cast<uint32_t>(bytes.size());
  } else {
    Piece& piece = pieces_.emplace_back();
    piece.view = nullptr;
    piece.offset = static_cast<uint32_t>(owned_.size());
    piece.size = static_cast<uint32_t>(bytes.size());
    piece.head_size = 0;
  }
  owned_.append(bytes.data(), bytes.size());
  size_ += bytes.size();
}

void WireMessage::AppendView(absl::string_view bytes) {
  if (bytes.empty()) return;
  Piece& piece = pieces_.emplace_back();
  piece.view = bytes.data();
  piece.offset = 0;
  piece.size = static_cast<uint32_t>(bytes.size());
  piece.head_size = 0;
  size_ += bytes.size();
}

void WireMessage::AppendFieldView(int number, absl::string_view bytes) {
  Piece& piece = pieces_.emplace_back();
  // A view even when empty: the head is the piece.
  piece.view = bytes.data() != nullptr ? bytes.data() : "";
  piece.offset = 0;
  piece.size = static_cast<uint32_t>(bytes.size());
  size_t head = EncodeVarint(
      (static_cast<uint64_t>(number) << 3) | kLengthDelimitedWireType,
      piece.head);
  head += EncodeVarint(bytes.size(), piece.head + head);
  piece.head_size = static_cast<uint8_t>(head);
  size_ += head + bytes.size();
}

void WireMessage::CopyTo(char* out) const {
  for (const Piece& piece : pieces_) {
    std::memcpy(out, piece.head, piece.head_size);
    out += piece.head_size;
    std::memcpy(
        out, piece.view != nullptr ? piece.view : owned_.data() + piece.offset,
        piece.size);
    out += piece.size;
  }
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
  out->AppendFieldView(number, bytes);
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
