#include "loader/snapshot.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "loader/wire_check.h"
#include "text/text_index.h"
#include "util/file_bytes.h"
#include "util/little_endian.h"
#include "util/multiset_hash.h"
#include "util/status_macros.h"
#include "util/xxh128.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;

constexpr size_t kChecksumSize = 32;  // XXH3-128 in hex
// Magic, format version, article count, payload size, two empty strings,
// text index size, checksum: the smallest header (the article table follows).
constexpr size_t kMinHeaderSize = 6 + 2 + 8 + 8 + 2 + 2 + 8 + kChecksumSize;

void PutInt(std::string* out, uint64_t value, int bytes) {
  AppendLittleEndian(value, bytes, out);
}

uint64_t GetInt(absl::string_view in, size_t offset, int bytes) {
  return LoadLittleEndian(in.data() + offset, static_cast<size_t>(bytes));
}

absl::Status Problem(absl::StatusCode code, const std::string& path,
                     absl::string_view why) {
  return absl::Status(code, absl::StrCat("snapshot \"", path, "\": ", why));
}

// Appends an article as the payload frames it: its size in decimal, ':',
// then its bytes.
void AppendFramedArticle(absl::string_view bytes, std::string* out) {
  absl::StrAppend(out, bytes.size(), ":", bytes);
}

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

// How many decimal digits `value` takes.
size_t DecimalDigits(uint64_t value) {
  size_t digits = 1;
  while (value >= 10) {
    value /= 10;
    ++digits;
  }
  return digits;
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

}  // namespace

absl::StatusOr<SnapshotInfo> WriteSnapshot(const Catalog& catalog,
                                           const std::string& path,
                                           absl::string_view newsmeta_version) {
  SnapshotInfo info;
  info.catalog_version = catalog.version();
  info.newsmeta_version = std::string(newsmeta_version.substr(0, 0xFFFF));
  info.articles = static_cast<int64_t>(catalog.size());

  // The catalog keeps each article as its deterministic serialization.
  std::string payload;
  std::string table;  // each article's size
  for (ArticleIndex i = 0; i < catalog.size(); ++i) {
    const absl::string_view bytes =
        catalog.ArticleBytes(i, newsmeta::v1::ARTICLE_VIEW_FULL);
    AppendFramedArticle(bytes, &payload);
    PutInt(&table, bytes.size(), 4);  // a catalog article is under 4 GiB
  }
  std::string text_index;
  catalog.text_index().AppendBytes(&text_index);

  std::string before;  // the header up to the checksum
  before.append(kSnapshotMagic.data(), kSnapshotMagic.size());
  PutInt(&before, kSnapshotFormatVersion, 2);
  PutInt(&before, catalog.size(), 8);
  PutInt(&before, payload.size(), 8);
  PutInt(&before, info.catalog_version.size(), 2);
  before.append(info.catalog_version);
  PutInt(&before, info.newsmeta_version.size(), 2);
  before.append(info.newsmeta_version);
  PutInt(&before, text_index.size(), 8);
  const std::string content_hash = catalog.content_hash().Bytes();
  Xxh128Hasher hasher;
  hasher.Update(content_hash);
  hasher.Update(table);
  hasher.Update(text_index);
  hasher.Update(payload);
  hasher.Update(before);
  const std::string checksum = hasher.HexDigest();
  info.bytes = static_cast<int64_t>(before.size() + checksum.size() +
                                    content_hash.size() + table.size() +
                                    text_index.size() + payload.size());

  const std::string temporary = absl::StrCat(path, ".tmp-", ::getpid());
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (file == nullptr) {
    return Problem(absl::StatusCode::kFailedPrecondition, path,
                   absl::StrCat("cannot write \"", temporary,
                                "\": ", std::strerror(errno)));
  }
  bool ok = std::fwrite(before.data(), 1, before.size(), file) == before.size();
  ok = ok && std::fwrite(checksum.data(), 1, checksum.size(), file) ==
                 checksum.size();
  ok = ok && std::fwrite(content_hash.data(), 1, content_hash.size(), file) ==
                 content_hash.size();
  ok = ok && std::fwrite(table.data(), 1, table.size(), file) == table.size();
  ok = ok && std::fwrite(text_index.data(), 1, text_index.size(), file) ==
                 text_index.size();
  ok = ok &&
       std::fwrite(payload.data(), 1, payload.size(), file) == payload.size();
  const int write_error = errno;
  ok = (std::fclose(file) == 0) && ok;
  if (!ok || std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = ok ? errno : write_error;
    std::remove(temporary.c_str());
    return Problem(absl::StatusCode::kFailedPrecondition, path,
                   absl::StrCat("cannot write: ", std::strerror(error)));
  }
  return info;
}

namespace {

// Where things are in a snapshot file: its header's facts, its text index and
// each article's bytes, found and bounds-checked but not verified.
struct Layout {
  SnapshotInfo info;
  MultisetHash content_hash;
  size_t checksum_offset = 0;
  absl::string_view text_index;
  absl::string_view payload;
  std::vector<absl::string_view> articles;
};

// The layout of the snapshot `file`, read from `path`.
absl::StatusOr<Layout> ReadLayout(const std::string& path,
                                  absl::string_view file) {
  Layout layout;
  SnapshotInfo& info = layout.info;
  std::vector<absl::string_view>& spans = layout.articles;
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
  const uint64_t payload_size = GetInt(file, 16, 8);
  size_t offset = 24;
  std::string* strings[] = {&info.catalog_version, &info.newsmeta_version};
  for (int k = 0; k < 2; ++k) {
    const size_t size = GetInt(file, offset, 2);
    offset += 2;
    // Room for this string, the next one's length (if any), the text index
    // size and the checksum.
    if (file.size() < offset + size + (k == 0 ? 2 : 0) + 8 + kChecksumSize) {
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
  const uint64_t text_index_size = GetInt(file, offset, 8);
  const size_t checksum_offset = layout.checksum_offset = offset + 8;
  const size_t hash_offset = checksum_offset + kChecksumSize;
  if (file.size() - hash_offset < MultisetHash::kBytes) {
    return Problem(absl::StatusCode::kDataLoss, path,
                   "truncated in its content hash");
  }
  // Never nullopt: the size is right. Checked against the version after
  // the checksum (ContentHashProblem).
  layout.content_hash =
      *MultisetHash::FromBytes(file.substr(hash_offset, MultisetHash::kBytes));
  const size_t table_offset = hash_offset + MultisetHash::kBytes;
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
                     " after the header"));
  }
  layout.text_index = file.substr(text_index_offset, text_index_size);
  const size_t payload_offset = text_index_offset + text_index_size;
  if (file.size() - payload_offset != payload_size) {
    return Problem(
        absl::StatusCode::kDataLoss, path,
        absl::StrCat(file.size() - payload_offset < payload_size ? "truncated: "
                                                                 : "corrupt: ",
                     "the payload is ", file.size() - payload_offset,
                     " bytes, the header says ", payload_size));
  }
  const absl::string_view payload = layout.payload =
      file.substr(payload_offset);

  // The articles, where the table's sizes put them: each after its size in
  // decimal and ':' (which ArticleFramed checks, off this path).
  spans.reserve(count);
  size_t at = 0;
  for (size_t i = 0; i < count; ++i) {
    const uint64_t size = GetInt(table, 4 * i, 4);
    const size_t start = at + DecimalDigits(size) + 1;
    if (start > payload.size() || size > payload.size() - start) {
      return Problem(absl::StatusCode::kDataLoss, path,
                     absl::StrCat("corrupt: article ", i + 1, " of ", count,
                                  " overruns the payload"));
    }
    spans.push_back(payload.substr(start, static_cast<size_t>(size)));
    at = start + size;
  }
  if (at != payload.size()) {
    return Problem(
        absl::StatusCode::kDataLoss, path,
        absl::StrCat("corrupt: its ", count, " articles end ",
                     payload.size() - at, " bytes before the payload does"));
  }
  info.articles = static_cast<int64_t>(count);

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

// Article `i` lies in the payload after its size in decimal and ':'
// (AppendFramedArticle).
bool ArticleFramed(const Layout& layout, size_t i) {
  const absl::string_view article = layout.articles[i];
  size_t at = static_cast<size_t>(article.data() - layout.payload.data()) -
              DecimalDigits(article.size()) - 1;
  uint64_t size;
  return ReadSize(layout.payload, &at, &size) && size == article.size() &&
         at == static_cast<size_t>(article.data() - layout.payload.data());
}

absl::Status ChecksumProblem(const std::string& path) {
  return Problem(absl::StatusCode::kDataLoss, path,
                 "corrupt: the checksum does not match its content");
}

// What is wrong with a snapshot whose checksum matches but whose content
// hash is not that of its catalog version and article count (a forged or
// miswritten file); OK when nothing is.
absl::Status ContentHashProblem(const std::string& path, const Layout& layout) {
  if (layout.content_hash.count() == layout.articles.size() &&
      Catalog::VersionOf(layout.content_hash) == layout.info.catalog_version) {
    return absl::OkStatus();
  }
  return Problem(absl::StatusCode::kDataLoss, path,
                 "corrupt: its catalog version and article count are not "
                 "those of its content hash");
}

absl::Status ArticleProblem(const std::string& path, size_t article) {
  return Problem(
      absl::StatusCode::kDataLoss, path,
      absl::StrCat("corrupt: article ", article + 1, " does not parse"));
}

absl::Status FramingProblem(const std::string& path, size_t article) {
  return Problem(absl::StatusCode::kDataLoss, path,
                 absl::StrCat("corrupt: article ", article + 1,
                              " does not follow its size in the payload"));
}

// The first article of `layout` not framed as written, or SIZE_MAX.
size_t FirstUnframed(const Layout& layout) {
  for (size_t i = 0; i < layout.articles.size(); ++i) {
    if (!ArticleFramed(layout, i)) return i;
  }
  return SIZE_MAX;
}

// Checks the snapshot `file`, read from `path`; once it knows the article
// count it calls `prepare(count)`, then `take(i, bytes)` for every article,
// on `threads` threads (0: one per core) while one of them checks the
// checksum. `take` returns false when the article does not parse.
absl::StatusOr<SnapshotInfo> ReadArticles(
    const std::string& path, absl::string_view file, int threads,
    const std::function<void(size_t count)>& prepare,
    const std::function<bool(size_t i, absl::string_view bytes)>& take) {
  absl::StatusOr<Layout> read = ReadLayout(path, file);
  if (!read.ok()) return read.status();
  const Layout& layout = *read;
  const std::vector<absl::string_view>& spans = layout.articles;

  // The checksum and the articles, in parallel: job 0 checks the checksum,
  // the others parse chunks of articles.
  prepare(spans.size());
  constexpr size_t kChunk = 512;
  const size_t chunks = (spans.size() + kChunk - 1) / kChunk;
  std::atomic<size_t> next{0};
  std::atomic<bool> checksum_ok{false};
  std::atomic<size_t> unframed{SIZE_MAX};
  std::atomic<size_t> bad_article{SIZE_MAX};
  const auto work = [&] {
    for (size_t job = next++; job <= chunks; job = next++) {
      if (job == 0) {
        checksum_ok = ChecksumMatches(file, layout);
        unframed = FirstUnframed(layout);
        continue;
      }
      const size_t end = std::min(spans.size(), job * kChunk);
      for (size_t i = (job - 1) * kChunk; i < end; ++i) {
        if (!take(i, spans[i])) {
          size_t expected = SIZE_MAX;
          while (i < expected &&
                 !bad_article.compare_exchange_weak(expected, i)) {
          }
          break;
        }
      }
    }
  };
  const int workers_wanted =
      threads > 0
          ? threads
          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  std::vector<std::thread> workers;
  for (int t = 1; t < workers_wanted; ++t) workers.emplace_back(work);
  work();
  for (std::thread& worker : workers) worker.join();

  if (!checksum_ok) return ChecksumProblem(path);
  RETURN_IF_ERROR(ContentHashProblem(path, layout));
  if (unframed != SIZE_MAX) return FramingProblem(path, unframed);
  if (bad_article != SIZE_MAX) return ArticleProblem(path, bad_article);
  return layout.info;
}

}  // namespace

absl::StatusOr<Snapshot> ReadSnapshot(const std::string& path, int threads) {
  absl::StatusOr<std::shared_ptr<const FileBytes>> file = ReadWhole(path);
  if (!file.ok()) return file.status();
  Snapshot snapshot;
  absl::StatusOr<SnapshotInfo> info = ReadArticles(
      path, (*file)->view(), threads,
      [&snapshot](size_t count) { snapshot.articles.resize(count); },
      [&snapshot](size_t i, absl::string_view bytes) {
        return snapshot.articles[i].ParseFromArray(
            bytes.data(), static_cast<int>(bytes.size()));
      });
  if (!info.ok()) return info.status();
  snapshot.info = *std::move(info);
  return snapshot;
}

absl::StatusOr<std::shared_ptr<const Catalog>> LoadSnapshotCatalog(
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
    const WireChecker checker(Article::descriptor());
    for (size_t i = 0; i < layout->articles.size(); ++i) {
      if (!ArticleFramed(*layout, i)) {
        verdict = FramingProblem(path, i);
        return;
      }
      if (!checker.Check(layout->articles[i])) {
        verdict = ArticleProblem(path, i);
        return;
      }
    }
  });
  const auto verified = [&verifier, &verdict] {
    if (verifier.joinable()) verifier.join();
    return verdict;
  };
  // The file's text index, decoded meanwhile: one made by another tokenizer
  // version is built again from the articles.
  const uint32_t count = static_cast<uint32_t>(layout->articles.size());
  absl::StatusOr<TextIndex> text_index;
  std::thread text_decoder(
      [&] { text_index = TextIndex::FromBytes(layout->text_index, count); });
  const auto text_decoded = [&text_decoder] {
    if (text_decoder.joinable()) text_decoder.join();
  };
  const SnapshotInfo& written = layout->info;
  std::vector<absl::string_view> articles = layout->articles;
  absl::StatusOr<std::shared_ptr<const Catalog>> catalog =
      Catalog::FromCatalogBytes(
          // A copy: the threads above read the file until they are joined
          // below, even when the catalog fails and lets go of it.
          std::move(articles), *file,
          // The content hash the checksum vouches for (a failed check wins
          // below).
          [&] {
            verified().IgnoreError();
            return layout->content_hash;
          },
          [&]() -> std::optional<TextIndex> {
            text_decoded();
            if (!text_index.ok()) return std::nullopt;
            return *std::move(text_index);
          });
  text_decoded();
  if (absl::Status status = verified(); !status.ok()) return status;
  if (!text_index.ok() && !absl::IsFailedPrecondition(text_index.status())) {
    return Problem(absl::StatusCode::kDataLoss, path,
                   absl::StrCat("corrupt: ", text_index.status().message()));
  }
  if (!catalog.ok()) {
    return Problem(absl::StatusCode::kDataLoss, path,
                   absl::StrCat("corrupt: ", catalog.status().message()));
  }
  SnapshotInfo result = written;
  result.text_index_rebuilt = !text_index.ok();
  if (info != nullptr) *info = std::move(result);
  return *std::move(catalog);
}

}  // namespace newsmeta
