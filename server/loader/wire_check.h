// Checks that bytes are a well-formed protobuf message of a given type,
// without building the message: what a snapshot's articles need before the
// catalog serves them as they are.
#ifndef NEWSMETA_SERVER_LOADER_WIRE_CHECK_H_
#define NEWSMETA_SERVER_LOADER_WIRE_CHECK_H_

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace newsmeta {

// Walks messages of one type (and the types nested in it) on the wire. It
// accepts no more than protobuf's parser does: every tag, varint, fixed value
// and length is well formed, each string field (in any nested message) is
// valid UTF-8, packed repeated fields hold whole values, and messages nest at
// most 100 deep (protobuf's default limit). It refuses groups, which the
// parser would take but protobuf never writes for these proto3 messages, and
// a length-delimited value of a scalar field that is not a whole packed run
// (the parser would keep it as an unknown field). Unknown fields are skipped,
// as the parser keeps them. Immutable once built, so one checker serves every
// thread.
class WireChecker {
 public:
  explicit WireChecker(const google::protobuf::Descriptor* type);

  // True when `bytes` would parse as the checker's message type.
  bool Check(absl::string_view bytes) const;

 private:
  enum class Kind : uint8_t {
    kUnknown,  // not a field of the type: skipped whatever its wire type
    kString,   // length-delimited, valid UTF-8
    kBytes,    // length-delimited, anything
    kMessage,  // length-delimited, a message of `nested`
    kVarint,   // a varint, or when repeated a packed run of them
    kFixed32,  // 4 bytes, or when repeated a packed run of them
    kFixed64,  // 8 bytes, or when repeated a packed run of them
  };
  struct Field {
    Kind kind = Kind::kUnknown;
    uint32_t nested = 0;  // index into types_, for kMessage
  };
  // One message type: its fields by number (numbers past the end of the
  // vector are unknown).
  struct Type {
    std::vector<Field> fields;
  };

  uint32_t Add(const google::protobuf::Descriptor* type);
  bool CheckMessage(uint32_t type, absl::string_view bytes, int depth) const;

  std::vector<Type> types_;
  std::vector<const google::protobuf::Descriptor*> descriptors_;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_LOADER_WIRE_CHECK_H_
