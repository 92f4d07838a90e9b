#include "util/file_bytes.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace newsmeta {
namespace {

// Some pages of bytes that differ from page to page.
std::string Content(size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i)
    bytes[i] = static_cast<char>(i * 7 + i / 4096);
  return bytes;
}

class FileBytesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (folder_.path() / "file.bin").string();
    content_ = Content(5 * 4096 + 123);
    WriteBytes(path_, content_);
  }

  TempFolder folder_;
  std::string path_;
  std::string content_;
};

TEST_F(FileBytesTest, MapsAFileItOwns) {
  absl::StatusOr<std::shared_ptr<const FileBytes>> file =
      FileBytes::Read(path_);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE((*file)->mapped());
  EXPECT_EQ((*file)->view(), content_);
}

// The resident KiB of this process's mapping that holds `address`
// (/proc/self/smaps), or -1.
long MappingRssKib(const void* address) {
  std::ifstream smaps("/proc/self/smaps");
  const uintptr_t at = reinterpret_cast<uintptr_t>(address);
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    unsigned long begin = 0, end = 0;
    // A mapping's first line ("7f...-7f... r--p ..."), then its fields.
    if (std::sscanf(line.c_str(), "%lx-%lx ", &begin, &end) == 2) {
      inside = begin <= at && at < end;
      continue;
    }
    long kib = 0;
    if (inside && std::sscanf(line.c_str(), "Rss: %ld kB", &kib) == 1) {
      return kib;
    }
  }
  return -1;
}

TEST_F(FileBytesTest, ReleasedPagesLeaveTheRestAsTheFile) {
  absl::StatusOr<std::shared_ptr<const FileBytes>> file =
      FileBytes::Read(path_);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->mapped());
  const absl::string_view view = (*file)->view();
  ASSERT_EQ(view, content_);  // every page read, so resident
  const long page_kib = ::sysconf(_SC_PAGESIZE) / 1024;
  ASSERT_EQ(page_kib, 4);
  const long before = MappingRssKib(view.data());
  ASSERT_EQ(before, 6 * page_kib);
  // Bytes 100 to the end of page 2: pages 1 and 2 are whole inside, page
  // 0 is shared with bytes outside and stays.
  (*file)->ReleasePages(view.substr(100, 3 * 4096 - 100));
  EXPECT_EQ(MappingRssKib(view.data()), before - 2 * page_kib);
  EXPECT_EQ(view.substr(0, 4096), content_.substr(0, 4096));
  EXPECT_EQ(view.substr(3 * 4096), content_.substr(3 * 4096));
  // Nothing outside the view, nothing less than a page.
  const std::string elsewhere(3 * 4096, 'x');
  (*file)->ReleasePages(elsewhere);
  (*file)->ReleasePages(view.substr(3 * 4096 + 1, 4000));
  EXPECT_EQ(MappingRssKib(view.data()), before - 2 * page_kib);
}

TEST_F(FileBytesTest, BytesStayWhenTheFileIsRewrittenInPlace) {
  absl::StatusOr<std::shared_ptr<const FileBytes>> file =
      FileBytes::Read(path_);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->mapped());
  // A reader goes over the bytes all along: they never change or fault.
  std::atomic<bool> stop{false};
  std::atomic<int> changed{0};
  std::thread reader([&] {
    const absl::string_view view = (*file)->view();
    while (!stop) {
      if (view != content_) ++changed;
    }
  });
  const std::string other = "other bytes";
  const char* path = path_.c_str();
  EXPECT_TRUE(InChildProcess([&] {
    const int fd = ::open(path, O_WRONLY | O_TRUNC);
    if (fd < 0) ::_exit(1);
    if (::write(fd, other.data(), other.size()) < 0) ::_exit(1);
    ::close(fd);
  }));
  stop = true;
  reader.join();
  EXPECT_EQ(changed, 0);
  EXPECT_EQ((*file)->view(), content_);
  EXPECT_FALSE((*file)->mapped());
  EXPECT_EQ(ReadBytes(path_), other);
}

TEST_F(FileBytesTest, BytesStayWhenTheFileIsTruncated) {
  absl::StatusOr<std::shared_ptr<const FileBytes>> file =
      FileBytes::Read(path_);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->mapped());
  const char* path = path_.c_str();
  EXPECT_TRUE(InChildProcess([&] {
    if (::truncate(path, 0) != 0) ::_exit(1);
  }));
  // Without the copy, reading the mapping past the new end would fault.
  EXPECT_EQ((*file)->view(), content_);
  EXPECT_FALSE((*file)->mapped());
}

TEST_F(FileBytesTest, OnlyTheChangedFileIsCopied) {
  const std::string second_path = (folder_.path() / "second.bin").string();
  WriteBytes(second_path, "second");
  absl::StatusOr<std::shared_ptr<const FileBytes>> first =
      FileBytes::Read(path_);
  absl::StatusOr<std::shared_ptr<const FileBytes>> second =
      FileBytes::Read(second_path);
  ASSERT_TRUE(first.ok() && second.ok());
  const char* path = second_path.c_str();
  EXPECT_TRUE(InChildProcess([&] {
    if (::truncate(path, 0) != 0) ::_exit(1);
  }));
  EXPECT_TRUE((*first)->mapped());
  EXPECT_FALSE((*second)->mapped());
  EXPECT_EQ((*first)->view(), content_);
  EXPECT_EQ((*second)->view(), "second");
}

TEST_F(FileBytesTest, TwoFilesTruncatedAtOnceAreBothCopied) {
  // Two breaks at the same moment may reach the guard as one signal.
  const std::string second_path = (folder_.path() / "second.bin").string();
  WriteBytes(second_path, "second");
  absl::StatusOr<std::shared_ptr<const FileBytes>> first =
      FileBytes::Read(path_);
  absl::StatusOr<std::shared_ptr<const FileBytes>> second =
      FileBytes::Read(second_path);
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_TRUE((*first)->mapped() && (*second)->mapped());
  const char* paths[] = {path_.c_str(), second_path.c_str()};
  EXPECT_TRUE(InChildProcess([&] {
    const pid_t other = ::fork();
    const bool truncated = ::truncate(paths[other == 0 ? 0 : 1], 0) == 0;
    if (other == 0) ::_exit(truncated ? 0 : 1);
    int status = 0;
    if (other < 0 || ::waitpid(other, &status, 0) != other) ::_exit(1);
    ::_exit(truncated && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1);
  }));
  EXPECT_FALSE((*first)->mapped());
  EXPECT_FALSE((*second)->mapped());
  EXPECT_EQ((*first)->view(), content_);
  EXPECT_EQ((*second)->view(), "second");
}

TEST_F(FileBytesTest, InstallsNoSignalHandler) {
  // Breaks go to the guard's thread, which waits for them: the process's
  // SIGIO stays as it was.
  absl::StatusOr<std::shared_ptr<const FileBytes>> file =
      FileBytes::Read(path_);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->mapped());
  struct sigaction action;
  ASSERT_EQ(::sigaction(SIGIO, nullptr, &action), 0);
  EXPECT_EQ(action.sa_handler, SIG_DFL);
  EXPECT_EQ(action.sa_flags & SA_SIGINFO, 0);
}

TEST_F(FileBytesTest, RenamingAnotherFileOverItNeedsNoCopy) {
  absl::StatusOr<std::shared_ptr<const FileBytes>> file =
      FileBytes::Read(path_);
  ASSERT_TRUE(file.ok()) << file.status();
  const std::string next = path_ + ".next";
  WriteBytes(next, "next");
  std::filesystem::rename(next, path_);
  EXPECT_TRUE((*file)->mapped());
  EXPECT_EQ((*file)->view(), content_);
}

TEST_F(FileBytesTest, FileOpenForWritingElsewhereIsReadInstead) {
  // No lease while a writer has it open: the bytes are read, and stay.
  const int writer = ::open(path_.c_str(), O_WRONLY);
  ASSERT_GE(writer, 0);
  absl::StatusOr<std::shared_ptr<const FileBytes>> file =
      FileBytes::Read(path_);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_FALSE((*file)->mapped());
  ASSERT_EQ(::ftruncate(writer, 0), 0);
  ::close(writer);
  EXPECT_EQ((*file)->view(), content_);
}

TEST_F(FileBytesTest, EmptyFileGivesNoBytes) {
  WriteBytes(path_, "");
  absl::StatusOr<std::shared_ptr<const FileBytes>> file =
      FileBytes::Read(path_);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ((*file)->view(), "");
}

TEST_F(FileBytesTest, MissingFileIsNotFound) {
  absl::StatusOr<std::shared_ptr<const FileBytes>> file =
      FileBytes::Read(path_ + ".missing");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(file.status().message(), "cannot open: No such file or directory");
}

TEST_F(FileBytesTest, FolderCannotBeRead) {
  absl::StatusOr<std::shared_ptr<const FileBytes>> file =
      FileBytes::Read(folder_.path().string());
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(file.status().message(), "cannot read: Is a directory");
}

TEST_F(FileBytesTest, PipeIsReadToItsEnd) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::thread writer([&] {
    size_t written = 0;
    while (written < content_.size()) {
      const ssize_t got =
          ::write(fds[1], content_.data() + written, content_.size() - written);
      if (got <= 0) break;
      written += static_cast<size_t>(got);
    }
    ::close(fds[1]);
  });
  absl::StatusOr<std::shared_ptr<const FileBytes>> file =
      FileBytes::Read(absl::StrCat("/proc/self/fd/", fds[0]));
  writer.join();
  ::close(fds[0]);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_FALSE((*file)->mapped());
  EXPECT_EQ((*file)->view(), content_);
}

}  // namespace
}  // namespace newsmeta
