#include "text/text_index.h"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <numeric>

#include "text/normalize.h"
#include "util/memory_usage.h"

namespace newsmeta {
namespace {

using DocIterator = std::vector<uint32_t>::const_iterator;
using Tokens = std::vector<std::string>;

// The first position of the ascending range [first, last) whose value is at
// least `target`, found by galloping from `first`: cheap when it is near.
DocIterator GallopTo(DocIterator first, DocIterator last, uint32_t target) {
  if (first == last || *first >= target) return first;
  // Invariant: *low < target.
  DocIterator low = first;
  std::ptrdiff_t step = 1;
  while (last - low > step && *(low + step) < target) {
    low += step;
    step *= 2;
  }
  const DocIterator high = last - low > step ? low + step : last;
  return std::lower_bound(low + 1, high, target);
}

// Keeps in `docs` those also in `list`, both ascending and of sizes within
// a small factor of each other: one branch-free merge of the two.
void IntersectByMerge(const std::vector<uint32_t>& list,
                      std::vector<uint32_t>* docs) {
  const uint32_t* a = docs->data();
  const uint32_t* const a_end = a + docs->size();
  const uint32_t* b = list.data();
  const uint32_t* const b_end = b + list.size();
  uint32_t* out = docs->data();  // never passes `a`
  while (a != a_end && b != b_end) {
    const uint32_t x = *a;
    const uint32_t y = *b;
    *out = x;
    out += x == y;
    a += x <= y;
    b += y <= x;
  }
  docs->resize(static_cast<size_t>(out - docs->data()));
}

// Keeps in `docs` those also in `list` (both ascending) when `keep_common`,
// or those not in it otherwise.
void FilterBy(const std::vector<uint32_t>& list, bool keep_common,
              std::vector<uint32_t>* docs) {
  // Galloping pays when `list` is much longer than `docs`; otherwise a
  // merge reads both once without a branch to mispredict.
  constexpr size_t kGallopFactor = 16;
  if (keep_common && list.size() < kGallopFactor * docs->size()) {
    IntersectByMerge(list, docs);
    return;
  }
  DocIterator next = list.begin();
  size_t kept = 0;
  for (size_t i = 0; i < docs->size(); ++i) {
    const uint32_t doc = (*docs)[i];
    next = GallopTo(next, list.end(), doc);
    const bool common = next != list.end() && *next == doc;
    if (common == keep_common) (*docs)[kept++] = doc;
  }
  docs->resize(kept);
}

// The documents below `num_docs` set in every one of `bitmaps`, ascending.
std::vector<uint32_t> AllOf(
    const std::vector<const std::vector<uint64_t>*>& bitmaps,
    uint32_t num_docs) {
  size_t words = (static_cast<size_t>(num_docs) + 63) / 64;
  for (const std::vector<uint64_t>* bits : bitmaps) {
    words = std::min(words, bits->size());
  }
  std::vector<uint32_t> docs;
  for (size_t w = 0; w < words; ++w) {
    uint64_t word = (*bitmaps[0])[w];
    for (size_t i = 1; i < bitmaps.size() && word != 0; ++i) {
      word &= (*bitmaps[i])[w];
    }
    while (word != 0) {
      const uint32_t doc = static_cast<uint32_t>(w * 64) +
                           static_cast<uint32_t>(__builtin_ctzll(word));
      if (doc >= num_docs) break;
      docs.push_back(doc);
      word &= word - 1;
    }
  }
  return docs;
}

bool ContainsPhrase(const Tokens& field, const Tokens& phrase) {
  return std::search(field.begin(), field.end(), phrase.begin(),
                     phrase.end()) != field.end();
}

// An excluded phrase and the documents holding all its tokens, which it may
// match; `next` walks `candidates` along with the documents being checked.
struct ExcludedPhrase {
  const Tokens* tokens;
  std::vector<uint32_t> candidates;
  size_t next = 0;
};

}  // namespace

void TextIndex::Builder::Add(uint32_t doc, absl::string_view title,
                             absl::string_view excerpt) {
  AddTokens(doc, title);
  AddTokens(doc, excerpt);
}

void TextIndex::Builder::AddTokens(uint32_t doc, absl::string_view text) {
  ForEachToken(text, [this, doc](absl::string_view token) {
    auto it = postings_.find(token);
    if (it == postings_.end()) it = postings_.try_emplace(token).first;
    std::vector<uint32_t>& list = it->second;
    if (!list.empty() && list.back() == doc) return;
    if (!list.empty() && list.back() > doc) ascending_ = false;
    list.push_back(doc);
  });
}

TextIndex TextIndex::Builder::Build() && {
  for (auto& [token, list] : postings_) {
    if (!ascending_) {
      std::sort(list.begin(), list.end());
      list.erase(std::unique(list.begin(), list.end()), list.end());
    }
    list.shrink_to_fit();
  }
  return FromPostings(std::move(postings_));
}

TextIndex TextIndex::FromPostings(
    absl::flat_hash_map<std::string, std::vector<uint32_t>> postings) {
  size_t universe = 0;  // one past the highest document
  for (const auto& [token, list] : postings) {
    if (!list.empty()) universe = std::max<size_t>(universe, list.back() + 1);
  }
  absl::flat_hash_map<std::string, Bitmap> bitmaps;
  for (const auto& [token, list] : postings) {
    if (list.size() * kDenseFraction < universe) continue;
    Bitmap& bits = bitmaps[token];
    bits.assign((universe + 63) / 64, 0);
    for (const uint32_t doc : list) bits[doc / 64] |= uint64_t{1} << (doc % 64);
  }
  return TextIndex(std::move(postings), std::move(bitmaps));
}

TextIndex::MemoryUsage TextIndex::memory_usage() const {
  MemoryUsage usage;
  usage.tables = HashTableBytes(postings_) + HashTableBytes(bitmaps_);
  for (const auto& [token, list] : postings_) {
    usage.tables += StringHeapBytes(token);
    usage.postings += VectorHeapBytes(list);
  }
  for (const auto& [token, bits] : bitmaps_) {
    usage.tables += StringHeapBytes(token);
    usage.bitmaps += VectorHeapBytes(bits);
  }
  return usage;
}

const std::vector<uint32_t>* TextIndex::Postings(
    absl::string_view folded_token) const {
  const auto it = postings_.find(folded_token);
  return it == postings_.end() ? nullptr : &it->second;
}

std::vector<uint32_t> TextIndex::DocsWithAllTokens(
    const std::vector<const Tokens*>& terms, uint32_t num_docs) const {
  std::vector<const std::vector<uint32_t>*> lists;
  std::vector<const Bitmap*> bitmaps;  // while every token has one
  for (const Tokens* term : terms) {
    for (const std::string& token : *term) {
      const std::vector<uint32_t>* list = Postings(token);
      if (list == nullptr) return {};
      lists.push_back(list);
      const auto bits = bitmaps_.find(token);
      if (bits != bitmaps_.end() && bitmaps.size() + 1 == lists.size()) {
        bitmaps.push_back(&bits->second);
      }
    }
  }
  if (lists.empty()) return {};
  if (bitmaps.size() == lists.size()) return AllOf(bitmaps, num_docs);
  // Rarest first: the candidates only shrink, and galloping over the longer
  // lists skips most of them.
  std::sort(lists.begin(), lists.end(),
            [](const std::vector<uint32_t>* a, const std::vector<uint32_t>* b) {
              return a->size() < b->size() ||
                     (a->size() == b->size() && std::less<>()(a, b));
            });
  lists.erase(std::unique(lists.begin(), lists.end()), lists.end());
  const std::vector<uint32_t>& rarest = *lists.front();
  std::vector<uint32_t> docs(
      rarest.begin(), std::lower_bound(rarest.begin(), rarest.end(), num_docs));
  for (size_t i = 1; i < lists.size() && !docs.empty(); ++i) {
    FilterBy(*lists[i], /*keep_common=*/true, &docs);
  }
  return docs;
}

std::vector<uint32_t> TextIndex::Match(const TextQuery& query,
                                       uint32_t num_docs,
                                       const DocText& doc_text) const {
  std::vector<uint32_t> docs;
  if (query.terms.empty()) {
    docs.resize(num_docs);
    std::iota(docs.begin(), docs.end(), 0u);
  } else {
    std::vector<const Tokens*> terms;
    for (const Tokens& term : query.terms) terms.push_back(&term);
    docs = DocsWithAllTokens(terms, num_docs);
  }

  // Excluded words need no checking; excluded phrases do, but only on the
  // documents holding all their tokens.
  std::vector<ExcludedPhrase> excluded_phrases;
  for (const Tokens& term : query.excluded_terms) {
    if (docs.empty()) return docs;
    if (term.size() == 1) {
      if (const std::vector<uint32_t>* list = Postings(term.front())) {
        FilterBy(*list, /*keep_common=*/false, &docs);
      }
      continue;
    }
    std::vector<uint32_t> candidates = DocsWithAllTokens({&term}, num_docs);
    if (!candidates.empty()) {
      excluded_phrases.push_back({&term, std::move(candidates)});
    }
  }

  std::vector<const Tokens*> phrases;
  for (const Tokens& term : query.terms) {
    if (term.size() > 1) phrases.push_back(&term);
  }
  if (phrases.empty() && excluded_phrases.empty()) return docs;

  std::vector<const Tokens*> excluded_here;
  size_t kept = 0;
  for (size_t i = 0; i < docs.size(); ++i) {
    const uint32_t doc = docs[i];
    excluded_here.clear();
    for (ExcludedPhrase& excluded : excluded_phrases) {
      while (excluded.next < excluded.candidates.size() &&
             excluded.candidates[excluded.next] < doc) {
        ++excluded.next;
      }
      if (excluded.next < excluded.candidates.size() &&
          excluded.candidates[excluded.next] == doc) {
        excluded_here.push_back(excluded.tokens);
      }
    }
    if (!phrases.empty() || !excluded_here.empty()) {
      const auto [title, excerpt] = doc_text(doc);
      const Tokens title_tokens = Tokenize(title);
      const Tokens excerpt_tokens = Tokenize(excerpt);
      const auto found = [&](const Tokens* phrase) {
        return ContainsPhrase(title_tokens, *phrase) ||
               ContainsPhrase(excerpt_tokens, *phrase);
      };
      if (!std::all_of(phrases.begin(), phrases.end(), found) ||
          std::any_of(excluded_here.begin(), excluded_here.end(), found)) {
        continue;
      }
    }
    docs[kept++] = doc;
  }
  docs.resize(kept);
  return docs;
}

}  // namespace newsmeta
