// newsmeta-load-bench: times loading a seeds folder, one measurement per
// process so that each has its own peak RSS. Prints one JSON object.
//
//   --mode=cold --seeds=DIR [--snapshot_out=FILE] [--change_one]
//       LoadSeedFolder (all cores, filling the incremental cache as the
//       server does) + Catalog::Build: the server's start, ready to serve.
//       Then, untimed, writes the snapshot; with --change_one, changes one
//       file and times the incremental reload (then puts the file back).
//   --mode=bare --seeds=DIR [--every=N]
//       yaml-cpp's own rate: YAML::Load of each file's front matter (read and
//       split beforehand, untimed) on one core; every Nth file. Then the
//       same through the loader's YamlTree::Parse (the block scanner, with
//       yaml-cpp for the rest), and how many documents the scanner read.
//   --mode=snapshot --snapshot_in=FILE
//       LoadSnapshotCatalog: read, check, Catalog::FromCatalogBytes.
//   --mode=memory --seeds=DIR
//       The server's cold load (LoadSeedFolder with its SeedCache,
//       Catalog::Build, SeedCache::Attach, on a thread of its own as the
//       reloader's), then where the resident memory is: VmRSS, malloc's
//       in-use and free bytes (mallinfo2), the catalog's and the cache's
//       parts (memory_usage()); then VmRSS again after malloc_trim(0).
#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "catalog/catalog.h"
#include "catalog/segmented_catalog.h"
#include "loader/block_yaml_scanner.h"
#include "loader/front_matter.h"
#include "loader/seed_loader.h"
#include "loader/snapshot.h"
#include "loader/yaml_tree.h"
#include "reload/incremental_catalog.h"
#include "yaml-cpp/yaml.h"

ABSL_FLAG(std::string, mode, "cold", "cold, bare, snapshot or memory");
ABSL_FLAG(std::string, seeds, "", "Seeds folder (cold, bare).");
ABSL_FLAG(std::string, snapshot_out, "",
          "cold: write the catalog's snapshot here afterwards (untimed).");
ABSL_FLAG(std::string, snapshot_in, "", "snapshot: the file to start from.");
ABSL_FLAG(bool, change_one, false,
          "cold: afterwards, change one seed file and time the incremental "
          "reload.");
ABSL_FLAG(int, every, 1, "bare: parse every Nth file only.");

namespace newsmeta {
namespace {

namespace fs = std::filesystem;

// Counts nothing: for asking ScanBlockYaml whether it reads a document.
class IgnoreEvents : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// CPU time of this process (all threads) so far, user + system.
double CpuSeconds() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// A field of /proc/self/status given in kB ("VmHWM", "VmRSS"), in KiB.
int64_t StatusKib(absl::string_view field) {
  const std::string prefix = absl::StrCat(field, ":");
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, prefix)) {
      int64_t kib = 0;
      absl::SimpleAtoi(absl::StripAsciiWhitespace(
                           absl::StripSuffix(line.substr(prefix.size()), "kB")),
                       &kib);
      return kib;
    }
  }
  return -1;
}

// Peak resident set size of this process so far (VmHWM), in KiB.
int64_t PeakRssKib() { return StatusKib("VmHWM"); }

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Regular files below `root`, in path order, and their total size.
std::vector<fs::path> SeedFiles(const std::string& root, int64_t* bytes) {
  std::vector<fs::path> files;
  *bytes = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    files.push_back(entry.path());
    *bytes += static_cast<int64_t>(entry.file_size());
  }
  std::sort(files.begin(), files.end());
  return files;
}

int Cold() {
  const std::string seeds = absl::GetFlag(FLAGS_seeds);
  int64_t bytes = 0;
  std::vector<fs::path> files = SeedFiles(seeds, &bytes);

  SeedCache cache;
  LoaderOptions options;
  options.cache = &cache;
  const double cpu_start = CpuSeconds();
  const absl::Time start = absl::Now();
  absl::StatusOr<LoadResult> loaded = LoadSeedFolder(seeds, options);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.status().ToString().c_str());
    return 1;
  }
  const size_t rejected = loaded->rejections.size();
  const absl::Time parsed_all = absl::Now();
  Catalog::BuildResult built = Catalog::Build(std::move(loaded->articles));
  const absl::Duration took = absl::Now() - start;
  const absl::Duration build_took = absl::Now() - parsed_all;
  const double cpu = CpuSeconds() - cpu_start;
  const int64_t peak_kib = PeakRssKib();
  cache.Attach(built.catalog);
  const Catalog& catalog = *built.catalog;

  std::string out = absl::StrFormat(
      "{\"mode\": \"cold\", \"files\": %d, \"docs\": %d, \"rejected\": %d, "
      "\"bytes\": %d, \"seconds\": %.4f, \"cpu_seconds\": %.4f, "
      "\"peak_rss_kib\": %d, \"version\": \"%s\", "
      "\"build_seconds\": %.4f",
      files.size(), catalog.size(), rejected + built.rejections.size(), bytes,
      absl::ToDoubleSeconds(took), cpu, peak_kib, catalog.version(),
      absl::ToDoubleSeconds(build_took));

  const std::string snapshot = absl::GetFlag(FLAGS_snapshot_out);
  if (!snapshot.empty()) {
    absl::StatusOr<SnapshotInfo> written = WriteSnapshot(
        SegmentedCatalog(catalog), snapshot, "bench",
        SegmentArticles(IncrementalCatalogOptions(), catalog.size()));
    if (!written.ok()) {
      std::fprintf(stderr, "%s\n", written.status().ToString().c_str());
      return 1;
    }
    absl::StrAppendFormat(&out, ", \"snapshot_bytes\": %d", written->bytes);
  }

  if (absl::GetFlag(FLAGS_change_one) && !files.empty()) {
    const std::string version = catalog.version();
    built = {};  // as the server: the previous catalog stays in the cache
    // One file in the middle gets a different title (and size).
    const fs::path changed = files[files.size() / 2];
    const std::string original = ReadAll(changed);
    std::string edited = original;
    const size_t title = edited.find("\ntitle: ");
    if (title == std::string::npos) {
      std::fprintf(stderr, "%s has no title line\n", changed.c_str());
      return 1;
    }
    // Inside the quotes when the title is quoted, so it stays valid.
    const size_t at = title + 8 + (edited[title + 8] == '"' ? 1 : 0);
    edited.insert(at, "Changed ");
    std::ofstream(changed, std::ios::binary | std::ios::trunc) << edited;

    const absl::Time reload_start = absl::Now();
    absl::StatusOr<LoadResult> reloaded = LoadSeedFolder(seeds, options);
    if (!reloaded.ok()) {
      std::fprintf(stderr, "%s\n", reloaded.status().ToString().c_str());
      return 1;
    }
    const int64_t parsed = reloaded->files_parsed;
    const int64_t reused = reloaded->files_reused;
    const int64_t read = reloaded->files_read;
    const size_t rejected_again = reloaded->rejections.size();
    const absl::Time reload_loaded = absl::Now();
    Catalog::BuildResult rebuilt =
        Catalog::Build(std::move(reloaded->articles));
    cache.Attach(rebuilt.catalog);
    const absl::Duration reload_took = absl::Now() - reload_start;
    std::ofstream(changed, std::ios::binary | std::ios::trunc) << original;
    absl::StrAppendFormat(
        &out,
        ", \"reload_seconds\": %.4f, \"reload_load_seconds\": %.4f, "
        "\"reload_files_read\": %d, "
        "\"reload_files_parsed\": %d, \"reload_files_reused\": %d, "
        "\"reload_docs\": %d, \"reload_rejected\": %d, "
        "\"reload_version_changed\": %s",
        absl::ToDoubleSeconds(reload_took),
        absl::ToDoubleSeconds(reload_loaded - reload_start), read, parsed,
        reused, rebuilt.catalog->size(), rejected_again,
        rebuilt.catalog->version() != version ? "true" : "false");
  }
  std::printf("%s}\n", out.c_str());
  return 0;
}

int Bare() {
  const std::string seeds = absl::GetFlag(FLAGS_seeds);
  const int every = std::max(1, absl::GetFlag(FLAGS_every));
  int64_t all_bytes = 0;
  const std::vector<fs::path> files = SeedFiles(seeds, &all_bytes);
  std::vector<std::string> yaml;
  int64_t file_bytes = 0, yaml_bytes = 0;
  for (size_t i = 0; i < files.size(); i += every) {
    const std::string content = ReadAll(files[i]);
    absl::StatusOr<FrontMatter> split = SplitFrontMatter(content);
    if (!split.ok()) continue;
    file_bytes += static_cast<int64_t>(content.size());
    yaml_bytes += static_cast<int64_t>(split->yaml.size());
    yaml.push_back(std::move(split->yaml));
  }
  size_t nodes = 0;
  const double cpu_start = CpuSeconds();
  const absl::Time start = absl::Now();
  for (const std::string& text : yaml) {
    const YAML::Node root = YAML::Load(text);
    nodes += root.size();
  }
  const absl::Duration took = absl::Now() - start;
  const double cpu = CpuSeconds() - cpu_start;

  // The same documents through the loader's own YamlTree::Parse (the block
  // scanner, yaml-cpp for what it gives up on), and how many it read itself.
  size_t tree_nodes = 0;
  const double tree_cpu_start = CpuSeconds();
  const absl::Time tree_start = absl::Now();
  {
    YamlTree tree;
    for (const std::string& text : yaml) {
      tree.Parse(text);
      tree_nodes += tree.root().size();
    }
  }
  const absl::Duration tree_took = absl::Now() - tree_start;
  const double tree_cpu = CpuSeconds() - tree_cpu_start;
  size_t scanned = 0;
  IgnoreEvents ignore;
  for (const std::string& text : yaml) {
    if (ScanBlockYaml(text, &ignore)) ++scanned;
  }
  if (tree_nodes != nodes) {
    std::fprintf(stderr,
                 "bare: YamlTree saw %zu top-level fields, yaml-cpp %zu\n",
                 tree_nodes, nodes);
    return 1;
  }
  std::printf(
      "{\"mode\": \"bare\", \"docs\": %zu, \"file_bytes\": %lld, "
      "\"yaml_bytes\": %lld, \"seconds\": %.4f, \"cpu_seconds\": %.4f, "
      "\"fields\": %zu, \"tree_seconds\": %.4f, \"tree_cpu_seconds\": %.4f, "
      "\"scanned_docs\": %zu}\n",
      yaml.size(), static_cast<long long>(file_bytes),
      static_cast<long long>(yaml_bytes), absl::ToDoubleSeconds(took), cpu,
      nodes, absl::ToDoubleSeconds(tree_took), tree_cpu, scanned);
  return 0;
}

int RestartFromSnapshot() {
  const std::string path = absl::GetFlag(FLAGS_snapshot_in);
  // What the server does at start with --snapshot: read, check, index (the
  // checksum hashed meanwhile), compare the catalog version with the file's.
  const double cpu_start = CpuSeconds();
  const absl::Time start = absl::Now();
  SnapshotInfo info;
  absl::StatusOr<std::shared_ptr<const SegmentedCatalog>> catalog =
      LoadSnapshotCatalog(path, &info);
  const absl::Time end = absl::Now();
  const double cpu = CpuSeconds() - cpu_start;
  if (!catalog.ok()) {
    std::fprintf(stderr, "%s\n", catalog.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "{\"mode\": \"snapshot\", \"docs\": %zu, \"bytes\": %lld, "
      "\"seconds\": %.4f, \"cpu_seconds\": %.4f, \"peak_rss_kib\": %lld, "
      "\"version\": \"%s\"}\n",
      (*catalog)->size(), static_cast<long long>(info.bytes),
      absl::ToDoubleSeconds(end - start), cpu,
      static_cast<long long>(PeakRssKib()), (*catalog)->version().c_str());
  return 0;
}

int Memory() {
  const std::string seeds = absl::GetFlag(FLAGS_seeds);
  SeedCache cache;
  std::shared_ptr<const Catalog> catalog;
  size_t rejected = 0;
  absl::Status status;
  const absl::Time start = absl::Now();
  // On a thread of its own, as CatalogReloader loads: its allocations go to
  // the arenas the server's would.
  std::thread loader([&] {
    LoaderOptions options;
    options.cache = &cache;
    absl::StatusOr<LoadResult> loaded = LoadSeedFolder(seeds, options);
    if (!loaded.ok()) {
      status = loaded.status();
      return;
    }
    rejected = loaded->rejections.size();
    Catalog::BuildResult built = Catalog::Build(std::move(loaded->articles));
    cache.Attach(built.catalog);
    rejected += built.rejections.size();
    catalog = std::move(built.catalog);
  });
  loader.join();
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    return 1;
  }
  const absl::Duration took = absl::Now() - start;
  const int64_t rss_kib = StatusKib("VmRSS");
  const int64_t peak_kib = PeakRssKib();
  const struct mallinfo2 heap = mallinfo2();
  const Catalog::MemoryUsage parts = catalog->memory_usage();
  const SeedCache::MemoryUsage cached = cache.memory_usage();
  malloc_trim(0);
  const int64_t trimmed_kib = StatusKib("VmRSS");
  const struct mallinfo2 trimmed_heap = mallinfo2();

  std::string out = absl::StrFormat(
      "{\"mode\": \"memory\", \"docs\": %d, \"rejected\": %d, "
      "\"seconds\": %.4f, \"rss_bytes\": %d, \"peak_rss_bytes\": %d, "
      "\"malloc_arena_bytes\": %d, \"malloc_mmapped_bytes\": %d, "
      "\"malloc_in_use_bytes\": %d, \"malloc_free_bytes\": %d, "
      "\"malloc_top_releasable_bytes\": %d",
      catalog->size(), rejected, absl::ToDoubleSeconds(took), rss_kib * 1024,
      peak_kib * 1024, heap.arena, heap.hblkhd, heap.uordblks + heap.hblkhd,
      heap.fordblks, heap.keepcost);
  const std::pair<const char*, size_t> catalog_parts[] = {
      {"article_bytes", parts.article_bytes},
      {"article_views", parts.article_views},
      {"fields", parts.fields},
      {"topic_views", parts.topic_views},
      {"times", parts.times},
      {"by_name", parts.by_name},
      {"topics", parts.topics},
      {"domains", parts.domains},
      {"text_index", parts.text_index},
      {"catalog_total", parts.Total()},
      {"cache_entries", cached.entries},
      {"cache_names", cached.names},
      {"cache_listing", cached.listing},
      {"cache_folders", cached.folders},
      {"cache_total", cached.Total()},
  };
  for (const auto& [name, bytes] : catalog_parts) {
    absl::StrAppendFormat(&out, ", \"%s\": %d", name, bytes);
  }
  absl::StrAppendFormat(
      &out,
      ", \"rss_after_trim_bytes\": %d, \"malloc_free_after_trim_bytes\": %d}",
      trimmed_kib * 1024, trimmed_heap.fordblks);
  std::printf("%s\n", out.c_str());
  return 0;
}

}  // namespace
}  // namespace newsmeta

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode == "cold") return newsmeta::Cold();
  if (mode == "bare") return newsmeta::Bare();
  if (mode == "snapshot") return newsmeta::RestartFromSnapshot();
  if (mode == "memory") return newsmeta::Memory();
  std::fprintf(stderr, "unknown --mode %s\n", mode.c_str());
  return 2;
}
