#include "util/file_bytes.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace newsmeta {
namespace {

// The pipe's write end that the SIGIO handler writes to (-1: none).
std::atomic<int> lease_break_pipe{-1};

}  // namespace

// Hears of lease breaks (the kernel's SIGIO, naming the file descriptor) and
// detaches the file whose lease it is. One per process, never destroyed.
class FileBytesGuard {
 public:
  static FileBytesGuard& Get() {
    static FileBytesGuard* const guard = new FileBytesGuard();
    return *guard;
  }

  // False when it could not start: leases are then never taken.
  bool running() const { return lease_break_pipe.load() >= 0; }
  std::mutex& mutex() { return mutex_; }
  // With mutex() held.
  void Register(int fd, FileBytes* file) { files_[fd] = file; }
  void Unregister(int fd) { files_.erase(fd); }

 private:
  FileBytesGuard() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    lease_break_pipe.store(fds[1]);
    struct sigaction action;
    std::memset(&action, 0, sizeof(action));
    action.sa_sigaction = &FileBytesGuard::OnSignal;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGIO, &action, nullptr);
    std::thread([this, read_fd = fds[0]] { Run(read_fd); }).detach();
  }

  static void OnSignal(int, siginfo_t* info, void*) {
    const int saved_errno = errno;
    const int fd = info->si_fd;
    const int notify = lease_break_pipe.load();
    if (notify >= 0) (void)!::write(notify, &fd, sizeof(fd));
    errno = saved_errno;
  }

  void Run(int read_fd) {
    while (true) {
      int fd;
      const ssize_t got = ::read(read_fd, &fd, sizeof(fd));
      if (got < 0 && errno == EINTR) continue;
      if (got != sizeof(fd)) return;
      std::lock_guard<std::mutex> lock(mutex_);
      const auto it = files_.find(fd);
      if (it == files_.end()) continue;  // already destroyed, or detached
      it->second->Detach();
      files_.erase(it);
    }
  }

  std::mutex mutex_;
  absl::flat_hash_map<int, FileBytes*> files_;
};

namespace {

absl::Status Failure(absl::StatusCode code, absl::string_view what, int error) {
  return absl::Status(code, absl::StrCat(what, ": ", std::strerror(error)));
}

// Reads what is left of `fd` into `*out`, `*size` bytes long; `hint` is the
// expected size (0: unknown).
absl::Status ReadAll(int fd, size_t hint, std::unique_ptr<char[]>* out,
                     size_t* size) {
  // One more byte than expected, so that a file that has not grown is read
  // to its end without growing the buffer.
  size_t capacity = hint > 0 ? hint + 1 : 0;
  if (capacity > 0) out->reset(new char[capacity]);
  *size = 0;
  while (true) {
    if (*size == capacity) {
      capacity = std::max<size_t>(4096, 2 * capacity);
      std::unique_ptr<char[]> grown(new char[capacity]);
      if (*size > 0) std::memcpy(grown.get(), out->get(), *size);
      *out = std::move(grown);
    }
    const ssize_t got = ::read(fd, out->get() + *size, capacity - *size);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      return Failure(absl::StatusCode::kFailedPrecondition, "cannot read",
                     errno);
    }
    if (got == 0) return absl::OkStatus();
    *size += static_cast<size_t>(got);
  }
}

size_t PageRounded(size_t size) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return (size + page - 1) / page * page;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const FileBytes>> FileBytes::Read(
    const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    return Failure(error == ENOENT ? absl::StatusCode::kNotFound
                                   : absl::StatusCode::kFailedPrecondition,
                   "cannot open", error);
  }
  std::shared_ptr<FileBytes> file(new FileBytes());
  struct stat info;
  const bool regular = ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode);
  if (regular) {
    FileBytesGuard& guard = FileBytesGuard::Get();
    std::lock_guard<std::mutex> lock(guard.mutex());
    // The size is read again under the lease: no writer can change it now.
    if (guard.running() && ::fcntl(fd, F_SETSIG, SIGIO) == 0 &&
        ::fcntl(fd, F_SETLEASE, F_RDLCK) == 0) {
      if (::fstat(fd, &info) == 0 && info.st_size > 0) {
        const size_t size = static_cast<size_t>(info.st_size);
        void* mapped =
            ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (mapped != MAP_FAILED) {
          file->data_ = static_cast<char*>(mapped);
          file->size_ = size;
          file->mapped_length_ = PageRounded(size);
          file->lease_fd_ = fd;
          file->mapped_.store(true, std::memory_order_release);
          guard.Register(fd, file.get());
          return std::shared_ptr<const FileBytes>(std::move(file));
        }
      }
      ::fcntl(fd, F_SETLEASE, F_UNLCK);  // empty, or not mappable: read it
    }
  }
  const absl::Status read =
      ReadAll(fd, regular ? static_cast<size_t>(info.st_size) : 0, &file->read_,
              &file->size_);
  ::close(fd);
  if (!read.ok()) return read;
  file->data_ = file->read_.get();
  return std::shared_ptr<const FileBytes>(std::move(file));
}

bool FileBytes::Detach() {
  bool copied = false;
  void* copy = ::mmap(nullptr, mapped_length_, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (copy != MAP_FAILED) {
    std::memcpy(copy, data_, size_);
    ::mprotect(copy, mapped_length_, PROT_READ);
    // Replaces the file's pages at data_ with the copy in one step: a reader
    // sees the same bytes before and after.
    copied = ::mremap(copy, mapped_length_, mapped_length_,
                      MREMAP_MAYMOVE | MREMAP_FIXED, data_) != MAP_FAILED;
    if (!copied) ::munmap(copy, mapped_length_);
  }
  if (copied) mapped_.store(false, std::memory_order_release);
  // Without a copy the writer is let go all the same (the kernel would after
  // the lease-break time).
  ::fcntl(lease_fd_, F_SETLEASE, F_UNLCK);
  ::close(lease_fd_);
  lease_fd_ = -1;
  return copied;
}

FileBytes::~FileBytes() {
  if (mapped_length_ == 0) return;  // read: read_ frees the bytes
  FileBytesGuard& guard = FileBytesGuard::Get();
  std::lock_guard<std::mutex> lock(guard.mutex());
  if (lease_fd_ >= 0) {
    guard.Unregister(lease_fd_);
    ::fcntl(lease_fd_, F_SETLEASE, F_UNLCK);
    ::close(lease_fd_);
  }
  ::munmap(data_, mapped_length_);
}

}  // namespace newsmeta
