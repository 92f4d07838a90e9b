// Reads protobuf wire format from a string_view, field by field, without a
// message: for code that looks at a few fields of cached article bytes or
// checks them.
#ifndef NEWSMETA_SERVER_UTIL_WIRE_READER_H_
#define NEWSMETA_SERVER_UTIL_WIRE_READER_H_

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace newsmeta {

// The wire types newsmeta's messages use.
inline constexpr uint32_t kVarintWireType = 0;
inline constexpr uint32_t kFixed64WireType = 1;
inline constexpr uint32_t kLengthDelimitedWireType = 2;
inline constexpr uint32_t kFixed32WireType = 5;

class WireReader {
 public:
  explicit WireReader(absl::string_view data) : data_(data) {}

  bool done() const { return data_.empty(); }
  // How many bytes are left to read.
  size_t left() const { return data_.size(); }

  bool ReadVarint(uint64_t* value) {
    *value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (data_.empty()) return false;
      const uint8_t byte = static_cast<uint8_t>(data_[0]);
      data_.remove_prefix(1);
      *value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }

  // A varint of at most 5 bytes whose value fits in 32 bits: how protobuf's
  // parser reads tags and lengths (it refuses longer ones).
  bool ReadVarint32(uint32_t* value) {
    uint64_t wide = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (data_.empty()) return false;
      const uint8_t byte = static_cast<uint8_t>(data_[0]);
      data_.remove_prefix(1);
      wide |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        if (wide > UINT32_MAX) return false;
        *value = static_cast<uint32_t>(wide);
        return true;
      }
    }
    return false;
  }

  // Reads a tag, then the field's value: a varint into `*varint`, or a
  // length-delimited value into `*bytes`; fixed-size values are skipped.
  bool ReadField(uint32_t* number, uint32_t* wire_type, uint64_t* varint,
                 absl::string_view* bytes) {
    uint32_t tag;
    if (!ReadVarint32(&tag) || (tag >> 3) == 0) return false;
    *number = tag >> 3;
    *wire_type = tag & 7;
    switch (*wire_type) {
      case kVarintWireType:
        return ReadVarint(varint);
      case kFixed64WireType:
        return Skip(8);
      case kLengthDelimitedWireType: {
        uint32_t size;
        if (!ReadVarint32(&size) || size > data_.size()) return false;
        *bytes = data_.substr(0, size);
        data_.remove_prefix(size);
        return true;
      }
      case kFixed32WireType:
        return Skip(4);
      default:
        return false;  // groups are not used by newsmeta's messages
    }
  }

 private:
  bool Skip(size_t n) {
    if (n > data_.size()) return false;
    data_.remove_prefix(n);
    return true;
  }

  absl::string_view data_;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_UTIL_WIRE_READER_H_
