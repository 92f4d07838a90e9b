#include "loader/snapshot.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "catalog/catalog.h"
#include "catalog/deletion_set.h"
#include "catalog/segmented_catalog.h"
#include "gen_seeds/corpus.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "reload/catalog_reloader.h"
#include "test_util.h"
#include "text/normalize.h"
#include "text/text_index.h"
#include "util/multiset_hash.h"
#include "util/xxh128.h"

namespace newsmeta {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::newsmeta::v1::Article;
using ::testing::HasSubstr;

std::shared_ptr<const Catalog> CorpusCatalog(int count) {
  CorpusOptions options;
  options.count = count;
  std::vector<Article> articles;
  for (int i = 0; i < count; ++i) {
    articles.push_back(GenerateArticle(options, i));
  }
  return Catalog::Build(std::move(articles)).catalog;
}

// The bytes of a text index holding `token` in document `doc` alone.
std::string OneTokenIndexBytes(absl::string_view token, uint32_t doc) {
  TextIndex::Builder builder;
  builder.Add(doc, token, "");
  std::string bytes;
  std::move(builder).Build().AppendBytes(&bytes);
  return bytes;
}

// The snapshot of a 40-article corpus, written to a fresh folder.
class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_ = CorpusCatalog(40);
    path_ = (folder_.path() / "catalog.nmsnap").string();
    absl::StatusOr<SnapshotInfo> written =
        WriteSnapshot(SegmentedCatalog(*catalog_), path_, "9.8.7");
    ASSERT_TRUE(written.ok()) << written.status();
    bytes_ = ReadBytes(path_);
    ASSERT_EQ(static_cast<int64_t>(bytes_.size()), written->bytes);
  }

  // Expects reading the snapshot to fail with `code` and a message that
  // names the file and says `why`.
  void ExpectRefused(absl::StatusCode code, const std::string& why) {
    absl::StatusOr<std::shared_ptr<const SegmentedCatalog>> loaded =
        LoadSnapshotCatalog(path_);
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.status().code(), code) << loaded.status();
    EXPECT_THAT(std::string(loaded.status().message()),
                HasSubstr(absl::StrCat("snapshot \"", path_, "\": ")));
    EXPECT_THAT(std::string(loaded.status().message()), HasSubstr(why));
  }

  // Expects the snapshot with byte `at` set to `value` (the checksum left
  // as it is) to be refused as DATA_LOSS saying `why`.
  void ExpectRefusedWithByte(size_t at, char value, const std::string& why) {
    std::string corrupt = bytes_;
    corrupt[at] = value;
    WriteBytes(path_, corrupt);
    ExpectRefused(absl::StatusCode::kDataLoss, why);
  }

  // Where the checksum starts: after the two header strings (each a 2-byte
  // length, then its bytes).
  size_t ChecksumOffset() const {
    size_t offset = 20;
    for (int k = 0; k < 2; ++k) {
      offset +=
          2 +
          (static_cast<uint8_t>(bytes_[offset]) |
           static_cast<size_t>(static_cast<uint8_t>(bytes_[offset + 1])) << 8);
    }
    return offset;
  }
  // The content hash follows the checksum, then the one segment: its
  // article count, text index size, payload size, content hash, then its
  // article table (4 bytes per article), text index and payload.
  size_t ContentHashOffset() const { return ChecksumOffset() + 32; }
  size_t SegmentOffset() const {
    return ContentHashOffset() + MultisetHash::kBytes;
  }
  size_t TableOffset() const {
    return SegmentOffset() + 24 + MultisetHash::kBytes;
  }
  size_t TextIndexOffset() const {
    return TableOffset() + 4 * catalog_->size();
  }
  size_t TextIndexSize() const { return Int(SegmentOffset() + 8); }
  size_t PayloadSize() const { return Int(SegmentOffset() + 16); }
  size_t Int(size_t offset) const {
    size_t value = 0;
    for (int i = 0; i < 8; ++i) {
      value |= size_t{static_cast<uint8_t>(bytes_[offset + i])} << (8 * i);
    }
    return value;
  }

  // `forged` (bytes_ with some bytes changed, the header's sizes unchanged)
  // with its checksum made again, as another writer would.
  std::string WithChecksumMadeAgain(std::string forged) const {
    const size_t checksum_offset = ChecksumOffset();
    forged.replace(checksum_offset, 32,
                   Xxh128Hex(absl::StrCat(forged.substr(checksum_offset + 32),
                                          forged.substr(0, checksum_offset))));
    return forged;
  }

  // bytes_ with its text index replaced by `text_index` (the header's size
  // of it and the checksum made again).
  std::string WithTextIndex(absl::string_view text_index) const {
    std::string forged = bytes_;
    forged.replace(TextIndexOffset(), TextIndexSize(), std::string(text_index));
    for (int i = 0; i < 8; ++i) {
      forged[SegmentOffset() + 8 + i] =
          static_cast<char>(uint64_t{text_index.size()} >> (8 * i));
    }
    return WithChecksumMadeAgain(forged);
  }

  TempFolder folder_;
  std::shared_ptr<const Catalog> catalog_;
  std::string path_;
  std::string bytes_;
};

TEST_F(SnapshotTest, RoundTripGivesTheSameCatalog) {
  SnapshotInfo info;
  absl::StatusOr<std::shared_ptr<const SegmentedCatalog>> loaded =
      LoadSnapshotCatalog(path_, &info);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->version(), catalog_->version());
  ASSERT_EQ((*loaded)->segment_count(), 1u);
  const Catalog& catalog = (*loaded)->segment(0);
  EXPECT_EQ(catalog.version(), catalog_->version());
  EXPECT_EQ(info.catalog_version, catalog_->version());
  EXPECT_EQ(info.newsmeta_version, "9.8.7");
  EXPECT_EQ(info.articles, 40);
  EXPECT_EQ(info.segments, 1);
  ASSERT_EQ(catalog.size(), catalog_->size());
  for (ArticleIndex i = 0; i < catalog.size(); ++i) {
    EXPECT_TRUE(
        MessageDifferencer::Equals(catalog.article(i), catalog_->article(i)))
        << "article " << i;
  }
}

TEST_F(SnapshotTest, ServedBytesStayWhenTheFileIsOverwrittenInPlace) {
  absl::StatusOr<std::shared_ptr<const SegmentedCatalog>> loaded =
      LoadSnapshotCatalog(path_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  // As `cp other.nmsnap` over it would: truncated, then other bytes. The
  // child is held back until the server has its own copy of the file.
  const char* path = path_.c_str();
  ASSERT_TRUE(InChildProcess([path] {
    const int fd = ::open(path, O_WRONLY | O_TRUNC);
    if (fd < 0 || ::write(fd, "NMSNAP", 6) != 6) ::_exit(1);
    ::close(fd);
  }));
  ASSERT_EQ(ReadBytes(path_), "NMSNAP");
  const Catalog& catalog = (*loaded)->segment(0);
  ASSERT_EQ(catalog.size(), catalog_->size());
  for (ArticleIndex i = 0; i < catalog.size(); ++i) {
    EXPECT_EQ(catalog.ArticleBytes(i, newsmeta::v1::ARTICLE_VIEW_FULL),
              catalog_->ArticleBytes(i, newsmeta::v1::ARTICLE_VIEW_FULL))
        << "article " << i;
  }
}

TEST_F(SnapshotTest, SameCatalogWritesTheSameBytes) {
  const std::string again = path_ + ".again";
  ASSERT_TRUE(WriteSnapshot(SegmentedCatalog(*catalog_), again, "9.8.7").ok());
  EXPECT_EQ(ReadBytes(again), bytes_);
}

TEST_F(SnapshotTest, EmptyCatalogRoundTrips) {
  const std::shared_ptr<const Catalog> empty = Catalog::Build({}).catalog;
  ASSERT_TRUE(WriteSnapshot(SegmentedCatalog(*empty), path_, "9.8.7").ok());
  absl::StatusOr<std::shared_ptr<const SegmentedCatalog>> loaded =
      LoadSnapshotCatalog(path_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->size(), 0u);
  EXPECT_EQ((*loaded)->version(), empty->version());
}

TEST_F(SnapshotTest, CorruptPayloadByteIsRefused) {
  std::string corrupt = bytes_;
  corrupt[corrupt.size() - 100] ^= 0x20;
  WriteBytes(path_, corrupt);
  ExpectRefused(absl::StatusCode::kDataLoss, "corrupt");
}

TEST_F(SnapshotTest, CorruptHeaderByteIsRefused) {
  // The first byte of the catalog version string.
  std::string corrupt = bytes_;
  corrupt[22] ^= 0x01;
  WriteBytes(path_, corrupt);
  ExpectRefused(absl::StatusCode::kDataLoss,
                "the checksum does not match its content");
}

TEST_F(SnapshotTest, CorruptArticleCountIsRefused) {
  ExpectRefusedWithByte(8, 41,
                        "truncated: its segments hold 40 of the 41 articles "
                        "its header says");
  ExpectRefusedWithByte(SegmentOffset(), 41,
                        "corrupt: its segments hold more than the 40 articles "
                        "its header says");
  // Its table is then 4 bytes shorter, which leaves the payload long.
  ExpectRefusedWithByte(SegmentOffset(), 39, "corrupt: ");
}

TEST_F(SnapshotTest, CorruptSegmentCountIsRefused) {
  ExpectRefusedWithByte(16, 0, "corrupt: 0 segments do not fit in the file");
  ExpectRefusedWithByte(16, 2, "truncated in a segment's header");
  ExpectRefusedWithByte(19, 0x7f, "segments do not fit in the file");
}

TEST_F(SnapshotTest, BytesAfterTheLastSegmentAreRefused) {
  WriteBytes(path_, bytes_ + "x");
  ExpectRefused(absl::StatusCode::kDataLoss,
                "corrupt: 1 bytes follow its last segment");
}

TEST_F(SnapshotTest, TruncatedFileIsRefused) {
  WriteBytes(path_, bytes_.substr(0, bytes_.size() - 1));
  ExpectRefused(absl::StatusCode::kDataLoss, "truncated");
}

TEST_F(SnapshotTest, FileCutInItsHeaderIsRefused) {
  WriteBytes(path_, bytes_.substr(0, 30));
  ExpectRefused(absl::StatusCode::kDataLoss, "truncated");
}

TEST_F(SnapshotTest, EmptyFileIsRefused) {
  WriteBytes(path_, "");
  ExpectRefused(absl::StatusCode::kInvalidArgument, "not a newsmeta snapshot");
}

TEST_F(SnapshotTest, WrongMagicIsRefused) {
  std::string foreign = bytes_;
  foreign.replace(0, 6, "PK\x03\x04zz");
  WriteBytes(path_, foreign);
  ExpectRefused(absl::StatusCode::kInvalidArgument, "not a newsmeta snapshot");
}

TEST_F(SnapshotTest, WrongFormatVersionIsRefused) {
  ASSERT_EQ(kSnapshotFormatVersion, 6);
  for (const int version : {1, 2, 3, 4, 5, 7}) {
    std::string other = bytes_;
    other[6] = static_cast<char>(version);
    WriteBytes(path_, other);
    ExpectRefused(absl::StatusCode::kFailedPrecondition,
                  absl::StrCat("format version ", version,
                               ", but this server reads version 6"));
  }
}

TEST_F(SnapshotTest, TextIndexIsTheCatalogsAsItsBytesSay) {
  std::string text_index;
  catalog_->text_index().AppendBytes(&text_index);
  ASSERT_GT(text_index.size(), 8u);
  EXPECT_EQ(bytes_.substr(TextIndexOffset(), TextIndexSize()), text_index);
  SnapshotInfo info;
  absl::StatusOr<std::shared_ptr<const SegmentedCatalog>> loaded =
      LoadSnapshotCatalog(path_, &info);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_FALSE(info.text_index_rebuilt);
  EXPECT_TRUE((*loaded)->segment(0).text_index().SamePostingsAs(
      catalog_->text_index()));
}

TEST_F(SnapshotTest, TextIndexOfTheFileIsTheOneServed) {
  // A forged index that says one token is in article 1 alone: the loaded
  // catalog answers with it, so it was not built again from the articles.
  WriteBytes(path_, WithTextIndex(OneTokenIndexBytes("zzforged", 0)));
  SnapshotInfo info;
  absl::StatusOr<std::shared_ptr<const SegmentedCatalog>> loaded =
      LoadSnapshotCatalog(path_, &info);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_FALSE(info.text_index_rebuilt);
  const TextIndex& index = (*loaded)->segment(0).text_index();
  EXPECT_EQ(index.token_count(), 1u);
  ASSERT_NE(index.Postings("zzforged"), nullptr);
  EXPECT_EQ(*index.Postings("zzforged"), std::vector<uint32_t>{0});
}

TEST_F(SnapshotTest, TextIndexOfAnotherTokenizerIsBuiltAgain) {
  std::string other;
  catalog_->text_index().AppendBytes(&other);
  other[0] = static_cast<char>(kTokenizerVersion + 1);
  WriteBytes(path_, WithTextIndex(other));
  SnapshotInfo info;
  absl::StatusOr<std::shared_ptr<const SegmentedCatalog>> loaded =
      LoadSnapshotCatalog(path_, &info);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(info.text_index_rebuilt);
  EXPECT_TRUE((*loaded)->segment(0).text_index().SamePostingsAs(
      catalog_->text_index()));
}

TEST_F(SnapshotTest, MalformedTextIndexIsRefusedDespiteItsChecksum) {
  // Article 41 of 40 in a posting list.
  WriteBytes(path_, WithTextIndex(OneTokenIndexBytes("beyond", 40)));
  ExpectRefused(absl::StatusCode::kDataLoss,
                "corrupt: text index: the documents of token 1 are not "
                "ascending or not below 40");
}

TEST_F(SnapshotTest, TextIndexSizeBeyondTheFileIsRefused) {
  std::string corrupt = bytes_;
  corrupt[SegmentOffset() + 15] = '\x7f';
  WriteBytes(path_, corrupt);
  ExpectRefused(absl::StatusCode::kDataLoss, "truncated: the text index is");
}

TEST_F(SnapshotTest, PayloadFramesEachArticleAndTheHeaderHoldsItsHash) {
  // Each article as its size in decimal, ':', its bytes, in catalog order.
  std::string payload;
  MultisetHash content_hash;
  for (ArticleIndex i = 0; i < catalog_->size(); ++i) {
    const absl::string_view wire =
        catalog_->ArticleBytes(i, v1::ARTICLE_VIEW_FULL);
    absl::StrAppend(&payload, wire.size(), ":", wire);
    content_hash.Add(wire);
  }
  ASSERT_GE(bytes_.size(), payload.size());
  EXPECT_EQ(bytes_.substr(bytes_.size() - payload.size()), payload);
  EXPECT_EQ(bytes_.substr(ContentHashOffset(), MultisetHash::kBytes),
            content_hash.Bytes());
  EXPECT_EQ(bytes_.substr(SegmentOffset() + 24, MultisetHash::kBytes),
            content_hash.Bytes());
  EXPECT_EQ(Catalog::VersionOf(content_hash), catalog_->version());
}

TEST_F(SnapshotTest, LoadedCatalogKeepsTheContentHash) {
  absl::StatusOr<std::shared_ptr<const SegmentedCatalog>> loaded =
      LoadSnapshotCatalog(path_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  // What a server started from the snapshot updates as changes arrive.
  EXPECT_EQ((*loaded)->content_hash(), catalog_->content_hash());
}

TEST_F(SnapshotTest, ContentHashThatIsNotTheVersionsIsRefused) {
  // A content hash changed with the checksum made again: the version the
  // header names is no longer this hash's.
  std::string forged = bytes_;
  forged[ContentHashOffset() + 8] ^= 0x01;
  WriteBytes(path_, WithChecksumMadeAgain(forged));
  ExpectRefused(absl::StatusCode::kDataLoss,
                "its catalog version and article count are not those of its "
                "content hash");
  forged = bytes_;
  forged[ContentHashOffset()] ^= 0x01;  // the count
  WriteBytes(path_, WithChecksumMadeAgain(forged));
  ExpectRefused(absl::StatusCode::kDataLoss, "are not those of its");
  // The segment's: it no longer adds up to the catalog's.
  forged = bytes_;
  forged[SegmentOffset() + 24 + 8] ^= 0x01;
  WriteBytes(path_, WithChecksumMadeAgain(forged));
  ExpectRefused(absl::StatusCode::kDataLoss,
                "its segments' content hashes do not add up to it");
}

TEST_F(SnapshotTest, FileCutInItsContentHashIsRefused) {
  WriteBytes(path_, bytes_.substr(0, ContentHashOffset() + 3));
  ExpectRefused(absl::StatusCode::kDataLoss, "truncated in its content hash");
}

TEST_F(SnapshotTest, MalformedArticleSizeIsRefusedDespiteItsChecksum) {
  // The first byte of the first article's size in the payload.
  std::string forged = bytes_;
  forged[bytes_.size() - PayloadSize()] = 'x';
  WriteBytes(path_, WithChecksumMadeAgain(forged));
  ExpectRefused(absl::StatusCode::kDataLoss,
                "article 1 does not follow its size in the payload");
}

TEST_F(SnapshotTest, ArticleTableThatDisagreesWithThePayloadIsRefused) {
  // Article 2's size in the table one more, article 3's one less: they
  // still fill the payload, but not as it frames them.
  std::string forged = bytes_;
  forged[TableOffset() + 4] = static_cast<char>(forged[TableOffset() + 4] + 1);
  forged[TableOffset() + 8] = static_cast<char>(forged[TableOffset() + 8] - 1);
  WriteBytes(path_, WithChecksumMadeAgain(forged));
  ExpectRefused(absl::StatusCode::kDataLoss,
                "article 2 does not follow its size in the payload");
  // The last article's size, far too large.
  forged = bytes_;
  forged[TableOffset() + 4 * 39 + 3] = '\x7f';
  WriteBytes(path_, WithChecksumMadeAgain(forged));
  ExpectRefused(absl::StatusCode::kDataLoss,
                "article 40 of 40 overruns the payload");
  // The last article's size, one less: the articles end before the payload.
  forged = bytes_;
  forged[TableOffset() + 4 * 39] =
      static_cast<char>(forged[TableOffset() + 4 * 39] - 1);
  WriteBytes(path_, WithChecksumMadeAgain(forged));
  ExpectRefused(absl::StatusCode::kDataLoss,
                "the 40 articles of its segment end 1 bytes before its "
                "payload does");
}

TEST_F(SnapshotTest, ArticleThatWouldNotParseIsRefusedDespiteItsChecksum) {
  // Article 3's title made invalid UTF-8, with the checksum made again: a
  // file written by something else, which no client could parse.
  std::string forged = bytes_;
  const absl::string_view article =
      catalog_->ArticleBytes(2, v1::ARTICLE_VIEW_FULL);
  const absl::string_view title = catalog_->fields(2).title;
  ASSERT_FALSE(title.empty());
  const size_t begins = forged.find(std::string(article));
  ASSERT_NE(begins, std::string::npos);
  const size_t at = begins + static_cast<size_t>(title.data() - article.data());
  forged[at] = '\xFF';
  WriteBytes(path_, WithChecksumMadeAgain(forged));
  ExpectRefused(absl::StatusCode::kDataLoss, "article 3 does not parse");
}

TEST_F(SnapshotTest, ArticleThatDoesNotScanIsRefusedWhileTheOthersAreRead) {
  // Article 1's first tag made wire type 7 (none), with the checksum made
  // again: indexing stops at once, while other threads still read the file
  // (the text index, the checks), which must stay mapped until they end.
  std::string forged = bytes_;
  const absl::string_view article =
      catalog_->ArticleBytes(0, v1::ARTICLE_VIEW_FULL);
  const size_t begins = forged.find(std::string(article));
  ASSERT_NE(begins, std::string::npos);
  forged[begins] = static_cast<char>((forged[begins] & ~7) | 7);
  WriteBytes(path_, WithChecksumMadeAgain(forged));
  for (int round = 0; round < 20; ++round) {
    ExpectRefused(absl::StatusCode::kDataLoss, "article 1 does not parse");
  }
}

TEST_F(SnapshotTest, CatalogVersionThatIsNotHexIsRefusedDespiteItsChecksum) {
  // The version is served in response headers: a forged one ("0123456789abcde"
  // and a newline) must not get there.
  std::string forged = bytes_;
  ASSERT_EQ(forged.substr(20, 2), std::string("\x10\x00", 2));
  forged.replace(22, 16, "0123456789abcde\n");
  WriteBytes(path_, WithChecksumMadeAgain(forged));
  ExpectRefused(absl::StatusCode::kDataLoss,
                "its catalog version is not 16 lowercase hex digits");
}

TEST_F(SnapshotTest, MissingFileIsNotFound) {
  std::filesystem::remove(path_);
  ExpectRefused(absl::StatusCode::kNotFound, "No such file");
}

// The snapshot of catalog_ in segments of at most 16 articles: 13, 13, 14.
class SegmentedSnapshotTest : public SnapshotTest {
 protected:
  void SetUp() override {
    SnapshotTest::SetUp();
    absl::StatusOr<SnapshotInfo> written =
        WriteSnapshot(SegmentedCatalog(*catalog_), path_, "9.8.7", 16);
    ASSERT_TRUE(written.ok()) << written.status();
    ASSERT_EQ(written->segments, 3);
    bytes_ = ReadBytes(path_);
  }

  // Where each segment starts, and where the file ends.
  std::vector<size_t> SegmentOffsets() const {
    std::vector<size_t> offsets = {SegmentOffset()};
    for (int s = 0; s < 3; ++s) {
      const size_t at = offsets.back();
      offsets.push_back(at + 24 + MultisetHash::kBytes + 4 * Int(at) +
                        Int(at + 8) + Int(at + 16));
    }
    return offsets;
  }
};

TEST_F(SegmentedSnapshotTest, LoadsAsItsSegments) {
  SnapshotInfo info;
  absl::StatusOr<std::shared_ptr<const SegmentedCatalog>> loaded =
      LoadSnapshotCatalog(path_, &info);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(info.segments, 3);
  EXPECT_FALSE(info.text_index_rebuilt);
  const SegmentedCatalog& catalog = **loaded;
  ASSERT_EQ(catalog.segment_count(), 3u);
  EXPECT_EQ(catalog.segment(0).size(), 13u);
  EXPECT_EQ(catalog.segment(1).size(), 13u);
  EXPECT_EQ(catalog.segment(2).size(), 14u);
  EXPECT_EQ(catalog.version(), catalog_->version());
  EXPECT_EQ(catalog.content_hash(), catalog_->content_hash());
  const std::vector<ArticleRef> order = catalog.InOrder();
  ASSERT_EQ(order.size(), catalog_->size());
  for (ArticleIndex i = 0; i < catalog_->size(); ++i) {
    EXPECT_EQ(catalog.ArticleBytes(order[i], v1::ARTICLE_VIEW_FULL),
              catalog_->ArticleBytes(i, v1::ARTICLE_VIEW_FULL))
        << "article " << i;
  }
  // Each segment's text index and content hash are those of its articles.
  for (uint32_t s = 0; s < 3; ++s) {
    const Catalog& segment = catalog.segment(s);
    std::vector<std::string> wire;
    for (ArticleIndex i = 0; i < segment.size(); ++i) {
      wire.emplace_back(segment.ArticleBytes(i, v1::ARTICLE_VIEW_FULL));
    }
    absl::StatusOr<std::shared_ptr<const Catalog>> anew =
        Catalog::FromCatalogBytes(std::move(wire));
    ASSERT_TRUE(anew.ok()) << anew.status();
    EXPECT_TRUE(segment.text_index().SamePostingsAs((*anew)->text_index()))
        << "segment " << s;
    EXPECT_EQ(segment.content_hash(), (*anew)->content_hash())
        << "segment " << s;
  }
}

TEST_F(SegmentedSnapshotTest, WritingItsSegmentsAgainGivesTheSameBytes) {
  absl::StatusOr<std::shared_ptr<const SegmentedCatalog>> loaded =
      LoadSnapshotCatalog(path_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const std::string again = path_ + ".again";
  ASSERT_TRUE(WriteSnapshot(**loaded, again, "9.8.7", 16).ok());
  EXPECT_EQ(ReadBytes(again), bytes_);
  // And as one segment, what the catalog built at once writes.
  ASSERT_TRUE(WriteSnapshot(**loaded, again, "9.8.7").ok());
  ASSERT_TRUE(WriteSnapshot(SegmentedCatalog(*catalog_), path_, "9.8.7").ok());
  EXPECT_EQ(ReadBytes(again), ReadBytes(path_));
}

TEST_F(SegmentedSnapshotTest, DeletedArticlesAreNotWritten) {
  // The loaded segments with a third of the first one's articles deleted
  // write what a catalog of the others writes.
  absl::StatusOr<std::shared_ptr<const SegmentedCatalog>> loaded =
      LoadSnapshotCatalog(path_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  std::vector<uint32_t> gone = {0, 4, 7, 12};
  std::vector<SegmentedCatalog::Segment> segments;
  MultisetHash content_hash = (*loaded)->content_hash();
  std::vector<Article> kept;
  for (uint32_t s = 0; s < 3; ++s) {
    segments.push_back({(*loaded)->segment_ptr(s), nullptr});
    for (ArticleIndex i = 0; i < (*loaded)->segment(s).size(); ++i) {
      if (s == 0 && absl::c_linear_search(gone, i)) {
        content_hash.Remove(
            (*loaded)->segment(0).ArticleBytes(i, v1::ARTICLE_VIEW_FULL));
      } else {
        kept.push_back((*loaded)->segment(s).article(i));
      }
    }
  }
  segments[0].deleted = std::make_shared<DeletionSet>(gone, 13);
  const std::shared_ptr<const SegmentedCatalog> fewer =
      SegmentedCatalog::Make(std::move(segments), content_hash);
  ASSERT_EQ(fewer->size(), 36u);
  const std::shared_ptr<const Catalog> want =
      Catalog::Build(std::move(kept)).catalog;
  const std::string again = path_ + ".again";
  ASSERT_TRUE(WriteSnapshot(*fewer, again, "9.8.7", 16).ok());
  ASSERT_TRUE(WriteSnapshot(SegmentedCatalog(*want), path_, "9.8.7", 16).ok());
  EXPECT_EQ(ReadBytes(again), ReadBytes(path_));
  absl::StatusOr<std::shared_ptr<const SegmentedCatalog>> reloaded =
      LoadSnapshotCatalog(again);
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  EXPECT_EQ((*reloaded)->version(), want->version());
  EXPECT_EQ((*reloaded)->segment_count(), 3u);  // 12, 12, 12
}

TEST_F(SegmentedSnapshotTest, SegmentsOutOfOrderAreRefused) {
  // The first two segments swapped, with the checksum made again: every
  // segment and hash is as written, but not in catalog order.
  const std::vector<size_t> at = SegmentOffsets();
  ASSERT_EQ(at.back(), bytes_.size());
  std::string forged =
      bytes_.substr(0, at[0]) + bytes_.substr(at[1], at[2] - at[1]) +
      bytes_.substr(at[0], at[1] - at[0]) + bytes_.substr(at[2]);
  WriteBytes(path_, WithChecksumMadeAgain(forged));
  ExpectRefused(absl::StatusCode::kDataLoss,
                "corrupt: article 14 is out of catalog order: it does not come "
                "after article 13");
}

TEST_F(SegmentedSnapshotTest, ASegmentsMalformedTextIndexIsRefused) {
  // The second segment's text index made of another tokenizer version is
  // built again; one that names article 14 of 13 is refused.
  const std::vector<size_t> at = SegmentOffsets();
  const size_t text_index = at[1] + 24 + MultisetHash::kBytes + 4 * 13;
  std::string forged = bytes_;
  forged[text_index] = static_cast<char>(kTokenizerVersion + 1);
  WriteBytes(path_, WithChecksumMadeAgain(forged));
  SnapshotInfo info;
  absl::StatusOr<std::shared_ptr<const SegmentedCatalog>> loaded =
      LoadSnapshotCatalog(path_, &info);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(info.text_index_rebuilt);
  const Catalog& rebuilt = (*loaded)->segment(1);
  std::vector<Article> articles;
  for (ArticleIndex i = 0; i < rebuilt.size(); ++i) {
    articles.push_back(rebuilt.article(i));
  }
  EXPECT_TRUE(rebuilt.text_index().SamePostingsAs(
      Catalog::Build(std::move(articles)).catalog->text_index()));

  const std::string beyond = OneTokenIndexBytes("beyond", 13);
  forged = bytes_.substr(0, text_index) + beyond +
           bytes_.substr(text_index + Int(at[1] + 8));
  for (int i = 0; i < 8; ++i) {
    forged[at[1] + 8 + i] =
        static_cast<char>(uint64_t{beyond.size()} >> (8 * i));
  }
  WriteBytes(path_, WithChecksumMadeAgain(forged));
  ExpectRefused(absl::StatusCode::kDataLoss,
                "corrupt: segment 2: text index: the documents of token 1 are "
                "not ascending or not below 13");
}

TEST_F(SnapshotTest, ANameInTwoSegmentsIsRefused) {
  // Written from a segmented catalog that breaks its own rule (a name live
  // in two segments, at two publish times): the file is in catalog order
  // and its hashes add up, but the name would be served twice.
  Article first = catalog_->article(0);
  Article again = first;
  again.mutable_publish_time()->set_seconds(first.publish_time().seconds() +
                                            60);
  std::vector<SegmentedCatalog::Segment> segments;
  MultisetHash content_hash;
  for (Article& article : {std::ref(first), std::ref(again)}) {
    std::vector<Article> one = {article};
    segments.push_back({Catalog::Build(std::move(one)).catalog, nullptr});
    content_hash.Add(segments.back().catalog->content_hash());
  }
  const std::shared_ptr<const SegmentedCatalog> twice =
      SegmentedCatalog::Make(std::move(segments), content_hash);
  ASSERT_TRUE(WriteSnapshot(*twice, path_, "9.8.7", 1).ok());
  ExpectRefused(absl::StatusCode::kDataLoss,
                absl::StrCat("corrupt: ", twice->segment(0).fields(0).name,
                             " is in two segments"));
}

// A seed whose article URL is https://example.com/<slug>.
std::string Seed(const std::string& slug) {
  return absl::StrCat("---\ntitle: Article ", slug,
                      "\npublishedDateTime: 2023-07-24T09:05:00Z\n"
                      "originalUrl: https://example.com/",
                      slug, "\n---\n");
}

// Records a reloader's reports.
class Reports {
 public:
  CatalogReloader::Report Report() {
    return [this](const LoadReport& report) {
      absl::MutexLock lock(&mutex_);
      reports_.push_back(report);
    };
  }
  // The `n`th report (1-based), waiting for it.
  LoadReport Await(int n) {
    absl::MutexLock lock(&mutex_);
    auto reached = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
      return static_cast<int>(reports_.size()) >= n;
    };
    if (!mutex_.AwaitWithTimeout(absl::Condition(&reached),
                                 absl::Seconds(30))) {
      ADD_FAILURE() << "no report " << n;
      return {};
    }
    return reports_[n - 1];
  }

 private:
  absl::Mutex mutex_;
  std::vector<LoadReport> reports_ ABSL_GUARDED_BY(mutex_);
};

TEST_F(SnapshotTest, ReloaderStartsFromTheSnapshotThenReloadsTheSeeds) {
  folder_.Write("seeds/a.txt", Seed("a"));
  CatalogReloaderOptions options;
  options.seeds = (folder_.path() / "seeds").string();
  options.snapshot = path_;
  Reports reports;
  CatalogReloader reloader(
      options, [](std::shared_ptr<const SegmentedCatalog>) {},
      reports.Report());
  reloader.Start();

  const LoadReport start = reports.Await(1);
  ASSERT_TRUE(start.status.ok()) << start.status;
  EXPECT_TRUE(start.snapshot_error.ok()) << start.snapshot_error;
  EXPECT_EQ(start.source, absl::StrCat("snapshot ", path_));
  EXPECT_EQ(start.catalog->version(), catalog_->version());
  EXPECT_EQ(start.catalog->size(), 40u);

  reloader.RequestReload("test");
  const LoadReport reload = reports.Await(2);
  ASSERT_TRUE(reload.status.ok()) << reload.status;
  EXPECT_EQ(reload.source, "seeds");
  ASSERT_EQ(reload.catalog->size(), 1u);
  EXPECT_EQ(reload.catalog->article({0, 0}).source_file(), "a.txt");
}

TEST_F(SnapshotTest, ReloaderFallsBackToTheSeedsWhenTheSnapshotIsCorrupt) {
  std::string corrupt = bytes_;
  corrupt[corrupt.size() / 2] ^= 0x01;
  WriteBytes(path_, corrupt);
  folder_.Write("seeds/a.txt", Seed("a"));
  CatalogReloaderOptions options;
  options.seeds = (folder_.path() / "seeds").string();
  options.snapshot = path_;
  Reports reports;
  CatalogReloader reloader(
      options, [](std::shared_ptr<const SegmentedCatalog>) {},
      reports.Report());
  reloader.Start();

  const LoadReport start = reports.Await(1);
  ASSERT_TRUE(start.status.ok()) << start.status;
  EXPECT_EQ(start.snapshot_error.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(start.snapshot_error.message()), HasSubstr(path_));
  EXPECT_EQ(start.source, "seeds");
  ASSERT_EQ(start.catalog->size(), 1u);
}

}  // namespace
}  // namespace newsmeta
