// Loads every seed document below a folder.
#ifndef NEWSMETA_SERVER_LOADER_SEED_LOADER_H_
#define NEWSMETA_SERVER_LOADER_SEED_LOADER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "loader/seed_parser.h"
#include "newsmeta/v1/article.pb.h"

namespace newsmeta {

struct LoaderOptions {
  // Files larger than this are rejected unread.
  int64_t max_file_bytes = 4 << 20;
  SeedLimits seed_limits;
  // Parser threads; 0 means one per core.
  int threads = 0;
  // When set and true, loading stops early with CANCELLED.
  const std::atomic<bool>* cancel = nullptr;
};

struct LoadResult {
  // Articles of the files that parsed, in the order of their paths.
  std::vector<newsmeta::v1::Article> articles;
  // One INVALID_ARGUMENT per file that was skipped; each message starts with
  // the file's path relative to the seeds folder.
  std::vector<absl::Status> rejections;
};

// Reads every regular file below `root`, recursively and following symbolic
// links (each folder is visited once, so link loops end). Names that start
// with "." are skipped, which also skips the `..data` folders of Kubernetes
// ConfigMap volumes (their files are reached through the links beside them).
// Fails only when `root` itself cannot be read or loading is cancelled; a bad
// file becomes a rejection and the other files still load.
absl::StatusOr<LoadResult> LoadSeedFolder(const std::string& root,
                                          const LoaderOptions& options = {});

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_LOADER_SEED_LOADER_H_
