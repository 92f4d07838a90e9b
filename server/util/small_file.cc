#include "util/small_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace newsmeta {

absl::StatusOr<std::string> ReadSmallFile(const std::string& path,
                                          int64_t max_bytes) {
  const auto error = [&path](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", why));
  };
  // O_NONBLOCK: opening a FIFO must not wait for a writer; only regular
  // files are read.
  const int fd =
      open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return error(absl::StrCat("cannot open: ", strerror(errno)));
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    close(fd);
    return error("not a regular file");
  }
  if (info.st_size > max_bytes) {
    close(fd);
    return error(absl::StrCat("larger than ", max_bytes, " bytes"));
  }
  std::string content;
  char buffer[4096];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int read_errno = errno;
      close(fd);
      return error(absl::StrCat("cannot read: ", strerror(read_errno)));
    }
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
    if (static_cast<int64_t>(content.size()) > max_bytes) {
      close(fd);
      return error(absl::StrCat("larger than ", max_bytes, " bytes"));
    }
  }
  close(fd);
  return content;
}

}  // namespace newsmeta
