// Small helpers shared by the unit tests.
#ifndef NEWSMETA_TESTS_UNIT_TEST_UTIL_H_
#define NEWSMETA_TESTS_UNIT_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "catalog/catalog.h"
#include "google/protobuf/timestamp.pb.h"

namespace newsmeta {

// "articles/" + `id` as 16 lowercase hex digits.
inline std::string Name(uint64_t id) {
  return absl::StrFormat("articles/%016x", id);
}

// `text`, an RFC 3339 time; fails the test when it does not parse.
inline absl::Time Rfc3339(const std::string& text) {
  absl::Time time;
  std::string error;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, text, &time, &error))
      << text << ": " << error;
  return time;
}

// The bytes of the file at `path`; "" when it cannot be read.
inline std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Makes the file at `path` hold `bytes`; fails the test when it cannot.
inline void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  ASSERT_TRUE(out.good()) << path;
}

// Runs `change` in a forked child process and waits for it; false when the
// child fails (`change` calls _exit(1)) or has not ended within 20 s (it is
// then killed). `change` may only make system calls: the parent has threads.
template <typename Change>
inline bool InChildProcess(Change change) {
  const pid_t child = ::fork();
  if (child == 0) {
    change();
    ::_exit(0);
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  int status = 0;
  while (::waitpid(child, &status, WNOHANG) == 0) {
    if (absl::Now() > deadline) {
      ::kill(child, SIGKILL);
      ::waitpid(child, &status, 0);
      return false;
    }
    absl::SleepFor(absl::Milliseconds(2));
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// A folder of its own below ::testing::TempDir(), removed at the end of the
// test.
class TempFolder {
 public:
  TempFolder() {
    static std::atomic<int> counter{0};
    const ::testing::TestInfo* test =
        ::testing::UnitTest::GetInstance()->current_test_info();
    path_ =
        std::filesystem::path(::testing::TempDir()) /
        absl::StrCat("newsmeta_", test->name(), "_", getpid(), "_", counter++);
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string root() const { return path_.string(); }

  // Writes `content` to `relative`, creating its folders.
  void Write(const std::string& relative, const std::string& content) const {
    const std::filesystem::path file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out << content;
    ASSERT_TRUE(out.good()) << file;
  }

  // Creates the symbolic link `relative` pointing at `target` (as given,
  // so relative targets resolve from the link's folder).
  void Link(const std::string& relative,
            const std::filesystem::path& target) const {
    const std::filesystem::path link = path_ / relative;
    std::filesystem::create_directories(link.parent_path());
    std::filesystem::create_symlink(target, link);
  }

 private:
  std::filesystem::path path_;
};

inline void SetTime(absl::Time time, google::protobuf::Timestamp* timestamp) {
  *timestamp = ToTimestamp(time);
}

}  // namespace newsmeta

#endif  // NEWSMETA_TESTS_UNIT_TEST_UTIL_H_
