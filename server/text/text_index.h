// An inverted index over the title and excerpt of documents numbered
// 0..n-1, answering TextQuery. Immutable once built; safe to read from many
// threads.
#ifndef NEWSMETA_SERVER_TEXT_TEXT_INDEX_H_
#define NEWSMETA_SERVER_TEXT_TEXT_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "text/text_query.h"

namespace newsmeta {

class TextIndex {
 public:
  class Builder {
   public:
    // Indexes the tokens (see Tokenize) of `title` and `excerpt` as those of
    // `doc`. Add documents in ascending order of `doc`, each once; other
    // orders work too, at the cost of a sort in Build.
    void Add(uint32_t doc, absl::string_view title, absl::string_view excerpt);

    TextIndex Build() &&;

   private:
    void AddTokens(uint32_t doc, absl::string_view text);

    absl::flat_hash_map<std::string, std::vector<uint32_t>> postings_;
    // False once some posting list received a doc below its last one.
    bool ascending_ = true;
  };

  // An index of no documents.
  TextIndex() = default;

  // The documents holding `folded_token` in their title or excerpt, in
  // ascending order; nullptr when none does.
  const std::vector<uint32_t>* Postings(absl::string_view folded_token) const;

  // The title and excerpt of a document, as given to Builder::Add.
  using DocText = std::function<std::pair<absl::string_view, absl::string_view>(
      uint32_t doc)>;

  // The documents of [0, num_docs) that match `query`, in ascending order.
  // Candidates come from the postings of the query's tokens; `doc_text` is
  // called only for candidates on which a phrase must be checked, so it may
  // be empty for a query without phrases. With no positive term, the result
  // is every document of [0, num_docs) that no exclusion matches; an empty
  // query matches them all.
  std::vector<uint32_t> Match(const TextQuery& query, uint32_t num_docs,
                              const DocText& doc_text) const;

  // How many distinct tokens the index holds.
  size_t token_count() const { return postings_.size(); }

  // The heap bytes the index holds (see util/memory_usage.h): its tables
  // with their tokens, the posting lists, and the bitmaps.
  struct MemoryUsage {
    size_t tables = 0;
    size_t postings = 0;
    size_t bitmaps = 0;
    size_t Total() const { return tables + postings + bitmaps; }
  };
  MemoryUsage memory_usage() const;

  // The index as bytes, for a snapshot (text_index_bytes.cc has the layout):
  // the same index gives the same bytes. They name the tokenizer they were
  // made with (kTokenizerVersion).
  void AppendBytes(std::string* out) const;
  // The index those bytes hold, for documents [0, num_docs): the same as the
  // one that wrote them. INVALID_ARGUMENT saying what is wrong when they are
  // malformed (truncated, trailing bytes, tokens out of order or empty,
  // postings not ascending or not below `num_docs`); FAILED_PRECONDITION
  // when another tokenizer version made them, whose tokens queries would no
  // longer find (build the index again from the documents instead).
  static absl::StatusOr<TextIndex> FromBytes(absl::string_view bytes,
                                             uint32_t num_docs);

  // Whether both hold the same tokens with the same documents.
  bool SamePostingsAs(const TextIndex& other) const {
    return postings_ == other.postings_;
  }

 private:
  using Bitmap = std::vector<uint64_t>;  // bit d of word d / 64: doc d

  // The index of these postings (each list ascending), with the bitmaps of
  // its dense tokens.
  static TextIndex FromPostings(
      absl::flat_hash_map<std::string, std::vector<uint32_t>> postings);

  explicit TextIndex(
      absl::flat_hash_map<std::string, std::vector<uint32_t>> postings,
      absl::flat_hash_map<std::string, Bitmap> bitmaps)
      : postings_(std::move(postings)), bitmaps_(std::move(bitmaps)) {}

  // The documents below `num_docs` holding every token of every one of
  // `terms`, ascending. Phrases among `terms` still need checking on them.
  std::vector<uint32_t> DocsWithAllTokens(
      const std::vector<const std::vector<std::string>*>& terms,
      uint32_t num_docs) const;

  absl::flat_hash_map<std::string, std::vector<uint32_t>> postings_;
  // The same documents as a bitmap, for tokens in at least 1 of
  // kDenseFraction documents (it then takes at most half the bytes of the
  // posting list): documents holding several such tokens are found by
  // AND-ing words instead of merging long lists.
  static constexpr size_t kDenseFraction = 16;
  absl::flat_hash_map<std::string, Bitmap> bitmaps_;
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_TEXT_TEXT_INDEX_H_
