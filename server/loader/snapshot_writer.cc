// WriteSnapshot (snapshot.h): the file written as it is made, one segment
// at a time.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "loader/snapshot.h"
#include "loader/snapshot_format.h"
#include "text/text_index.h"
#include "util/status_macros.h"
#include "util/xxh128.h"

namespace newsmeta {
namespace {

using snapshot_format::DecimalDigits;
using snapshot_format::kMinHeaderSize;
using snapshot_format::Problem;
using snapshot_format::PutInt;

// A temporary file written in order, everything after the header hashed as
// it goes (the header is hashed last, once its facts are known).
class SnapshotWriter {
 public:
  SnapshotWriter(std::string path, std::string temporary)
      : path_(std::move(path)), temporary_(std::move(temporary)) {}
  ~SnapshotWriter() {
    if (file_ != nullptr) std::fclose(file_);
    if (!renamed_) std::remove(temporary_.c_str());
  }

  // Opens the temporary file and leaves `header_size` bytes for the header
  // and the checksum.
  absl::Status Open(size_t header_size) {
    file_ = std::fopen(temporary_.c_str(), "wb");
    if (file_ == nullptr) {
      return Problem(absl::StatusCode::kFailedPrecondition, path_,
                     absl::StrCat("cannot write \"", temporary_,
                                  "\": ", std::strerror(errno)));
    }
    if (std::fseek(file_, static_cast<long>(header_size), SEEK_SET) != 0) {
      return WriteProblem(errno);
    }
    bytes_ = header_size;
    return absl::OkStatus();
  }

  void Put(absl::string_view bytes) {
    hasher_.Update(bytes);
    ok_ = ok_ &&
          std::fwrite(bytes.data(), 1, bytes.size(), file_) == bytes.size();
    if (!ok_ && error_ == 0) error_ = errno;
    bytes_ += bytes.size();
  }

  // Hashes the header last, writes it and the checksum at the start, and
  // renames the file into place. The file's size.
  absl::StatusOr<size_t> Finish(absl::string_view header) {
    hasher_.Update(header);
    const std::string checksum = hasher_.HexDigest();
    ok_ =
        ok_ && std::fseek(file_, 0, SEEK_SET) == 0 &&
        std::fwrite(header.data(), 1, header.size(), file_) == header.size() &&
        std::fwrite(checksum.data(), 1, checksum.size(), file_) ==
            checksum.size();
    if (!ok_ && error_ == 0) error_ = errno;
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    if (!closed && error_ == 0) error_ = errno;
    if (!ok_ || !closed) return WriteProblem(error_);
    if (std::rename(temporary_.c_str(), path_.c_str()) != 0) {
      return WriteProblem(errno);
    }
    renamed_ = true;
    return bytes_;
  }

 private:
  absl::Status WriteProblem(int error) const {
    return Problem(absl::StatusCode::kFailedPrecondition, path_,
                   absl::StrCat("cannot write: ", std::strerror(error)));
  }

  const std::string path_;
  const std::string temporary_;
  std::FILE* file_ = nullptr;
  Xxh128Hasher hasher_;
  bool ok_ = true;
  int error_ = 0;
  bool renamed_ = false;
  size_t bytes_ = 0;
};

// Writes `segment` as the file lays a segment out.
void PutSegment(const Catalog& segment, SnapshotWriter* out) {
  std::string table;  // each article's size
  table.reserve(4 * segment.size());
  size_t payload_size = 0;
  for (ArticleIndex i = 0; i < segment.size(); ++i) {
    const size_t size =
        segment.ArticleBytes(i, newsmeta::v1::ARTICLE_VIEW_FULL).size();
    PutInt(&table, size, 4);  // a catalog article is under 4 GiB
    payload_size += DecimalDigits(size) + 1 + size;
  }
  std::string text_index;
  segment.text_index().AppendBytes(&text_index);
  std::string header;
  PutInt(&header, segment.size(), 8);
  PutInt(&header, text_index.size(), 8);
  PutInt(&header, payload_size, 8);
  header.append(segment.content_hash().Bytes());
  out->Put(header);
  out->Put(table);
  out->Put(text_index);
  for (ArticleIndex i = 0; i < segment.size(); ++i) {
    const absl::string_view bytes =
        segment.ArticleBytes(i, newsmeta::v1::ARTICLE_VIEW_FULL);
    out->Put(absl::StrCat(bytes.size(), ":"));
    out->Put(bytes);
  }
}

}  // namespace

absl::StatusOr<SnapshotInfo> WriteSnapshot(const SegmentedCatalog& catalog,
                                           const std::string& path,
                                           absl::string_view newsmeta_version,
                                           size_t max_segment_articles) {
  SnapshotInfo info;
  info.catalog_version = catalog.version();
  info.newsmeta_version = std::string(newsmeta_version.substr(0, 0xFFFF));
  info.articles = static_cast<int64_t>(catalog.size());

  SnapshotWriter out(path, absl::StrCat(path, ".tmp-", ::getpid()));
  RETURN_IF_ERROR(out.Open(kMinHeaderSize + info.catalog_version.size() +
                           info.newsmeta_version.size()));
  out.Put(catalog.content_hash().Bytes());
  RETURN_IF_ERROR(
      catalog.ForEachPart(max_segment_articles, [&](const Catalog& part) {
        PutSegment(part, &out);
        ++info.segments;
        return absl::OkStatus();
      }));

  std::string header;  // up to the checksum
  header.append(kSnapshotMagic.data(), kSnapshotMagic.size());
  PutInt(&header, kSnapshotFormatVersion, 2);
  PutInt(&header, catalog.size(), 8);
  PutInt(&header, static_cast<uint64_t>(info.segments), 4);
  PutInt(&header, info.catalog_version.size(), 2);
  header.append(info.catalog_version);
  PutInt(&header, info.newsmeta_version.size(), 2);
  header.append(info.newsmeta_version);
  absl::StatusOr<size_t> bytes = out.Finish(header);
  if (!bytes.ok()) return bytes.status();
  info.bytes = static_cast<int64_t>(*bytes);
  return info;
}

}  // namespace newsmeta
