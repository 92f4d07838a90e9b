#include "loader/seed_loader.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"

namespace newsmeta {
namespace {

namespace fs = std::filesystem;

struct SeedFile {
  fs::path path;
  std::string relative;  // with '/' separators
};

struct Walk {
  std::vector<SeedFile> files;
  std::vector<absl::Status> rejections;
  std::set<std::pair<dev_t, ino_t>> visited_folders;
};

absl::Status Rejection(absl::string_view relative, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(relative, ": ", why));
}

void WalkFolder(const fs::path& folder, const std::string& relative,
                Walk* walk) {
  struct stat info;
  if (::stat(folder.c_str(), &info) != 0 ||
      !walk->visited_folders.emplace(info.st_dev, info.st_ino).second) {
    return;  // already visited through another link
  }
  std::error_code error;
  std::vector<fs::directory_entry> entries;
  for (fs::directory_iterator it(folder, error), end; !error && it != end;
       it.increment(error)) {
    entries.push_back(*it);
  }
  if (error) {
    walk->rejections.push_back(
        Rejection(relative.empty() ? "." : relative,
                  absl::StrCat("cannot read the folder: ", error.message())));
    return;
  }
  std::sort(entries.begin(), entries.end());
  for (const fs::directory_entry& entry : entries) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    const std::string child =
        relative.empty() ? name : absl::StrCat(relative, "/", name);
    const fs::file_status status = fs::status(entry.path(), error);
    if (error) {
      walk->rejections.push_back(
          Rejection(child, absl::StrCat("cannot read: ", error.message())));
      error.clear();
    } else if (fs::is_directory(status)) {
      WalkFolder(entry.path(), child, walk);
    } else if (fs::is_regular_file(status)) {
      walk->files.push_back({entry.path(), child});
    } else {
      walk->rejections.push_back(
          Rejection(child, "not a regular file or folder; skipped"));
    }
  }
}

absl::StatusOr<std::string> ReadFile(const SeedFile& file, int64_t max_bytes) {
  std::error_code error;
  const uintmax_t size = fs::file_size(file.path, error);
  if (error) {
    return Rejection(file.relative,
                     absl::StrCat("cannot read: ", error.message()));
  }
  if (size > static_cast<uintmax_t>(max_bytes)) {
    return Rejection(
        file.relative,
        absl::StrCat("is ", size, " bytes, more than the limit of ", max_bytes,
                     " bytes per seed"));
  }
  std::ifstream in(file.path, std::ios::binary);
  std::string content;
  content.resize(size);
  in.read(content.data(), static_cast<std::streamsize>(size));
  if (!in || in.peek() != std::ifstream::traits_type::eof()) {
    return Rejection(file.relative,
                     "could not be read whole (changed while loading?)");
  }
  return content;
}

absl::StatusOr<newsmeta::v1::Article> LoadFile(const SeedFile& file,
                                               const LoaderOptions& options) {
  absl::StatusOr<std::string> content = ReadFile(file, options.max_file_bytes);
  if (!content.ok()) return content.status();
  return ParseSeed(*content, file.relative, options.seed_limits);
}

}  // namespace

absl::StatusOr<LoadResult> LoadSeedFolder(const std::string& root,
                                          const LoaderOptions& options) {
  std::error_code error;
  if (!fs::is_directory(root, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat("seeds folder \"", root, "\" ",
                     error ? error.message() : "is not a folder"));
  }
  Walk walk;
  WalkFolder(root, "", &walk);

  std::vector<absl::StatusOr<newsmeta::v1::Article>> parsed(walk.files.size());
  std::atomic<size_t> next{0};
  const auto work = [&] {
    for (size_t i = next++; i < walk.files.size(); i = next++) {
      if (options.cancel != nullptr && options.cancel->load()) return;
      parsed[i] = LoadFile(walk.files[i], options);
    }
  };
  const int threads =
      std::max(1, options.threads > 0
                      ? options.threads
                      : static_cast<int>(std::thread::hardware_concurrency()));
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) workers.emplace_back(work);
  work();
  for (std::thread& worker : workers) worker.join();
  if (options.cancel != nullptr && options.cancel->load()) {
    return absl::CancelledError("loading the seeds was cancelled");
  }

  LoadResult result = {{}, std::move(walk.rejections)};
  result.articles.reserve(parsed.size());
  for (auto& article : parsed) {
    if (article.ok()) {
      result.articles.push_back(*std::move(article));
    } else {
      result.rejections.push_back(article.status());
    }
  }
  return result;
}

}  // namespace newsmeta
