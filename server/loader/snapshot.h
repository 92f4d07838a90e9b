// Snapshots: the articles of a catalog in one binary file, so that a server
// can start without parsing the seeds (newsmeta-server --write_snapshot=FILE,
// then --snapshot=FILE).
//
// Layout, integers little-endian:
//   "NMSNAP"                   6 bytes, the magic
//   format version             uint16, kSnapshotFormatVersion
//   article count              uint64
//   segment count              uint32, at least 1
//   catalog version            uint16 length, then the bytes (Catalog::version)
//   newsmeta version           uint16 length, then the bytes (the writer's)
//   checksum                   32 bytes: XXH3-128 (xxh128sum's canonical
//                              form), in lowercase hex, of all that follows
//                              it, then of the header before it
//   content hash               MultisetHash::kBytes: the catalog's
//                              (Catalog::content_hash), whose version is the
//                              catalog version above
//   then each segment, runs of neighbouring articles in catalog order of at
//   most the size a load from scratch cuts (WriteSnapshot's
//   max_segment_articles), so that a server started from the file has the
//   segments a cold start has and rewrites one alone:
//     article count            uint64
//     text index size          uint64
//     payload size             uint64
//     content hash             MultisetHash::kBytes, of its articles
//     article table            per article, its size (uint32): where each
//                              lies in the payload, found without reading it
//     text index               the segment's (TextIndex::AppendBytes), so a
//                              restart need not tokenize every title and
//                              excerpt again; one whose tokenizer version is
//                              not this server's is built again instead
//     payload                  per article, in catalog order: its size in
//                              decimal (no leading zeros), ':', then the
//                              Article serialized deterministically
// The writer takes the content hashes and version from its catalog; a reader
// takes them from the file, which the checksum covers, instead of hashing
// every article again with SHA-256 (ten times the checksum's cost), and
// checks that the version is the content hash's and the segments' hashes add
// up to it. A server started from a snapshot can then take changes on top of
// it in O(change). Each segment is laid out as a segment's catalog views it
// (an article table, then the bytes): the step toward serving one straight
// from the mapped file.
// A file that is truncated, corrupt, foreign or of another format version is
// refused with an error naming it and the problem.
#ifndef NEWSMETA_SERVER_LOADER_SNAPSHOT_H_
#define NEWSMETA_SERVER_LOADER_SNAPSHOT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "catalog/segmented_catalog.h"

namespace newsmeta {

inline constexpr absl::string_view kSnapshotMagic = "NMSNAP";
// Version 1 framed articles with varint sizes and hashed the header first;
// version 2 had a SHA-256 checksum, and readers hashed the catalog version;
// version 3 had no article table or text index; version 4 had no content
// hash, and its catalog version was a SHA-256 of the payload; version 5 held
// the catalog as one segment.
inline constexpr uint16_t kSnapshotFormatVersion = 6;

struct SnapshotInfo {
  std::string catalog_version;
  // Version of the newsmeta that wrote the file.
  std::string newsmeta_version;
  int64_t articles = 0;
  int64_t segments = 0;
  // Size of the whole file.
  int64_t bytes = 0;
  // Read: the file's text index was made by another tokenizer version, so it
  // was built again from the articles.
  bool text_index_rebuilt = false;
};

// Writes the live articles of `catalog` (their wire bytes) to `path` as
// segments of at most `max_segment_articles` articles each (cut as
// SegmentedCatalog::MergeInto cuts them: a segment of `catalog` that is such
// a part is written with its own indexes, any other part is indexed anew),
// through a temporary file beside it that is renamed into place, so readers
// never see half a snapshot. The file is written as it is made: no more
// memory than one part's indexes.
absl::StatusOr<SnapshotInfo> WriteSnapshot(
    const SegmentedCatalog& catalog, const std::string& path,
    absl::string_view newsmeta_version, size_t max_segment_articles = SIZE_MAX);

// Reads the snapshot at `path` and builds its segments from the articles'
// bytes as they are (Catalog::FromCatalogBytes), views into the file's bytes
// (FileBytes: mapped under a read lease where the kernel grants one, read
// into memory otherwise): no copy or parse per article. Each article is checked
// (WireChecker: it would parse) and the checksum is verified on a second
// thread while the segments index; the catalog's version is the header's,
// each segment's text index the file's (decoded on a third thread and
// checked to be well-formed: postings ascending, below the segment's article
// count). Errors name the file: NOT_FOUND when it is missing,
// INVALID_ARGUMENT when it is not a snapshot, FAILED_PRECONDITION for
// another format version, DATA_LOSS when it is truncated or corrupt,
// including articles out of catalog order (within a segment or across two)
// or a name in two segments. The checksum vouches for the text indexes
// against corruption; a file forged with a checksum made again can make text
// search answer wrongly, never read out of bounds.
absl::StatusOr<std::shared_ptr<const SegmentedCatalog>> LoadSnapshotCatalog(
    const std::string& path, SnapshotInfo* info = nullptr);

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_LOADER_SNAPSHOT_H_
