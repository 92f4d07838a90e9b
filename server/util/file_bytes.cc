#include "util/file_bytes.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <future>
#include <mutex>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace newsmeta {

// Hears of lease breaks and detaches the files whose leases they are. One per
// process, never destroyed. Its thread alone is told of breaks: each leased
// descriptor's owner is that thread (F_SETOWN_EX, F_OWNER_TID), which keeps
// SIGIO blocked and waits for it with sigwaitinfo, so no handler is installed
// and no other thread is interrupted. Two breaks at once may arrive as one
// signal (a standard signal does not queue), so each wakeup asks every leased
// descriptor whether its lease is being broken (F_GETLEASE).
class FileBytesGuard {
 public:
  static FileBytesGuard& Get() {
    static FileBytesGuard* const guard = new FileBytesGuard();
    return *guard;
  }

  std::mutex& mutex() { return mutex_; }
  // With mutex() held. Takes a read lease on `fd`, which breaks are reported
  // to this guard's thread; false when the kernel or the guard cannot.
  bool Lease(int fd) {
    if (thread_id_ <= 0) return false;
    struct f_owner_ex owner;
    owner.type = F_OWNER_TID;
    owner.pid = thread_id_;
    return ::fcntl(fd, F_SETOWN_EX, &owner) == 0 &&
           ::fcntl(fd, F_SETSIG, SIGIO) == 0 &&
           ::fcntl(fd, F_SETLEASE, F_RDLCK) == 0;
  }
  void Register(int fd, FileBytes* file) { files_[fd] = file; }
  void Unregister(int fd) { files_.erase(fd); }

 private:
  FileBytesGuard() {
    // The thread is born with SIGIO blocked (a new thread inherits the
    // mask), so a break can never reach it as a signal to act on.
    sigset_t lease_break, before;
    sigemptyset(&lease_break);
    sigaddset(&lease_break, SIGIO);
    if (::pthread_sigmask(SIG_BLOCK, &lease_break, &before) != 0) return;
    std::promise<pid_t> started;
    std::future<pid_t> thread_id = started.get_future();
    std::thread([this, lease_break, &started] {
      started.set_value(static_cast<pid_t>(::syscall(SYS_gettid)));
      Run(lease_break);
    }).detach();
    ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
    thread_id_ = thread_id.get();
  }

  void Run(const sigset_t& lease_break) {
    while (true) {
      siginfo_t info;
      if (::sigwaitinfo(&lease_break, &info) < 0) continue;  // EINTR
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto it = files_.begin(); it != files_.end();) {
        // F_UNLCK while the break is pending (or once the kernel gave up
        // waiting): copy now.
        if (::fcntl(it->first, F_GETLEASE) == F_RDLCK) {
          ++it;
          continue;
        }
        it->second->Detach();
        files_.erase(it++);
      }
    }
  }

  pid_t thread_id_ = 0;
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
    if (guard.Lease(fd)) {
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

void FileBytes::ReleasePages(absl::string_view range) const {
  const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t begin =
      (reinterpret_cast<uintptr_t>(range.data()) + page - 1) / page * page;
  const uintptr_t end =
      (reinterpret_cast<uintptr_t>(range.data()) + range.size()) / page * page;
  if (range.empty() || range.data() < data_ ||
      range.data() + range.size() > data_ + size_ || begin >= end) {
    return;
  }
  // Mapped or copied (the guard's copy is whole pages at the same address)
  // or read into memory (whole pages inside the buffer): either way only
  // this range's own pages go.
  ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
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
