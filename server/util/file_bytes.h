// A regular file's bytes in memory, unchanging for as long as the object
// lives, read as cheaply as the kernel allows.
//
// Where the kernel grants a read lease on the file (fcntl F_SETLEASE: the
// process owns the file or has CAP_LEASE, and nobody has it open for
// writing), the file is mapped: no copy and no page allocated, which on a
// virtual machine with costly page faults is ten times faster than reading.
// Should anyone then open the file for writing or truncate it, the kernel
// holds them back (for up to /proc/sys/fs/lease-break-time seconds, 45 by
// default) and signals this module's guard thread (SIGIO, sent to that
// thread alone, which waits for it with the signal blocked: no handler is
// installed), which copies the bytes into memory of its own at the same
// address, then lets the writer go on: the bytes seen never change and
// reading them never faults. Replacing the file by renaming another over it
// (as WriteSnapshot does) needs no copy. Without a lease, the file is read
// into memory.
#ifndef NEWSMETA_SERVER_UTIL_FILE_BYTES_H_
#define NEWSMETA_SERVER_UTIL_FILE_BYTES_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace newsmeta {

class FileBytes {
 public:
  // The bytes of the file at `path` (only regular files are mapped). NOT_FOUND
  // when it is missing; FAILED_PRECONDITION when it cannot be opened or read.
  // Messages say what failed, not the path: callers name it.
  static absl::StatusOr<std::shared_ptr<const FileBytes>> Read(
      const std::string& path);

  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;
  ~FileBytes();

  absl::string_view view() const { return {data_, size_}; }
  // True while the bytes are the file's own pages (mapped under a lease);
  // false once copied, or when read.
  bool mapped() const { return mapped_.load(std::memory_order_acquire); }

  // Gives back the memory of the whole pages inside `range` (a part of
  // view() that nothing reads any more: the bytes of a segment let go), so
  // that RSS no longer counts them while the rest of the file is served.
  // Reading them afterwards gives the file's bytes while mapped, zeros once
  // copied or when read: the caller must be the range's last reader.
  void ReleasePages(absl::string_view range) const;

 private:
  friend class FileBytesGuard;
  FileBytes() = default;
  // Copies the mapped bytes into anonymous memory at the same address and
  // gives up the lease; false when memory for the copy cannot be had.
  bool Detach();

  char* data_ = nullptr;
  size_t size_ = 0;
  size_t mapped_length_ = 0;  // size_ rounded up to whole pages, when mapped
  int lease_fd_ = -1;         // open while the lease is held
  std::atomic<bool> mapped_{false};
  std::unique_ptr<char[]> read_;  // the bytes, when read
};

}  // namespace newsmeta

#endif  // NEWSMETA_SERVER_UTIL_FILE_BYTES_H_
