#include "loader/wire_check.h"

#include <algorithm>

#include "util/utf8.h"
#include "util/wire_reader.h"

namespace newsmeta {
namespace {

using ::google::protobuf::FieldDescriptor;

// protobuf's default recursion limit (io::CodedInputStream).
constexpr int kMaxDepth = 100;

// True when `bytes` is a run of whole varints.
bool IsPackedVarints(absl::string_view bytes) {
  WireReader reader(bytes);
  uint64_t value;
  while (!reader.done()) {
    if (!reader.ReadVarint(&value)) return false;
  }
  return true;
}

}  // namespace

WireChecker::WireChecker(const google::protobuf::Descriptor* type) {
  Add(type);
}

uint32_t WireChecker::Add(const google::protobuf::Descriptor* type) {
  const auto known = std::find(descriptors_.begin(), descriptors_.end(), type);
  if (known != descriptors_.end()) {
    return static_cast<uint32_t>(known - descriptors_.begin());
  }
  const uint32_t index = static_cast<uint32_t>(types_.size());
  descriptors_.push_back(type);
  types_.emplace_back();
  int max_number = 0;
  for (int i = 0; i < type->field_count(); ++i) {
    max_number = std::max(max_number, type->field(i)->number());
  }
  std::vector<Field> fields(static_cast<size_t>(max_number) + 1);
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    Field& out = fields[static_cast<size_t>(field->number())];
    switch (field->type()) {
      case FieldDescriptor::TYPE_STRING:
        // proto3 strings are checked by the parser; proto2 ones are not.
        out.kind = field->file()->syntax() ==
                           google::protobuf::FileDescriptor::SYNTAX_PROTO3
                       ? Kind::kString
                       : Kind::kBytes;
        break;
      case FieldDescriptor::TYPE_BYTES:
        out.kind = Kind::kBytes;
        break;
      case FieldDescriptor::TYPE_MESSAGE:
        out.kind = Kind::kMessage;
        out.nested = Add(field->message_type());  // may grow types_
        break;
      case FieldDescriptor::TYPE_GROUP:
        out.kind = Kind::kUnknown;  // groups are refused below
        break;
      case FieldDescriptor::TYPE_FIXED32:
      case FieldDescriptor::TYPE_SFIXED32:
      case FieldDescriptor::TYPE_FLOAT:
        out.kind = Kind::kFixed32;
        break;
      case FieldDescriptor::TYPE_FIXED64:
      case FieldDescriptor::TYPE_SFIXED64:
      case FieldDescriptor::TYPE_DOUBLE:
        out.kind = Kind::kFixed64;
        break;
      default:  // int32/64, uint32/64, sint32/64, bool, enum
        out.kind = Kind::kVarint;
        break;
    }
  }
  types_[index].fields = std::move(fields);
  return index;
}

bool WireChecker::Check(absl::string_view bytes) const {
  return CheckMessage(0, bytes, 0);
}

bool WireChecker::CheckMessage(uint32_t type, absl::string_view bytes,
                               int depth) const {
  if (depth >= kMaxDepth) return false;
  const std::vector<Field>& fields = types_[type].fields;
  WireReader reader(bytes);
  while (!reader.done()) {
    uint32_t number, wire_type;
    uint64_t varint = 0;
    absl::string_view value;
    // Refuses tag 0, groups and wire types 6 and 7, like the parser (which
    // takes groups; protobuf writes none for these proto3 messages).
    if (!reader.ReadField(&number, &wire_type, &varint, &value)) return false;
    if (wire_type != kLengthDelimitedWireType) continue;
    const Field field = number < fields.size() ? fields[number] : Field();
    switch (field.kind) {
      case Kind::kString:
        if (!IsValidUtf8(value)) return false;
        break;
      case Kind::kMessage:
        if (!CheckMessage(field.nested, value, depth + 1)) return false;
        break;
      case Kind::kVarint:  // packed
        if (!IsPackedVarints(value)) return false;
        break;
      case Kind::kFixed32:
        if (value.size() % 4 != 0) return false;
        break;
      case Kind::kFixed64:
        if (value.size() % 8 != 0) return false;
        break;
      case Kind::kUnknown:
      case Kind::kBytes:
        break;
    }
  }
  return true;
}

}  // namespace newsmeta
