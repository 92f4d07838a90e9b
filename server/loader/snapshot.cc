#include "loader/snapshot.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "loader/snapshot_format.h"
#include "loader/wire_check.h"
#include "text/text_index.h"
#include "util/file_bytes.h"
#include "util/multiset_hash.h"
#include "util/status_macros.h"
#include "util/xxh128.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;
using snapshot_format::DecimalDigits;
using snapshot_format::GetInt;
using snapshot_format::kChecksumSize;
using snapshot_format::kMinHeaderSize;
using snapshot_format::kSegmentHeaderSize;
using snapshot_format::Problem;

// Reads an article's size at `*offset` (decimal digits, no leading zeros,
// then ':'), advancing past the ':'; false when it is malformed or runs past
// the end.
bool ReadSize(absl::string_view in, size_t* offset, uint64_t* value) {
  constexpr int kMaxDigits = 19;  // fits in uint64_t
  *value = 0;
  const size_t start = *offset;
  while (*offset < in.size() && in[*offset] >= '0' && in[*offset] <= '9') {
    if (*offset - start == kMaxDigits) return false;
    *value = *value * 10 + static_cast<uint64_t>(in[*offset] - '0');
    ++*offset;
  }
  const size_t digits = *offset - start;
  if (digits == 0 || (digits > 1 && in[start] == '0')) return false;
  if (*offset == in.size() || in[*offset] != ':') return false;
  ++*offset;
  return true;
}

// The file's bytes (FileBytes: mapped when the kernel lets it), errors naming
// it.
absl::StatusOr<std::shared_ptr<const FileBytes>> ReadWhole(
    const std::string& path) {
  absl::StatusOr<std::shared_ptr<const FileBytes>> file = FileBytes::Read(path);
  if (!file.ok()) {
    return Problem(file.status().code(), path, file.status().message());
  }
  return file;
}

// Where a segment's parts are in the file.
struct SegmentLayout {
  // The whole segment, its header to its payload's end.
  absl::string_view bytes;
  MultisetHash content_hash;
  absl::string_view text_index;
  absl::string_view payload;
  std::vector<absl::string_view> articles;
  // Articles in the segments before this one.
  size_t first_article = 0;
};

// Where things are in a snapshot file: its header's facts and each
// segment's, found and bounds-checked but not verified.
struct Layout {
  SnapshotInfo info;
  MultisetHash content_hash;
  size_t checksum_offset = 0;
  std::vector<SegmentLayout> segments;
};

// Reads the segment at `*offset` of `file` into `segment`, advancing past
// it; `remaining` articles of the header's count are not yet placed.
absl::Status ReadSegmentLayout(const std::string& path, absl::string_view file,
                               size_t* offset, uint64_t remaining,
                               SegmentLayout* segment) {
  if (file.size() - *offset < kSegmentHeaderSize) {
    return Problem(absl::StatusCode::kDataLoss, path,
                   "truncated in a segment's header");
  }
  const uint64_t count = GetInt(file, *offset, 8);
  const uint64_t text_index_size = GetInt(file, *offset + 8, 8);
  const uint64_t payload_size = GetInt(file, *offset + 16, 8);
  // Never nullopt: the size is right. Checked after the checksum
  // (ContentHashProblem).
  segment->content_hash =
      *MultisetHash::FromBytes(file.substr(*offset + 24, MultisetHash::kBytes));
  const size_t table_offset = *offset + kSegmentHeaderSize;
  if (count > remaining) {
    return Problem(absl::StatusCode::kDataLoss, path,
                   absl::StrCat("corrupt: its segments hold more than the ",
                                segment->first_article + remaining,
                                " articles its header says"));
  }
  if (count > (file.size() - table_offset) / 4) {
    return Problem(absl::StatusCode::kDataLoss, path,
                   absl::StrCat("truncated: ", count,
                                " articles' sizes do not fit in the file"));
  }
  const absl::string_view table = file.substr(table_offset, 4 * count);
  const size_t text_index_offset = table_offset + table.size();
  if (text_index_size > file.size() - text_index_offset) {
    return Problem(
        absl::StatusCode::kDataLoss, path,
        absl::StrCat("truncated: the text index is ", text_index_size,
                     " bytes, the file has ", file.size() - text_index_offset,
                     " after its segment's header"));
  }
  segment->text_index = file.substr(text_index_offset, text_index_size);
  const size_t payload_offset = text_index_offset + text_index_size;
  if (payload_size > file.size() - payload_offset) {
    return Problem(
        absl::StatusCode::kDataLoss, path,
        absl::StrCat("truncated: the payload is ", file.size() - payload_offset,
                     " bytes, its segment's header says ", payload_size));
  }
  const absl::string_view payload = segment->payload =
      file.substr(payload_offset, payload_size);
  segment->bytes =
      file.substr(*offset, payload_offset + payload_size - *offset);
  *offset = payload_offset + payload_size;

  // The articles, where the table's sizes put them: each after its size in
  // decimal and ':' (which ArticleFramed checks, off this path).
  const size_t total = segment->first_article + remaining;
  segment->articles.reserve(count);
  size_t at = 0;
  for (size_t i = 0; i < count; ++i) {
    const uint64_t size = GetInt(table, 4 * i, 4);
    const size_t start = at + DecimalDigits(size) + 1;
    if (start > payload.size() || size > payload.size() - start) {
      return Problem(
          absl::StatusCode::kDataLoss, path,
          absl::StrCat("corrupt: article ", segment->first_article + i + 1,
                       " of ", total, " overruns the payload"));
    }
    segment->articles.push_back(payload.substr(start, size));
    at = start + size;
  }
  if (at != payload.size()) {
    return Problem(absl::StatusCode::kDataLoss, path,
                   absl::StrCat("corrupt: the ", count, " articles of ",
                                segment->first_article == 0 && count == total
                                    ? "its segment"
                                    : "a segment",
                                " end ", payload.size() - at,
                                " bytes before its payload does"));
  }
  return absl::OkStatus();
}

// The layout of the snapshot `file`, read from `path`.
absl::StatusOr<Layout> ReadLayout(const std::string& path,
                                  absl::string_view file) {
  Layout layout;
  SnapshotInfo& info = layout.info;
  info.bytes = static_cast<int64_t>(file.size());

  if (file.size() < kSnapshotMagic.size() ||
      file.substr(0, kSnapshotMagic.size()) != kSnapshotMagic) {
    return Problem(absl::StatusCode::kInvalidArgument, path,
                   "not a newsmeta snapshot (it does not start with the "
                   "magic \"NMSNAP\")");
  }
  if (file.size() < kMinHeaderSize) {
    return Problem(absl::StatusCode::kDataLoss, path,
                   absl::StrCat("truncated: ", file.size(),
                                " bytes, shorter than a header"));
  }
  const uint64_t format = GetInt(file, 6, 2);
  if (format != kSnapshotFormatVersion) {
    return Problem(
        absl::StatusCode::kFailedPrecondition, path,
        absl::StrCat("format version ", format,
                     ", but this server reads version ", kSnapshotFormatVersion,
                     "; write it again with this server"));
  }
  const uint64_t count = GetInt(file, 8, 8);
  const uint64_t segments = GetInt(file, 16, 4);
  size_t offset = 20;
  std::string* strings[] = {&info.catalog_version, &info.newsmeta_version};
  for (int k = 0; k < 2; ++k) {
    const size_t size = GetInt(file, offset, 2);
    offset += 2;
    // Room for this string, the next one's length (if any) and the checksum.
    if (file.size() < offset + size + (k == 0 ? 2 : 0) + kChecksumSize) {
      return Problem(absl::StatusCode::kDataLoss, path,
                     "truncated in its header");
    }
    *strings[k] = std::string(file.substr(offset, size));
    offset += size;
  }
  // Served in every response's header: it must be what Catalog::version()
  // gives, whatever else the file says.
  if (!Catalog::IsVersion(info.catalog_version)) {
    return Problem(absl::StatusCode::kDataLoss, path,
                   "corrupt: its catalog version is not 16 lowercase hex "
                   "digits");
  }
  const size_t checksum_offset = layout.checksum_offset = offset;
  const size_t hash_offset = checksum_offset + kChecksumSize;
  if (file.size() - hash_offset < MultisetHash::kBytes) {
    return Problem(absl::StatusCode::kDataLoss, path,
                   "truncated in its content hash");
  }
  // Never nullopt: the size is right. Checked against the version after
  // the checksum (ContentHashProblem).
  layout.content_hash =
      *MultisetHash::FromBytes(file.substr(hash_offset, MultisetHash::kBytes));
  offset = hash_offset + MultisetHash::kBytes;
  if (segments == 0 || segments > (file.size() - offset) / kSegmentHeaderSize) {
    return Problem(absl::StatusCode::kDataLoss, path,
                   absl::StrCat(segments == 0 ? "corrupt: " : "truncated: ",
                                segments, " segments do not fit in the file"));
  }
  layout.segments.resize(segments);
  size_t placed = 0;
  for (SegmentLayout& segment : layout.segments) {
    segment.first_article = placed;
    RETURN_IF_ERROR(
        ReadSegmentLayout(path, file, &offset, count - placed, &segment));
    placed += segment.articles.size();
  }
  if (placed != count) {
    return Problem(
        absl::StatusCode::kDataLoss, path,
        absl::StrCat("truncated: its segments hold ", placed, " of the ", count,
                     " articles its header says"));
  }
  if (offset != file.size()) {
    return Problem(absl::StatusCode::kDataLoss, path,
                   absl::StrCat("corrupt: ", file.size() - offset,
                                " bytes follow its last segment"));
  }
  info.articles = static_cast<int64_t>(count);
  info.segments = static_cast<int64_t>(segments);
  return layout;
}

// The snapshot's checksum (XXH3-128 of all that follows it, then the header
// before it) matches.
bool ChecksumMatches(absl::string_view file, const Layout& layout) {
  Xxh128Hasher hasher;
  hasher.Update(file.substr(layout.checksum_offset + kChecksumSize));
  hasher.Update(file.substr(0, layout.checksum_offset));
  return hasher.HexDigest() ==
         file.substr(layout.checksum_offset, kChecksumSize);
}

// Article `i` of `segment` lies in its payload after its size in decimal and
// ':' (PutSegment).
bool ArticleFramed(const SegmentLayout& segment, size_t i) {
  const absl::string_view article = segment.articles[i];
  const size_t begins =
      static_cast<size_t>(article.data() - segment.payload.data());
  size_t at = begins - DecimalDigits(article.size()) - 1;
  uint64_t size;
  return ReadSize(segment.payload, &at, &size) && size == article.size() &&
         at == begins;
}

absl::Status ChecksumProblem(const std::string& path) {
  return Problem(absl::StatusCode::kDataLoss, path,
                 "corrupt: the checksum does not match its content");
}

// What is wrong with a snapshot whose checksum matches but whose content
// hashes are not those of its catalog version and article counts (a forged
// or miswritten file); OK when nothing is.
absl::Status ContentHashProblem(const std::string& path, const Layout& layout) {
  MultisetHash sum;
  bool counts_match = true;
  size_t count = 0;
  for (const SegmentLayout& segment : layout.segments) {
    sum.Add(segment.content_hash);
    counts_match =
        counts_match && segment.content_hash.count() == segment.articles.size();
    count += segment.articles.size();
  }
  if (layout.content_hash.count() == count &&
      Catalog::VersionOf(layout.content_hash) == layout.info.catalog_version &&
      counts_match && sum == layout.content_hash) {
    return absl::OkStatus();
  }
  return Problem(absl::StatusCode::kDataLoss, path,
                 "corrupt: its catalog version and article count are not "
                 "those of its content hash, or its segments' content "
                 "hashes do not add up to it");
}

// The first problem with an article of `layout`: not framed as written, or
// not a well-formed Article; OK when there is none.
absl::Status ArticlesProblem(const std::string& path, const Layout& layout) {
  const WireChecker checker(Article::descriptor());
  for (const SegmentLayout& segment : layout.segments) {
    for (size_t i = 0; i < segment.articles.size(); ++i) {
      const size_t number = segment.first_article + i + 1;
      if (!ArticleFramed(segment, i)) {
        return Problem(absl::StatusCode::kDataLoss, path,
                       absl::StrCat("corrupt: article ", number,
                                    " does not follow its size in the "
                                    "payload"));
      }
      if (!checker.Check(segment.articles[i])) {
        return Problem(
            absl::StatusCode::kDataLoss, path,
            absl::StrCat("corrupt: article ", number, " does not parse"));
      }
    }
  }
  return absl::OkStatus();
}

// Each segment's text index decoded in turn on a thread of its own, handed
// out as the segments are indexed.
class TextIndexDecoder {
 public:
  explicit TextIndexDecoder(const Layout& layout)
      : layout_(layout), decoded_(layout.segments.size()) {
    thread_ = std::thread([this] { Run(); });
  }
  ~TextIndexDecoder() { Stop(); }

  // Segment s's, waiting for it.
  absl::StatusOr<TextIndex> Take(size_t s) {
    absl::MutexLock lock(&mutex_);
    const auto ready = [this, s]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
      return ready_ > s;
    };
    mutex_.Await(absl::Condition(&ready));
    return std::move(decoded_[s]);
  }

  // Stops decoding (what is left is not needed) and waits for the thread.
  void Stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }

  // The first decoding problem other than a text index of another tokenizer
  // (built again); OK when there is none. After Stop.
  absl::Status Problem() const {
    for (size_t s = 0; s < problems_.size(); ++s) {
      if (!problems_[s].ok()) return problems_[s];
    }
    return absl::OkStatus();
  }
  bool AnyRebuilt() const { return rebuilt_; }

 private:
  void Run() {
    const size_t segments = layout_.segments.size();
    problems_.resize(segments);
    for (size_t s = 0; s < segments && !stopping_; ++s) {
      const SegmentLayout& segment = layout_.segments[s];
      absl::StatusOr<TextIndex> index = TextIndex::FromBytes(
          segment.text_index, static_cast<uint32_t>(segment.articles.size()));
      if (!index.ok()) {
        rebuilt_ = true;
        if (!absl::IsFailedPrecondition(index.status())) {
          problems_[s] = absl::DataLossError(
              absl::StrCat("corrupt: ", segments > 1 ? SegmentName(s) : "",
                           index.status().message()));
        }
      }
      absl::MutexLock lock(&mutex_);
      decoded_[s] = std::move(index);
      ready_ = s + 1;
    }
    absl::MutexLock lock(&mutex_);
    ready_ = segments;  // the rest stopped: Take is not called for them
  }

  static std::string SegmentName(size_t s) {
    return absl::StrCat("segment ", s + 1, ": ");
  }

  const Layout& layout_;
  absl::Mutex mutex_;
  std::vector<absl::StatusOr<TextIndex>> decoded_ ABSL_GUARDED_BY(mutex_);
  size_t ready_ ABSL_GUARDED_BY(mutex_) = 0;
  std::atomic<bool> stopping_{false};
  // Written by the thread, read after Stop.
  std::vector<absl::Status> problems_;
  bool rebuilt_ = false;
  std::thread thread_;
};

// What is wrong with `segments` read in this order: the first article of
// one not after the last of the one before in catalog order, or a name in
// two of them; OK when nothing is.
absl::Status SegmentsProblem(
    const std::string& path,
    const std::vector<SegmentedCatalog::Segment>& segments) {
  size_t articles = 0;
  for (size_t s = 1; s < segments.size(); ++s) {
    const Catalog& before = *segments[s - 1].catalog;
    const Catalog& after = *segments[s].catalog;
    articles += before.size();
    if (before.size() == 0 || after.size() == 0) continue;
    const ArticleIndex last = before.size() - 1;
    if (!InCatalogOrder(before.publish_time(last), before.fields(last).name,
                        after.publish_time(0), after.fields(0).name)) {
      return Problem(absl::StatusCode::kDataLoss, path,
                     absl::StrCat("corrupt: article ", articles + 1,
                                  " is out of catalog order: it does not "
                                  "come after article ",
                                  articles, " by publish time, then name"));
    }
  }
  if (segments.size() < 2) return absl::OkStatus();
  absl::flat_hash_set<absl::string_view> names;
  names.reserve(articles + segments.back().catalog->size());
  for (const SegmentedCatalog::Segment& segment : segments) {
    const Catalog& catalog = *segment.catalog;
    for (ArticleIndex i = 0; i < catalog.size(); ++i) {
      if (!names.insert(catalog.fields(i).name).second) {
        return Problem(absl::StatusCode::kDataLoss, path,
                       absl::StrCat("corrupt: ", catalog.fields(i).name,
                                    " is in two segments"));
      }
    }
  }
  return absl::OkStatus();
}

// What holds a segment's bytes: the file, and once no catalog views them
// any more (the segment purged or merged away, and every call that pinned
// it done), the memory of its pages given back, so that a purge's copy does
// not sit beside the whole file until every segment is gone.
class SegmentBytes {
 public:
  SegmentBytes(std::shared_ptr<const FileBytes> file, absl::string_view bytes)
      : file_(std::move(file)), bytes_(bytes) {}
  ~SegmentBytes() { file_->ReleasePages(bytes_); }
  SegmentBytes(const SegmentBytes&) = delete;
  SegmentBytes& operator=(const SegmentBytes&) = delete;

 private:
  const std::shared_ptr<const FileBytes> file_;
  const absl::string_view bytes_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<const SegmentedCatalog>> LoadSnapshotCatalog(
    const std::string& path, SnapshotInfo* info) {
  // The file is verified (checksum, then each article) on a thread of its
  // own while this one indexes the articles as they lie in it: bytes that
  // fail are indexed for nothing, never served, and a restart costs about
  // the indexing alone. Indexing takes any bytes without harm.
  absl::StatusOr<std::shared_ptr<const FileBytes>> file = ReadWhole(path);
  if (!file.ok()) return file.status();
  const absl::string_view bytes = (*file)->view();
  absl::StatusOr<Layout> layout = ReadLayout(path, bytes);
  if (!layout.ok()) return layout.status();
  absl::Status verdict;
  std::thread verifier([&] {
    if (!ChecksumMatches(bytes, *layout)) {
      verdict = ChecksumProblem(path);
      return;
    }
    verdict = ContentHashProblem(path, *layout);
    if (!verdict.ok()) return;
    verdict = ArticlesProblem(path, *layout);
  });
  const auto verified = [&verifier, &verdict] {
    if (verifier.joinable()) verifier.join();
    return verdict;
  };
  // The file's text indexes, decoded meanwhile: one made by another
  // tokenizer version is built again from the articles.
  TextIndexDecoder text_indexes(*layout);
  const size_t count = layout->segments.size();
  std::vector<SegmentedCatalog::Segment> segments;
  // Kept here too, so that a segment failed and let go gives back nothing
  // before the threads are done reading the file.
  std::vector<std::shared_ptr<const SegmentBytes>> holders;
  absl::Status indexed;
  for (size_t s = 0; s < count && indexed.ok(); ++s) {
    const SegmentLayout& segment = layout->segments[s];
    holders.push_back(
        std::make_shared<const SegmentBytes>(*file, segment.bytes));
    absl::StatusOr<std::shared_ptr<const Catalog>> catalog =
        Catalog::FromCatalogBytes(
            segment.articles, holders.back(),
            // The content hash the checksum vouches for (a failed check wins
            // below).
            [&segment] { return segment.content_hash; },
            [&text_indexes, s]() -> std::optional<TextIndex> {
              absl::StatusOr<TextIndex> index = text_indexes.Take(s);
              if (!index.ok()) return std::nullopt;
              return *std::move(index);
            });
    if (!catalog.ok()) {
      indexed = Problem(
          absl::StatusCode::kDataLoss, path,
          absl::StrCat("corrupt: ",
                       count > 1 ? absl::StrCat("segment ", s + 1, ": ") : "",
                       catalog.status().message()));
    } else {
      segments.push_back({*std::move(catalog), nullptr});
    }
  }
  text_indexes.Stop();
  // The threads above read the file until they are joined: `file` holds it
  // (a segment's pages are given back only once it is let go, after the
  // catalog is made).
  if (absl::Status status = verified(); !status.ok()) return status;
  if (absl::Status status = text_indexes.Problem(); !status.ok()) {
    return Problem(status.code(), path, status.message());
  }
  RETURN_IF_ERROR(indexed);
  RETURN_IF_ERROR(SegmentsProblem(path, segments));
  SnapshotInfo result = layout->info;
  result.text_index_rebuilt = text_indexes.AnyRebuilt();
  if (info != nullptr) *info = std::move(result);
  return SegmentedCatalog::Make(std::move(segments), layout->content_hash);
}

}  // namespace newsmeta
