#include "loader/snapshot.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "util/sha256.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;

constexpr size_t kChecksumSize = 64;  // SHA-256 in hex
// Magic, format version, article count, payload size, two empty strings,
// checksum: the smallest header.
constexpr size_t kMinHeaderSize = 6 + 2 + 8 + 8 + 2 + 2 + kChecksumSize;

void PutInt(std::string* out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out->push_back(static_cast<char>(value >> (8 * i)));
}

uint64_t GetInt(absl::string_view in, size_t offset, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) {
    value |= uint64_t{static_cast<uint8_t>(in[offset + i])} << (8 * i);
  }
  return value;
}

absl::Status Problem(absl::StatusCode code, const std::string& path,
                     absl::string_view why) {
  return absl::Status(code, absl::StrCat("snapshot \"", path, "\": ", why));
}

// Reads a varint at `*offset`, advancing it; false when it runs past the end
// or is longer than 10 bytes.
bool ReadVarint(absl::string_view in, size_t* offset, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64 && *offset < in.size(); shift += 7) {
    const uint8_t byte = static_cast<uint8_t>(in[(*offset)++]);
    *value |= uint64_t{byte & 0x7Fu} << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// Reads the whole file.
absl::StatusOr<std::string> ReadWhole(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    return Problem(error == ENOENT ? absl::StatusCode::kNotFound
                                   : absl::StatusCode::kFailedPrecondition,
                   path, absl::StrCat("cannot open: ", std::strerror(error)));
  }
  struct stat info;
  std::string content;
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) {
    content.resize(static_cast<size_t>(info.st_size));
  }
  size_t filled = 0;
  while (true) {
    if (filled == content.size())
      content.resize(std::max<size_t>(4096, 2 * filled));
    const ssize_t got =
        ::read(fd, content.data() + filled, content.size() - filled);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const int error = errno;
      ::close(fd);
      return Problem(absl::StatusCode::kFailedPrecondition, path,
                     absl::StrCat("cannot read: ", std::strerror(error)));
    }
    if (got == 0) break;
    filled += static_cast<size_t>(got);
  }
  ::close(fd);
  content.resize(filled);
  return content;
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
  for (ArticleIndex i = 0; i < catalog.size(); ++i) {
    const absl::string_view bytes =
        catalog.ArticleBytes(i, newsmeta::v1::ARTICLE_VIEW_FULL);
    uint64_t size = bytes.size();
    do {
      payload.push_back(
          static_cast<char>((size & 0x7F) | (size > 0x7F ? 0x80 : 0)));
      size >>= 7;
    } while (size != 0);
    payload.append(bytes.data(), bytes.size());
  }

  std::string before;  // the header up to the checksum
  before.append(kSnapshotMagic.data(), kSnapshotMagic.size());
  PutInt(&before, kSnapshotFormatVersion, 2);
  PutInt(&before, catalog.size(), 8);
  PutInt(&before, payload.size(), 8);
  PutInt(&before, info.catalog_version.size(), 2);
  before.append(info.catalog_version);
  PutInt(&before, info.newsmeta_version.size(), 2);
  before.append(info.newsmeta_version);
  Sha256Hasher hasher;
  hasher.Update(before);
  hasher.Update(payload);
  const std::string checksum = hasher.HexDigest();
  info.bytes =
      static_cast<int64_t>(before.size() + checksum.size() + payload.size());

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

// Reads and checks the snapshot at `path`; once it knows the article count it
// calls `prepare(count)`, then `take(i, bytes, scratch)` for every article,
// on `threads` threads (0: one per core) while one of them checks the
// checksum. `scratch` is a message of the calling thread, for `take` to parse
// into. `take` returns false when the article does not parse.
absl::StatusOr<SnapshotInfo> ReadArticles(
    const std::string& path, int threads,
    const std::function<void(size_t count)>& prepare,
    const std::function<bool(size_t i, absl::string_view bytes,
                             Article* scratch)>& take) {
  absl::StatusOr<std::string> read = ReadWhole(path);
  if (!read.ok()) return read.status();
  const absl::string_view file = *read;
  SnapshotInfo info;
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
    // Room for this string, the next one's length (if any) and the checksum.
    if (file.size() < offset + size + (k == 0 ? 2 : 0) + kChecksumSize) {
      return Problem(absl::StatusCode::kDataLoss, path,
                     "truncated in its header");
    }
    *strings[k] = std::string(file.substr(offset, size));
    offset += size;
  }
  const size_t checksum_offset = offset;
  const size_t payload_offset = checksum_offset + kChecksumSize;
  if (file.size() - payload_offset != payload_size) {
    return Problem(
        absl::StatusCode::kDataLoss, path,
        absl::StrCat(file.size() - payload_offset < payload_size ? "truncated: "
                                                                 : "corrupt: ",
                     "the payload is ", file.size() - payload_offset,
                     " bytes, the header says ", payload_size));
  }
  const absl::string_view payload = file.substr(payload_offset);

  // Offsets of the articles.
  std::vector<std::pair<size_t, size_t>> spans;
  spans.reserve(std::min<uint64_t>(count, payload.size()));
  for (size_t at = 0; at < payload.size();) {
    uint64_t size;
    if (!ReadVarint(payload, &at, &size) || size > payload.size() - at) {
      return Problem(absl::StatusCode::kDataLoss, path,
                     absl::StrCat("corrupt: article ", spans.size() + 1,
                                  " overruns the payload"));
    }
    spans.emplace_back(at, static_cast<size_t>(size));
    at += size;
  }
  if (spans.size() != count) {
    return Problem(absl::StatusCode::kDataLoss, path,
                   absl::StrCat("corrupt: ", spans.size(),
                                " articles, the header says ", count));
  }
  info.articles = static_cast<int64_t>(count);

  // The checksum and the articles, in parallel: job 0 checks the checksum,
  // the others parse chunks of articles.
  prepare(spans.size());
  constexpr size_t kChunk = 512;
  const size_t chunks = (spans.size() + kChunk - 1) / kChunk;
  std::atomic<size_t> next{0};
  std::atomic<bool> checksum_ok{false};
  std::atomic<size_t> bad_article{SIZE_MAX};
  const auto work = [&] {
    Article scratch;
    for (size_t job = next++; job <= chunks; job = next++) {
      if (job == 0) {
        Sha256Hasher hasher;
        hasher.Update(file.substr(0, checksum_offset));
        hasher.Update(payload);
        checksum_ok =
            hasher.HexDigest() == file.substr(checksum_offset, kChecksumSize);
        continue;
      }
      const size_t end = std::min(spans.size(), job * kChunk);
      for (size_t i = (job - 1) * kChunk; i < end; ++i) {
        if (!take(i, payload.substr(spans[i].first, spans[i].second),
                  &scratch)) {
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

  if (!checksum_ok) {
    return Problem(absl::StatusCode::kDataLoss, path,
                   "corrupt: the checksum does not match its content");
  }
  if (bad_article != SIZE_MAX) {
    return Problem(absl::StatusCode::kDataLoss, path,
                   absl::StrCat("corrupt: article ", bad_article.load() + 1,
                                " does not parse"));
  }
  return info;
}

}  // namespace

absl::StatusOr<Snapshot> ReadSnapshot(const std::string& path, int threads) {
  Snapshot snapshot;
  absl::StatusOr<SnapshotInfo> info = ReadArticles(
      path, threads,
      [&snapshot](size_t count) { snapshot.articles.resize(count); },
      [&snapshot](size_t i, absl::string_view bytes, Article*) {
        return snapshot.articles[i].ParseFromArray(
            bytes.data(), static_cast<int>(bytes.size()));
      });
  if (!info.ok()) return info.status();
  snapshot.info = *std::move(info);
  return snapshot;
}

absl::StatusOr<SnapshotBytes> ReadSnapshotBytes(const std::string& path,
                                                int threads) {
  SnapshotBytes snapshot;
  absl::StatusOr<SnapshotInfo> info = ReadArticles(
      path, threads,
      [&snapshot](size_t count) { snapshot.articles.resize(count); },
      [&snapshot](size_t i, absl::string_view bytes, Article* scratch) {
        // Parsed only to be checked (as strictly as ReadSnapshot does).
        if (!scratch->ParseFromArray(bytes.data(),
                                     static_cast<int>(bytes.size()))) {
          return false;
        }
        snapshot.articles[i].assign(bytes.data(), bytes.size());
        return true;
      });
  if (!info.ok()) return info.status();
  snapshot.info = *std::move(info);
  return snapshot;
}

absl::StatusOr<std::shared_ptr<const Catalog>> LoadSnapshotCatalog(
    const std::string& path, SnapshotInfo* info, int threads) {
  absl::StatusOr<SnapshotBytes> snapshot = ReadSnapshotBytes(path, threads);
  if (!snapshot.ok()) return snapshot.status();
  // The articles as they are, in the order written: no sorting, linking or
  // serializing again.
  absl::StatusOr<std::shared_ptr<const Catalog>> catalog =
      Catalog::FromCatalogBytes(std::move(snapshot->articles));
  if (!catalog.ok()) {
    return Problem(absl::StatusCode::kDataLoss, path,
                   absl::StrCat("corrupt: ", catalog.status().message()));
  }
  if ((*catalog)->version() != snapshot->info.catalog_version) {
    return Problem(
        absl::StatusCode::kDataLoss, path,
        absl::StrCat("its articles make catalog version ",
                     (*catalog)->version(), ", not the version ",
                     snapshot->info.catalog_version,
                     " it was written from (written by newsmeta ",
                     snapshot->info.newsmeta_version,
                     " with other rules?); write it again with this server"));
  }
  if (info != nullptr) *info = std::move(snapshot->info);
  return *std::move(catalog);
}

}  // namespace newsmeta
