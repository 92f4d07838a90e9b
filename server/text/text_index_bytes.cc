// TextIndex as bytes, for snapshots. Layout, integers little-endian uint32:
//   tokenizer version          kTokenizerVersion of the writer
//   token count
//   per token, in ascending byte order:
//     token size, posting count, the token's bytes, then each document
//     number of its postings, ascending.
#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "text/normalize.h"
#include "text/text_index.h"
#include "util/little_endian.h"

namespace newsmeta {
namespace {

void PutUint32(uint32_t value, std::string* out) {
  AppendLittleEndian(value, 4, out);
}

// Reads bytes from the front of a view, never past its end.
class Reader {
 public:
  explicit Reader(absl::string_view bytes) : bytes_(bytes) {}

  size_t left() const { return bytes_.size(); }

  bool Uint32(uint32_t* value) {
    if (bytes_.size() < 4) return false;
    *value = static_cast<uint32_t>(LoadLittleEndian(bytes_.data(), 4));
    bytes_.remove_prefix(4);
    return true;
  }

  bool Bytes(size_t size, absl::string_view* out) {
    if (bytes_.size() < size) return false;
    *out = bytes_.substr(0, size);
    bytes_.remove_prefix(size);
    return true;
  }

 private:
  absl::string_view bytes_;
};

// `count` document numbers from `bytes` (4 each, little-endian).
std::vector<uint32_t> DecodeDocs(absl::string_view bytes, uint32_t count) {
  std::vector<uint32_t> docs(count);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (count > 0) std::memcpy(docs.data(), bytes.data(), size_t{count} * 4);
#else
  Reader reader(bytes);
  for (uint32_t& doc : docs) reader.Uint32(&doc);
#endif
  return docs;
}

absl::Status Malformed(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("text index: ", why));
}

}  // namespace

void TextIndex::AppendBytes(std::string* out) const {
  std::vector<const std::pair<const std::string, std::vector<uint32_t>>*>
      entries;
  entries.reserve(postings_.size());
  size_t size = 8;
  for (const auto& entry : postings_) {
    entries.push_back(&entry);
    size += 8 + entry.first.size() + 4 * entry.second.size();
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  out->reserve(out->size() + size);
  PutUint32(kTokenizerVersion, out);
  PutUint32(static_cast<uint32_t>(entries.size()), out);
  for (const auto* entry : entries) {
    PutUint32(static_cast<uint32_t>(entry->first.size()), out);
    PutUint32(static_cast<uint32_t>(entry->second.size()), out);
    out->append(entry->first);
    for (const uint32_t doc : entry->second) PutUint32(doc, out);
  }
}

absl::StatusOr<TextIndex> TextIndex::FromBytes(absl::string_view bytes,
                                               uint32_t num_docs) {
  Reader reader(bytes);
  uint32_t tokenizer = 0;
  uint32_t tokens = 0;
  if (!reader.Uint32(&tokenizer) || !reader.Uint32(&tokens)) {
    return Malformed("truncated in its header");
  }
  if (tokenizer != kTokenizerVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "text index: made by tokenizer version ", tokenizer,
        ", this server tokenizes with version ", kTokenizerVersion));
  }
  // Each token takes at least 8 bytes: a count beyond that is a lie.
  if (tokens > reader.left() / 8) {
    return Malformed(absl::StrCat("it says ", tokens,
                                  " tokens, more than its bytes can hold"));
  }
  absl::flat_hash_map<std::string, std::vector<uint32_t>> postings;
  postings.reserve(tokens);
  absl::string_view previous;
  for (uint32_t t = 0; t < tokens; ++t) {
    uint32_t token_size = 0;
    uint32_t count = 0;
    absl::string_view token;
    absl::string_view docs;
    if (!reader.Uint32(&token_size) || !reader.Uint32(&count) ||
        !reader.Bytes(token_size, &token) || count > reader.left() / 4 ||
        !reader.Bytes(size_t{count} * 4, &docs)) {
      return Malformed(absl::StrCat("token ", t + 1, " is truncated"));
    }
    if (token.empty() || count == 0 || (t > 0 && token <= previous)) {
      return Malformed(absl::StrCat(
          "token ", t + 1, " is empty, has no documents or is out of order"));
    }
    previous = token;
    std::vector<uint32_t> list = DecodeDocs(docs, count);
    for (uint32_t i = 0; i < count; ++i) {
      if (list[i] >= num_docs || (i > 0 && list[i] <= list[i - 1])) {
        return Malformed(absl::StrCat("the documents of token ", t + 1,
                                      " are not ascending or not below ",
                                      num_docs));
      }
    }
    postings.emplace(std::string(token), std::move(list));
  }
  if (reader.left() != 0) {
    return Malformed(
        absl::StrCat(reader.left(), " bytes after its last token"));
  }
  return FromPostings(std::move(postings));
}

}  // namespace newsmeta
