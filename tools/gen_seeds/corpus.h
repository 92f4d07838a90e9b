// Deterministic, seed-shaped test corpora: realistic spreads of topics,
// providers, dates, offsets, related links and unknown keys, for load and
// query tests of newsmeta.
#ifndef NEWSMETA_TOOLS_GEN_SEEDS_CORPUS_H_
#define NEWSMETA_TOOLS_GEN_SEEDS_CORPUS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "newsmeta/v1/article.pb.h"

namespace newsmeta {

struct CorpusOptions {
  // Number of documents, indexed 0 to count - 1. Some things depend on it:
  // related links point at articles below `count`, and articles that share
  // the same second are drawn from about count / 25 instants.
  int count = 1000;
  // Seed of the pseudo-random generator. The same options give byte-identical
  // documents on every machine (own generator, integer arithmetic only).
  uint64_t seed = 1;
};

struct SeedDocument {
  // Path relative to the corpus folder, "<index / 1000>/<index>.txt" with
  // zero padding ("0001/00001234.txt"), so at most 1000 files per folder and
  // path order is index order.
  std::string file_name;
  // The seed: `---`, YAML front matter, `---`, an optional body. Valid UTF-8.
  std::string content;
};

// What WriteCorpus wrote.
struct CorpusStats {
  int64_t files = 0;
  int64_t bytes = 0;
};

// Document `index` (0 <= index < options.count) of the corpus `options`
// describes. Each document depends only on the options and its index, so
// documents can be made in any order or in parallel.
//
// Every article has a title, an RFC 3339 publishedDateTime between
// 2021-01-01 and 2024-12-31 (UTC) written with varied offsets and sometimes
// fractional seconds, a unique originalUrl (it contains the index) and a
// webUrl, a provider, 1-5 topics drawn with a Zipf-like skew from about 300
// (some multi-word, some non-ASCII), 0-3 images, 0-8 related links (some
// pointing at other articles' originalUrl), quality 0-100, heat -1-1000, a
// published flag and a base64-looking `secured` string. A few carry keys the
// loader does not know (kept in extra_fields), a body, a byte order mark or
// CRLF line ends.
SeedDocument GenerateSeed(const CorpusOptions& options, int index);

// The Article the loader makes of document `index`: equal to
// ParseSeed(GenerateSeed(options, index).content, its file_name), the same
// name, fields, topics, related links, extra_fields and source_file (and,
// like ParseSeed, no RelatedLink.article: Catalog::Build sets those). Costs
// no YAML, so benchmarks can build catalogs of millions of articles quickly.
newsmeta::v1::Article GenerateArticle(const CorpusOptions& options, int index);

// Writes every document of the corpus below `out_dir`, creating it and its
// folders; existing files of the same names are replaced, others are left
// alone. Errors name the path that failed. `stats`, when given, receives
// what was written (also on error: what was written before it).
absl::Status WriteCorpus(const CorpusOptions& options,
                         const std::string& out_dir,
                         CorpusStats* stats = nullptr);

// `text` as a double-quoted YAML scalar that reads back as `text`:
// backslashes, double quotes, control characters and the code points YAML
// treats as line breaks or does not allow unescaped are escaped; bytes that
// are not valid UTF-8 become U+FFFD, so the result is always valid UTF-8.
std::string YamlQuote(absl::string_view text);

}  // namespace newsmeta

#endif  // NEWSMETA_TOOLS_GEN_SEEDS_CORPUS_H_
