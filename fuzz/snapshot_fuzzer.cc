// libFuzzer target: snapshot files (LoadSnapshotCatalog), forged ones
// included.
//
// The input edits a valid snapshot of a small generated catalog (three
// segments of four articles): each
// 6-byte record is a 4-byte offset (taken modulo the file's size), a byte
// and what to do there (overwrite, insert or cut the file short). The
// checksum is then made again, as a forger would, so that the edits reach
// the article table, the text index, the articles and the indexing behind
// the checksum check. Besides crashes and sanitizer reports, it checks that
// a refused file gets DATA_LOSS, INVALID_ARGUMENT or FAILED_PRECONDITION
// with a message naming it, and that a loaded catalog holds well-formed
// Articles, text indexes that are well-formed for their segments' sizes, and
// writes a snapshot that loads again to the same catalog version.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "catalog/catalog.h"
#include "catalog/segmented_catalog.h"
#include "gen_seeds/corpus.h"
#include "loader/snapshot.h"
#include "text/text_index.h"
#include "util/little_endian.h"
#include "util/xxh128.h"

namespace {

using ::newsmeta::Catalog;
using ::newsmeta::SegmentedCatalog;

constexpr size_t kSegmentArticles = 4;

void Fail(const std::string& what) {
  std::fprintf(stderr, "snapshot_fuzzer: %s\n", what.c_str());
  std::abort();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

const std::string& Path() {
  static const std::string path =
      absl::StrCat("/tmp/snapshot_fuzzer.", ::getpid(), ".nmsnap");
  return path;
}

// A valid snapshot of 12 generated articles.
const std::string& Valid() {
  static const std::string valid = [] {
    newsmeta::CorpusOptions options;
    options.count = 12;
    std::vector<newsmeta::v1::Article> articles;
    for (int i = 0; i < options.count; ++i) {
      articles.push_back(newsmeta::GenerateArticle(options, i));
    }
    const std::shared_ptr<const Catalog> catalog =
        Catalog::Build(std::move(articles)).catalog;
    if (!newsmeta::WriteSnapshot(SegmentedCatalog(*catalog), Path(), "fuzz",
                                 kSegmentArticles)
             .ok()) {
      Fail("cannot write the valid snapshot");
    }
    return ReadFile(Path());
  }();
  return valid;
}

// Where the checksum is in `file`, or 0 when its header does not say.
size_t ChecksumOffset(const std::string& file) {
  size_t offset = 20;
  for (int k = 0; k < 2; ++k) {
    if (file.size() < offset + 2) return 0;
    offset += 2 + newsmeta::LoadLittleEndian(file.data() + offset, 2);
  }
  return file.size() >= offset + 32 ? offset : 0;
}

void CheckSegment(const Catalog& catalog) {
  for (newsmeta::ArticleIndex i = 0; i < catalog.size(); ++i) {
    newsmeta::v1::Article article;
    const absl::string_view bytes =
        catalog.ArticleBytes(i, newsmeta::v1::ARTICLE_VIEW_FULL);
    if (!article.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      Fail(absl::StrCat("article ", i, " was served but does not parse"));
    }
  }
  std::string text_index;
  catalog.text_index().AppendBytes(&text_index);
  if (!newsmeta::TextIndex::FromBytes(text_index,
                                      static_cast<uint32_t>(catalog.size()))
           .ok()) {
    Fail("a loaded text index is not well-formed for its segment");
  }
}

void CheckLoaded(const SegmentedCatalog& catalog) {
  for (uint32_t s = 0; s < catalog.segment_count(); ++s) {
    CheckSegment(catalog.segment(s));
  }
  const std::string again = Path() + ".again";
  if (!newsmeta::WriteSnapshot(catalog, again, "fuzz", kSegmentArticles).ok()) {
    Fail("cannot write the loaded catalog");
  }
  absl::StatusOr<std::shared_ptr<const SegmentedCatalog>> reloaded =
      newsmeta::LoadSnapshotCatalog(again);
  std::remove(again.c_str());
  if (!reloaded.ok()) {
    Fail(absl::StrCat("the loaded catalog's snapshot does not load: ",
                      reloaded.status().ToString()));
  }
  if ((*reloaded)->version() != catalog.version() ||
      (*reloaded)->size() != catalog.size()) {
    Fail("the loaded catalog's snapshot loads to another catalog");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string file = Valid();
  for (size_t at = 0; at + 6 <= size; at += 6) {
    const uint64_t offset =
        newsmeta::LoadLittleEndian(reinterpret_cast<const char*>(data + at), 4);
    const char byte = static_cast<char>(data[at + 4]);
    if (file.empty()) break;
    const size_t where = offset % file.size();
    switch (data[at + 5] % 4) {
      case 0:
      case 1:
        file[where] = byte;
        break;
      case 2:
        file.insert(where, 1, byte);
        break;
      default:
        file.resize(where);
        break;
    }
  }
  if (const size_t checksum = ChecksumOffset(file); checksum > 0) {
    file.replace(checksum, 32,
                 newsmeta::Xxh128Hex(absl::StrCat(file.substr(checksum + 32),
                                                  file.substr(0, checksum))));
  }
  WriteFile(Path(), file);
  absl::StatusOr<std::shared_ptr<const SegmentedCatalog>> loaded =
      newsmeta::LoadSnapshotCatalog(Path());
  if (!loaded.ok()) {
    const absl::StatusCode code = loaded.status().code();
    if (code != absl::StatusCode::kDataLoss &&
        code != absl::StatusCode::kInvalidArgument &&
        code != absl::StatusCode::kFailedPrecondition) {
      Fail(absl::StrCat("a refusal of an unexpected kind: ",
                        loaded.status().ToString()));
    }
    if (!absl::StartsWith(loaded.status().message(),
                          absl::StrCat("snapshot \"", Path(), "\": "))) {
      Fail(absl::StrCat("a refusal that does not name the file: ",
                        loaded.status().ToString()));
    }
    return 0;
  }
  CheckLoaded(**loaded);
  return 0;
}
