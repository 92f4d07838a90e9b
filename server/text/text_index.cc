#include "text/text_index.h"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <numeric>

#include "text/normalize.h"

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

// Keeps in `docs` those also in `list` (both ascending) when `keep_common`,
// or those not in it otherwise.
void FilterBy(const std::vector<uint32_t>& list, bool keep_common,
              std::vector<uint32_t>* docs) {
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
  for (std::string& token : Tokenize(text)) {
    std::vector<uint32_t>& list = postings_[std::move(token)];
    if (!list.empty() && list.back() == doc) continue;
    if (!list.empty() && list.back() > doc) ascending_ = false;
    list.push_back(doc);
  }
}

TextIndex TextIndex::Builder::Build() && {
  for (auto& [token, list] : postings_) {
    if (!ascending_) {
      std::sort(list.begin(), list.end());
      list.erase(std::unique(list.begin(), list.end()), list.end());
    }
    list.shrink_to_fit();
  }
  return TextIndex(std::move(postings_));
}

const std::vector<uint32_t>* TextIndex::Postings(
    absl::string_view folded_token) const {
  const auto it = postings_.find(folded_token);
  return it == postings_.end() ? nullptr : &it->second;
}

std::vector<uint32_t> TextIndex::DocsWithAllTokens(
    const std::vector<const Tokens*>& terms, uint32_t num_docs) const {
  std::vector<const std::vector<uint32_t>*> lists;
  for (const Tokens* term : terms) {
    for (const std::string& token : *term) {
      const std::vector<uint32_t>* list = Postings(token);
      if (list == nullptr) return {};
      lists.push_back(list);
    }
  }
  if (lists.empty()) return {};
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
