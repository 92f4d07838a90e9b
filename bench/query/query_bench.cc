// Query engine benchmark (make bench, part "query"): a catalog of
// generated articles (1,000,000 by default) built in process, the query
// shapes of issue 6 timed through the domain functions of
// server/query/article_queries.h, and the same queries on the same articles
// in an in-memory SQLite database, the peer, in the same run.
//
// Usage: newsmeta_query_bench [--articles=N] [--facts_out=FILE]
//                             [--only_newsmeta] [google benchmark flags]
// Facts that are not timings (build times, memory, the queries' answers and
// whether both engines gave the same ones) go to --facts_out as JSON; the
// timings are Google Benchmark's own output (--benchmark_out=FILE).
#include <malloc.h>
#include <sqlite3.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "catalog/catalog.h"
#include "catalog/catalog_holder.h"
#include "gen_seeds/corpus.h"
#include "newsmeta/v1/article.pb.h"
#include "newsmeta/v1/article_service.pb.h"
#include "query/article_queries.h"

namespace newsmeta {
namespace {

using ::newsmeta::v1::Article;
using ::newsmeta::v1::ListArticlesRequest;
using ::newsmeta::v1::ListArticlesResponse;
using ::newsmeta::v1::SummarizeArticlesRequest;
using ::newsmeta::v1::SummarizeArticlesResponse;

// ---------------------------------------------------------------------------
// The one place that calls newsmeta's query functions: when their signatures
// change, only these two change. ListArticles is timed on the serving path,
// which answers with the response's wire bytes: the pieces ListArticlesWire
// gives (views of cached article bytes) copied once into one buffer, as the
// service copies them into its outgoing slice.

absl::Status NewsmetaList(const CatalogHolder& catalogs,
                          const ListArticlesRequest& request,
                          std::string* response_bytes) {
  WireMessage message;
  const absl::Status status = ListArticlesWire(catalogs, request, &message);
  if (!status.ok()) return status;
  response_bytes->resize(message.size());
  message.CopyTo(response_bytes->data());
  return absl::OkStatus();
}

absl::Status NewsmetaSummarize(const CatalogHolder& catalogs,
                               const SummarizeArticlesRequest& request,
                               SummarizeArticlesResponse* response) {
  return SummarizeArticles(catalogs, request, response);
}

// ---------------------------------------------------------------------------
// Process facts.

// A "Vm..." line of /proc/self/status, in bytes; -1 when absent.
int64_t ProcStatusBytes(absl::string_view key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (!absl::StartsWith(line, key) || line.size() <= key.size() ||
        line[key.size()] != ':') {
      continue;
    }
    int64_t kib = 0;
    absl::string_view rest = absl::string_view(line).substr(key.size() + 1);
    rest = absl::StripAsciiWhitespace(rest);
    absl::ConsumeSuffix(&rest, "kB");
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(rest), &kib)) {
      return kib * 1024;
    }
  }
  return -1;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

// User and system CPU time of the whole process so far (all threads): beside
// wall-clock times, it tells what a busy machine took away.
double CpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// Facts gathered on the way, written as one flat JSON object.
class Facts {
 public:
  void Number(const std::string& key, double value) {
    values_[key] = absl::StrFormat("%.17g", value);
  }
  void Integer(const std::string& key, int64_t value) {
    values_[key] = absl::StrCat(value);
  }
  void Bool(const std::string& key, bool value) {
    values_[key] = value ? "true" : "false";
  }
  void Text(const std::string& key, absl::string_view value) {
    std::string quoted = "\"";
    for (const char c : value) {
      if (c == '"' || c == '\\') {
        quoted.push_back('\\');
        quoted.push_back(c);
      } else if (static_cast<unsigned char>(c) < 0x20) {
        absl::StrAppendFormat(&quoted, "\\u%04x", c);
      } else {
        quoted.push_back(c);
      }
    }
    quoted.push_back('"');
    values_[key] = quoted;
  }
  std::string Json() const {
    std::vector<std::string> items;
    for (const auto& [key, value] : values_) {
      items.push_back(absl::StrCat("  \"", key, "\": ", value));
    }
    return absl::StrCat("{\n", absl::StrJoin(items, ",\n"), "\n}\n");
  }

 private:
  std::map<std::string, std::string> values_;
};

// ---------------------------------------------------------------------------
// The corpus.

struct Corpus {
  std::shared_ptr<const Catalog> catalog;
  // Topics (as spelled in the articles) by number of articles, most first.
  std::vector<std::pair<std::string, int64_t>> topics;
};

// Generates `count` articles on every core and indexes them. The articles
// are moved into Catalog::Build, so afterwards the catalog is the only live
// data; freed memory is handed back to the system before RSS is read.
Corpus BuildCorpus(int count, Facts* facts) {
  malloc_trim(0);
  const int64_t rss_before = ProcStatusBytes("VmRSS");
  CorpusOptions options;
  options.count = count;
  options.seed = 1;

  const auto generate_start = std::chrono::steady_clock::now();
  const double generate_cpu = CpuSeconds();
  std::vector<Article> articles(count);
  const int threads =
      std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  std::vector<absl::flat_hash_map<std::string, int64_t>> topic_counts(threads);
  {
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (int i = t; i < count; i += threads) {
          articles[i] = GenerateArticle(options, i);
          for (const std::string& topic : articles[i].topics()) {
            ++topic_counts[t][topic];
          }
        }
      });
    }
    for (std::thread& worker : workers) worker.join();
  }
  facts->Number("generate_seconds", SecondsSince(generate_start));
  facts->Number("generate_cpu_seconds", CpuSeconds() - generate_cpu);
  facts->Integer("generate_threads", threads);

  const auto build_start = std::chrono::steady_clock::now();
  const double build_cpu = CpuSeconds();
  Catalog::BuildResult built = Catalog::Build(std::move(articles));
  facts->Number("build_seconds", SecondsSince(build_start));
  facts->Number("build_cpu_seconds", CpuSeconds() - build_cpu);
  facts->Integer("rejections", static_cast<int64_t>(built.rejections.size()));
  articles = std::vector<Article>();
  malloc_trim(0);
  const int64_t rss_after = ProcStatusBytes("VmRSS");
  // What of it the catalog's own allocations hold, and what is free space
  // the allocator keeps between them (holes left by the generated messages).
  const struct mallinfo2 heap = mallinfo2();

  Corpus corpus;
  corpus.catalog = std::move(built.catalog);
  const Catalog& catalog = *corpus.catalog;
  // What the catalog serves (Build sets RelatedLink.article): FULL view.
  int64_t serialized = 0;
  for (ArticleIndex i = 0; i < catalog.size(); ++i) {
    serialized += static_cast<int64_t>(
        catalog.ArticleBytes(i, newsmeta::v1::ARTICLE_VIEW_FULL).size());
  }
  const double n = static_cast<double>(catalog.size());
  facts->Integer("articles", static_cast<int64_t>(catalog.size()));
  facts->Integer("rss_before_bytes", rss_before);
  facts->Integer("rss_after_build_bytes", rss_after);
  facts->Integer("peak_rss_after_build_bytes", ProcStatusBytes("VmHWM"));
  facts->Number("resident_bytes_per_article", (rss_after - rss_before) / n);
  facts->Number("heap_in_use_bytes_per_article",
                static_cast<double>(heap.uordblks + heap.hblkhd) / n);
  facts->Number("heap_free_bytes_per_article",
                static_cast<double>(heap.fordblks) / n);
  facts->Number("serialized_bytes_per_article", serialized / n);

  absl::flat_hash_map<std::string, int64_t> merged;
  for (const auto& counts : topic_counts) {
    for (const auto& [topic, k] : counts) merged[topic] += k;
  }
  corpus.topics.assign(merged.begin(), merged.end());
  std::sort(corpus.topics.begin(), corpus.topics.end(),
            [](const auto& a, const auto& b) {
              return a.second != b.second ? a.second > b.second
                                          : a.first < b.first;
            });
  return corpus;
}

// ---------------------------------------------------------------------------
// The peer: the same articles in an in-memory SQLite database, laid out as
// one would to serve these queries. `articles.id` is the article's position
// in (publish_time, name) order, so ordering by (publish_time, id) is
// newsmeta's order (ties on time broken by name); `basic` holds the BASIC
// view's bytes, so a page answers with the same bytes newsmeta serves.

void Check(int code, sqlite3* db, absl::string_view what) {
  if (code != SQLITE_OK && code != SQLITE_DONE && code != SQLITE_ROW) {
    std::fprintf(stderr, "sqlite: %s: %s\n", std::string(what).c_str(),
                 sqlite3_errmsg(db));
    std::exit(1);
  }
}

void Exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite: %s\n  in: %s\n", error, sql.c_str());
    std::exit(1);
  }
}

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) : db_(db) {
    Check(sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT,
                             &statement_, nullptr),
          db, sql);
  }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  sqlite3_stmt* get() { return statement_; }
  // Resets the statement and binds `values` (text or integers) to ?1, ?2...
  void Bind(const std::vector<std::variant<std::string, int64_t>>& values) {
    sqlite3_reset(statement_);
    for (size_t i = 0; i < values.size(); ++i) {
      const int slot = static_cast<int>(i) + 1;
      if (const auto* text = std::get_if<std::string>(&values[i])) {
        Check(
            sqlite3_bind_text(statement_, slot, text->data(),
                              static_cast<int>(text->size()), SQLITE_TRANSIENT),
            db_, "bind");
      } else {
        Check(
            sqlite3_bind_int64(statement_, slot, std::get<int64_t>(values[i])),
            db_, "bind");
      }
    }
  }
  bool Step() {
    const int code = sqlite3_step(statement_);
    Check(code, db_, sqlite3_sql(statement_));
    return code == SQLITE_ROW;
  }
  int64_t Int(int column) { return sqlite3_column_int64(statement_, column); }
  absl::string_view Blob(int column) {
    const void* data = sqlite3_column_blob(statement_, column);
    return absl::string_view(static_cast<const char*>(data),
                             sqlite3_column_bytes(statement_, column));
  }
  std::string Text(int column) {
    const unsigned char* text = sqlite3_column_text(statement_, column);
    return text == nullptr ? "" : reinterpret_cast<const char*>(text);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
};

int64_t UnixNanos(absl::Time time) { return absl::ToUnixNanos(time); }

// Binds `text`, which must outlive the statement's next step.
void BindText(sqlite3_stmt* statement, int slot, absl::string_view text) {
  sqlite3_bind_text(statement, slot, text.data(), static_cast<int>(text.size()),
                    SQLITE_STATIC);
}

sqlite3* BuildSqlite(const Catalog& catalog, Facts* facts) {
  const auto start = std::chrono::steady_clock::now();
  const double start_cpu = CpuSeconds();
  const int64_t rss_before = ProcStatusBytes("VmRSS");
  sqlite3* db = nullptr;
  Check(sqlite3_open(":memory:", &db), db, "open");
  Exec(db,
       "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
       "PRAGMA temp_store = MEMORY;"
       "CREATE TABLE articles ("
       "  id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
       "  publish_time INTEGER NOT NULL, provider_domain TEXT NOT NULL,"
       "  quality INTEGER NOT NULL, heat INTEGER NOT NULL,"
       "  published INTEGER NOT NULL, title TEXT NOT NULL,"
       "  excerpt TEXT NOT NULL, basic BLOB NOT NULL);"
       "CREATE TABLE article_topics ("
       "  topic TEXT NOT NULL, publish_time INTEGER NOT NULL,"
       "  article_id INTEGER NOT NULL,"
       "  PRIMARY KEY (topic, publish_time, article_id)) WITHOUT ROWID;");
  Exec(db, "BEGIN");
  {
    Statement article(db,
                      "INSERT INTO articles VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                      "?7, ?8, ?9, ?10)");
    Statement topic(db,
                    "INSERT OR IGNORE INTO article_topics VALUES (?1, ?2, ?3)");
    for (ArticleIndex i = 0; i < catalog.size(); ++i) {
      const Article& a = catalog.article(i);
      const int64_t time = UnixNanos(catalog.publish_time(i));
      sqlite3_stmt* s = article.get();
      sqlite3_reset(s);
      sqlite3_bind_int64(s, 1, i);
      BindText(s, 2, a.name());
      sqlite3_bind_int64(s, 3, time);
      BindText(s, 4, catalog.domain_key(i));
      sqlite3_bind_int64(s, 5, a.quality());
      sqlite3_bind_int64(s, 6, a.heat());
      sqlite3_bind_int64(s, 7, a.published() ? 1 : 0);
      BindText(s, 8, a.title());
      BindText(s, 9, a.excerpt());
      const absl::string_view basic =
          catalog.ArticleBytes(i, newsmeta::v1::ARTICLE_VIEW_BASIC);
      sqlite3_bind_blob(s, 10, basic.data(), static_cast<int>(basic.size()),
                        SQLITE_STATIC);
      Check(sqlite3_step(s), db, "insert article");
      for (const std::string& name : a.topics()) {
        topic.Bind({NormalizeKey(name), time, static_cast<int64_t>(i)});
        topic.Step();
      }
    }
  }
  Exec(db, "COMMIT");
  facts->Number("sqlite_insert_seconds", SecondsSince(start));
  // What a reasonable schema adds: the time index for range queries, the
  // topics of an article (summaries), and full-text search (FTS5, with the
  // accent folding newsmeta's text search has).
  Exec(db,
       "CREATE UNIQUE INDEX articles_name ON articles (name);"
       "CREATE INDEX articles_time ON articles (publish_time, id);"
       "CREATE INDEX article_topics_article ON article_topics (article_id);");
  facts->Number("sqlite_index_seconds", SecondsSince(start));
  Exec(db,
       "CREATE VIRTUAL TABLE articles_fts USING fts5 ("
       "  title, excerpt, content = 'articles', content_rowid = 'id',"
       "  tokenize = 'unicode61 remove_diacritics 2');"
       "INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');"
       "ANALYZE;");
  facts->Number("sqlite_build_seconds", SecondsSince(start));
  facts->Number("sqlite_build_cpu_seconds", CpuSeconds() - start_cpu);
  facts->Integer("sqlite_memory_bytes", sqlite3_memory_used());
  facts->Integer("sqlite_rss_bytes", ProcStatusBytes("VmRSS") - rss_before);
  return db;
}

// ---------------------------------------------------------------------------
// The query shapes.

struct Shape {
  std::string key;    // short id: "topic_month"
  std::string title;  // what the report calls it
  // newsmeta: one of the two requests.
  bool summary = false;
  ListArticlesRequest list;
  SummarizeArticlesRequest summarize;
  // SQLite: the statements of the answer, run in order with their bindings;
  // for a list, statement 0 gives the page (blobs), statement 1 the count.
  std::vector<std::string> sql;
  std::vector<std::vector<std::variant<std::string, int64_t>>> bindings;
};

google::protobuf::Timestamp Day(int year, int month, int day) {
  return ToTimestamp(
      absl::FromCivil(absl::CivilDay(year, month, day), absl::UTCTimeZone()));
}
int64_t DayNanos(int year, int month, int day) {
  return UnixNanos(
      absl::FromCivil(absl::CivilDay(year, month, day), absl::UTCTimeZone()));
}

constexpr absl::string_view kFilter =
    "(quality >= 60 OR heat > 500) AND NOT published = true";
// Two common words of titles and excerpts.
constexpr absl::string_view kTextWords = "energy prices";

std::vector<Shape> MakeShapes(const Corpus& corpus) {
  const std::string top = corpus.topics.front().first;
  const std::string rare = corpus.topics.back().first;
  const std::string top_key = NormalizeKey(top);
  const std::string rare_key = NormalizeKey(rare);
  const int64_t month_start = DayNanos(2023, 7, 1);
  const int64_t month_end = DayNanos(2023, 8, 1);
  const int64_t year_start = DayNanos(2023, 1, 1);
  const int64_t year_end = DayNanos(2024, 1, 1);
  std::vector<Shape> shapes;

  // Topic pages: the (topic, publish_time, article_id) key serves both the
  // order and the count.
  const std::string topic_page =
      "SELECT a.basic FROM article_topics t JOIN articles a ON a.id = "
      "t.article_id WHERE t.topic = ?1 AND t.publish_time >= ?2 AND "
      "t.publish_time < ?3 ORDER BY t.publish_time DESC, t.article_id DESC "
      "LIMIT 50";
  const std::string topic_count =
      "SELECT count(*) FROM article_topics WHERE topic = ?1 AND "
      "publish_time >= ?2 AND publish_time < ?3";
  {
    Shape s;
    s.key = "topic_month";
    s.title = absl::StrCat("topic + month, first page of 50 (\"", top,
                           "\", 2023-07)");
    s.list.add_topics(top);
    *s.list.mutable_start_time() = Day(2023, 7, 1);
    *s.list.mutable_end_time() = Day(2023, 8, 1);
    s.sql = {topic_page, topic_count};
    s.bindings = {{top_key, month_start, month_end},
                  {top_key, month_start, month_end}};
    shapes.push_back(std::move(s));
  }
  {
    Shape s;
    s.key = "year";
    s.title = "broad range: a year, no topic, first page of 50 (2023)";
    *s.list.mutable_start_time() = Day(2023, 1, 1);
    *s.list.mutable_end_time() = Day(2024, 1, 1);
    s.sql = {
        "SELECT basic FROM articles WHERE publish_time >= ?1 AND "
        "publish_time < ?2 ORDER BY publish_time DESC, id DESC LIMIT 50",
        "SELECT count(*) FROM articles WHERE publish_time >= ?1 AND "
        "publish_time < ?2"};
    s.bindings = {{year_start, year_end}, {year_start, year_end}};
    shapes.push_back(std::move(s));
  }
  {
    Shape s;
    s.key = "rare_topic";
    s.title = absl::StrCat("rare topic, first page of 50 (\"", rare, "\")");
    s.list.add_topics(rare);
    s.sql = {topic_page, topic_count};
    const int64_t all_start = std::numeric_limits<int64_t>::min();
    const int64_t all_end = std::numeric_limits<int64_t>::max();
    s.bindings = {{rare_key, all_start, all_end},
                  {rare_key, all_start, all_end}};
    shapes.push_back(std::move(s));
  }
  {
    Shape s;
    s.key = "text";
    s.title =
        absl::StrCat("text search, first page of 50 (\"", kTextWords, "\")");
    s.list.set_text(std::string(kTextWords));
    // FTS5 walks the matches in rowid order, which is newsmeta's order.
    std::string match = absl::StrJoin(absl::StrSplit(kTextWords, ' '), " AND ");
    s.sql = {
        "SELECT a.basic FROM articles_fts f JOIN articles a ON a.id = "
        "f.rowid WHERE articles_fts MATCH ?1 ORDER BY f.rowid DESC LIMIT 50",
        "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?1"};
    s.bindings = {{match}, {match}};
    shapes.push_back(std::move(s));
  }
  {
    Shape s;
    s.key = "filter";
    s.title = absl::StrCat("filter with OR/NOT + topic, first page of 50 (\"",
                           top, "\")");
    s.list.add_topics(top);
    s.list.set_filter(std::string(kFilter));
    const std::string where =
        "t.topic = ?1 AND (a.quality >= 60 OR a.heat > 500) AND NOT "
        "a.published = 1";
    s.sql = {absl::StrCat("SELECT a.basic FROM article_topics t JOIN articles "
                          "a ON a.id = t.article_id WHERE ",
                          where,
                          " ORDER BY t.publish_time DESC, t.article_id DESC "
                          "LIMIT 50"),
             absl::StrCat("SELECT count(*) FROM article_topics t JOIN "
                          "articles a ON a.id = t.article_id WHERE ",
                          where)};
    s.bindings = {{top_key}, {top_key}};
    shapes.push_back(std::move(s));
  }
  {
    Shape s;
    s.key = "summary";
    s.title = absl::StrCat(
        "summary: month histogram + total, top topics and providers (\"", top,
        "\")");
    s.summary = true;
    s.summarize.add_topics(top);
    s.summarize.set_histogram_interval(newsmeta::v1::HISTOGRAM_INTERVAL_MONTH);
    s.sql = {
        "SELECT count(*) FROM article_topics WHERE topic = ?1",
        "SELECT t2.topic, count(*) AS n FROM article_topics t1 JOIN "
        "article_topics t2 ON t2.article_id = t1.article_id WHERE t1.topic = "
        "?1 GROUP BY t2.topic ORDER BY n DESC, t2.topic LIMIT 10",
        "SELECT a.provider_domain, count(*) AS n FROM article_topics t JOIN "
        "articles a ON a.id = t.article_id WHERE t.topic = ?1 GROUP BY "
        "a.provider_domain ORDER BY n DESC, a.provider_domain LIMIT 10",
        "SELECT strftime('%Y-%m', publish_time / 1000000000, 'unixepoch') AS "
        "month, count(*) FROM article_topics WHERE topic = ?1 GROUP BY month "
        "ORDER BY month"};
    s.bindings = {{top_key}, {top_key}, {top_key}, {top_key}};
    shapes.push_back(std::move(s));
  }
  return shapes;
}

// An answer in comparable form: names of the page (or summary lines), total.
struct Answer {
  std::vector<std::string> lines;
  int64_t total = 0;
};

// The SQLite side of a shape. A list answer is assembled as the wire bytes
// of a ListArticlesResponse, as newsmeta's is.
class SqliteShape {
 public:
  SqliteShape(sqlite3* db, const Shape& shape) : shape_(shape) {
    for (const std::string& sql : shape.sql) {
      statements_.push_back(std::make_unique<Statement>(db, sql));
    }
  }

  // Runs the shape once; returns the bytes assembled.
  size_t Run(Answer* answer = nullptr) {
    out_.clear();
    for (size_t i = 0; i < statements_.size(); ++i) {
      Statement& s = *statements_[i];
      s.Bind(shape_.bindings[i]);
      while (s.Step()) {
        if (shape_.summary) {
          if (i == 0) {
            AppendTotal(s.Int(0), answer);
          } else {
            const std::string key = s.Text(0);
            const int64_t n = s.Int(1);
            absl::StrAppend(&out_, key, n);
            if (answer != nullptr) {
              answer->lines.push_back(absl::StrCat(i == 1   ? "topic "
                                                   : i == 2 ? "provider "
                                                            : "month ",
                                                   key, " ", n));
            }
          }
        } else if (i == 0) {
          const absl::string_view blob = s.Blob(0);
          out_.push_back(0x0A);  // field 1, length-delimited
          AppendVarint(blob.size());
          out_.append(blob.data(), blob.size());
          if (answer != nullptr) {
            Article article;
            article.ParseFromArray(blob.data(), static_cast<int>(blob.size()));
            answer->lines.push_back(article.name());
          }
        } else {
          AppendTotal(s.Int(0), answer);
        }
      }
    }
    return out_.size();
  }

 private:
  void AppendVarint(uint64_t value) {
    while (value >= 0x80) {
      out_.push_back(static_cast<char>(value | 0x80));
      value >>= 7;
    }
    out_.push_back(static_cast<char>(value));
  }
  void AppendTotal(int64_t total, Answer* answer) {
    out_.push_back(0x18);  // field 3, varint
    AppendVarint(static_cast<uint64_t>(total));
    if (answer != nullptr) answer->total = total;
  }

  const Shape& shape_;
  std::vector<std::unique_ptr<Statement>> statements_;
  std::string out_;
};

std::string MonthOf(const google::protobuf::Timestamp& start) {
  const absl::CivilSecond civil =
      absl::ToCivilSecond(ToAbslTime(start), absl::UTCTimeZone());
  return absl::StrFormat("%04d-%02d", civil.year(), civil.month());
}

Answer NewsmetaAnswer(const CatalogHolder& catalogs, const Shape& shape) {
  Answer answer;
  if (shape.summary) {
    SummarizeArticlesResponse response;
    const absl::Status status =
        NewsmetaSummarize(catalogs, shape.summarize, &response);
    if (!status.ok()) {
      std::fprintf(stderr, "%s: %s\n", shape.key.c_str(),
                   status.ToString().c_str());
      std::exit(1);
    }
    answer.total = response.total_size();
    for (const auto& count : response.topic_counts()) {
      answer.lines.push_back(absl::StrCat("topic ", NormalizeKey(count.topic()),
                                          " ", count.count()));
    }
    for (const auto& count : response.provider_counts()) {
      answer.lines.push_back(absl::StrCat(
          "provider ", NormalizeKey(count.domain()), " ", count.count()));
    }
    for (const auto& bucket : response.histogram()) {
      if (bucket.count() == 0) continue;  // SQLite has no empty groups
      answer.lines.push_back(absl::StrCat(
          "month ", MonthOf(bucket.start_time()), " ", bucket.count()));
    }
    return answer;
  }
  std::string bytes;
  const absl::Status status = NewsmetaList(catalogs, shape.list, &bytes);
  ListArticlesResponse response;
  if (!status.ok() || !response.ParseFromString(bytes)) {
    std::fprintf(stderr, "%s: %s\n", shape.key.c_str(),
                 status.ToString().c_str());
    std::exit(1);
  }
  answer.total = response.total_size();
  for (const Article& article : response.articles()) {
    answer.lines.push_back(article.name());
  }
  return answer;
}

// Topic and provider counts tie now and then; the order among equal counts
// is each engine's own, so summaries compare as sorted lines.
bool SameAnswer(Answer a, Answer b, bool summary) {
  if (summary) {
    std::sort(a.lines.begin(), a.lines.end());
    std::sort(b.lines.begin(), b.lines.end());
  }
  return a.total == b.total && a.lines == b.lines;
}

}  // namespace
}  // namespace newsmeta

int main(int argc, char** argv) {
  using namespace newsmeta;  // NOLINT: main only
  int count = 1000000;
  std::string facts_out;
  bool only_newsmeta = false;
  // Our flags out of argv; the rest is Google Benchmark's.
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--articles=")) {
      if (!absl::SimpleAtoi(arg, &count) || count < 1) {
        std::fprintf(stderr, "bad --articles\n");
        return 2;
      }
    } else if (absl::ConsumePrefix(&arg, "--facts_out=")) {
      facts_out = std::string(arg);
    } else if (arg == "--only_newsmeta") {
      only_newsmeta = true;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);

  Facts facts;
  std::fprintf(stderr, "query bench: generating and indexing %d articles\n",
               count);
  Corpus corpus = BuildCorpus(count, &facts);
  CatalogHolder catalogs(corpus.catalog);
  facts.Text("top_topic", corpus.topics.front().first);
  facts.Integer("top_topic_articles", corpus.topics.front().second);
  facts.Text("rare_topic", corpus.topics.back().first);
  facts.Integer("rare_topic_articles", corpus.topics.back().second);
  const std::vector<Shape> shapes = MakeShapes(corpus);

  sqlite3* db = nullptr;
  std::vector<std::unique_ptr<SqliteShape>> peers;
  if (!only_newsmeta) {
    std::fprintf(stderr, "query bench: loading SQLite\n");
    db = BuildSqlite(*corpus.catalog, &facts);
    for (const Shape& shape : shapes) {
      peers.push_back(std::make_unique<SqliteShape>(db, shape));
    }
  }

  for (size_t i = 0; i < shapes.size(); ++i) {
    const Shape& shape = shapes[i];
    const Answer ours = NewsmetaAnswer(catalogs, shape);
    facts.Text(absl::StrCat(shape.key, ".title"), shape.title);
    facts.Integer(absl::StrCat(shape.key, ".total"), ours.total);
    // Calls that take seconds (SQLite's summary) are timed once: repeating
    // them would add minutes and no precision.
    double peer_seconds = 0;
    if (!only_newsmeta) {
      Answer theirs;
      const auto peer_start = std::chrono::steady_clock::now();
      peers[i]->Run(&theirs);
      peer_seconds = SecondsSince(peer_start);
      const bool same = SameAnswer(ours, theirs, shape.summary);
      facts.Bool(absl::StrCat(shape.key, ".same_answer"), same);
      if (!same) {
        std::fprintf(stderr,
                     "query bench: %s: answers differ (newsmeta total %lld, "
                     "SQLite total %lld)\n",
                     shape.key.c_str(), static_cast<long long>(ours.total),
                     static_cast<long long>(theirs.total));
      }
    }

    benchmark::RegisterBenchmark(
        absl::StrCat("newsmeta/", shape.key).c_str(),
        [&catalogs, &shape](benchmark::State& state) {
          std::string bytes;
          SummarizeArticlesResponse summary;
          for (auto _ : state) {
            absl::Status status;
            if (shape.summary) {
              summary.Clear();
              status = NewsmetaSummarize(catalogs, shape.summarize, &summary);
            } else {
              status = NewsmetaList(catalogs, shape.list, &bytes);
            }
            if (!status.ok()) state.SkipWithError(status.ToString().c_str());
            benchmark::DoNotOptimize(bytes.data());
            benchmark::DoNotOptimize(&summary);
          }
        })
        ->Unit(benchmark::kMicrosecond);
    if (!only_newsmeta) {
      SqliteShape* peer = peers[i].get();
      benchmark::internal::Benchmark* bench =
          benchmark::RegisterBenchmark(
              absl::StrCat("sqlite/", shape.key).c_str(),
              [peer](benchmark::State& state) {
                for (auto _ : state) {
                  benchmark::DoNotOptimize(peer->Run());
                }
              })
              ->Unit(benchmark::kMicrosecond);
      if (peer_seconds > 1) bench->Iterations(1)->Repetitions(1);
    }
  }

  if (!facts_out.empty()) {
    // Written before the timings too, so a crash still leaves them.
    std::ofstream(facts_out) << facts.Json();
  }
  std::fprintf(stderr, "query bench: timing\n");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  facts.Integer("peak_rss_bytes", ProcStatusBytes("VmHWM"));
  if (!facts_out.empty()) std::ofstream(facts_out) << facts.Json();
  peers.clear();
  if (db != nullptr) sqlite3_close(db);
  return 0;
}
