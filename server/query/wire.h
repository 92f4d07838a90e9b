// Protobuf wire-format pieces, for responses assembled from bytes that are
// already serialized (see Catalog::ArticleBytes).
#ifndef NEWSMETA_SERVER_QUERY_WIRE_H_
#define NEWSMETA_SERVER_QUERY_WIRE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace newsmeta {

// Appends field `number` as a length-delimited value (a string, bytes or an
// embedded message), as a repeated field's element too. An empty value is
// appended only when `keep_empty` (proto3 leaves empty singular fields out).
void AppendBytesField(int number, absl::string_view bytes, std::string* out,
                      bool keep_empty = false);

// Appends field `number` as a varint; proto3 leaves zero out, and so does
// this.
void AppendVarintField(int number, uint64_t value, std::string* out);

// A message assembled from pieces, for answers made of cached bytes: small
// bytes it owns (tags, lengths, scalar fields) and views of bytes that
// outlive it (a catalog's article bytes, kept alive by KeepAlive). The
// transport copies the pieces once into its own buffer (or Flatten does).
class WireMessage {
 public:
  // Copies `bytes` into the message.
  void AppendOwned(absl::string_view bytes);
  // Refers to `bytes`, which must stay valid as long as the message (see
  // KeepAlive).
  void AppendView(absl::string_view bytes);
  // Field `number` as a length-delimited value: its tag and length are
  // copied (inline in the piece: no allocation), the value is referred to as
  // by AppendView.
  void AppendFieldView(int number, absl::string_view bytes);
  // Keeps `owner` (say, the catalog the views point into) alive as long as
  // the message.
  void KeepAlive(std::shared_ptr<const void> owner) {
    owner_ = std::move(owner);
  }

  // Room for `pieces` pieces and `owned_bytes` owned bytes.
  void Reserve(size_t pieces, size_t owned_bytes) {
    pieces_.reserve(pieces);
    owned_.reserve(owned_bytes);
  }

  // Total size in bytes.
  size_t size() const { return size_; }
  // Calls `f(absl::string_view)` for each piece, in order (a field's tag and
  // length, then its value, as two).
  template <typename F>
  void ForEachPiece(const F& f) const {
    for (const Piece& piece : pieces_) {
      if (piece.head_size != 0)
        f(absl::string_view(piece.head, piece.head_size));
      f(piece.view != nullptr
            ? absl::string_view(piece.view, piece.size)
            : absl::string_view(owned_.data() + piece.offset, piece.size));
    }
  }
  // Copies every piece into `out`, which has room for size() bytes.
  void CopyTo(char* out) const;
  std::string Flatten() const;
  void Clear();

 private:
  struct Piece {
    const char* view;  // nullptr: owned_[offset, offset + size)
    uint32_t offset;
    uint32_t size;
    // Bytes that come before the piece: a tag and a length.
    uint8_t head_size;
    char head[15];
  };
  std::string owned_;
  std::vector<Piece> pieces_;
  size_t size_ = 0;
  std::shared_ptr<const void> owner_;
};

// As above, into a WireMessage: the field's tag and length are copied, the
// value is referred to (AppendView).
void AppendBytesFieldView(int number, absl::string_view bytes, WireMessage* out,
                          bool keep_empty = false);
// The same with the value copied too.
void AppendBytesField(int number, absl::string_view bytes, WireMessage* out,
                      bool keep_empty = false);
void AppendVarintField(int number, uint64_t value, WireMessage* out);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_QUERY_WIRE_H_
