// What the snapshot reader (snapshot.cc) and writer (snapshot_writer.cc)
// share: the layout's fixed sizes and its integer and error helpers
// (snapshot.h has the layout).
#ifndef NEWSMETA_SERVER_LOADER_SNAPSHOT_FORMAT_H_
#define NEWSMETA_SERVER_LOADER_SNAPSHOT_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "util/little_endian.h"
#include "util/multiset_hash.h"

namespace newsmeta::snapshot_format {

inline constexpr size_t kChecksumSize = 32;  // XXH3-128 in hex
// Magic, format version, article count, segment count, two empty strings,
// checksum: the smallest header (the content hash follows).
inline constexpr size_t kMinHeaderSize = 6 + 2 + 8 + 4 + 2 + 2 + kChecksumSize;
// A segment's article count, text index size, payload size, content hash.
inline constexpr size_t kSegmentHeaderSize = 8 + 8 + 8 + MultisetHash::kBytes;

inline void PutInt(std::string* out, uint64_t value, int bytes) {
  AppendLittleEndian(value, bytes, out);
}

inline uint64_t GetInt(absl::string_view in, size_t offset, int bytes) {
  return LoadLittleEndian(in.data() + offset, static_cast<size_t>(bytes));
}

// An error naming the snapshot file.
inline absl::Status Problem(absl::StatusCode code, const std::string& path,
                            absl::string_view why) {
  return absl::Status(code, absl::StrCat("snapshot \"", path, "\": ", why));
}

// How many decimal digits `value` takes (an article's framing in the
// payload: its size in decimal, then ':').
inline size_t DecimalDigits(uint64_t value) {
  size_t digits = 1;
  while (value >= 10) {
    value /= 10;
    ++digits;
  }
  return digits;
}

}  // namespace newsmeta::snapshot_format

#endif  // NEWSMETA_SERVER_LOADER_SNAPSHOT_FORMAT_H_
