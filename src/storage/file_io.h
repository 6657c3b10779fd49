#pragma once

// The few file operations whose failure the log must survive (ENOSPC, EIO on write,
// fdatasync, truncate or preallocation), behind an interface so tests can inject failures. Opening,
// mapping and renaming files use POSIX directly. All errors are kKafkaStorageError with
// the errno text. Thread-safety: the default implementation is stateless.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/file_region.h"
#include "base/status.h"

namespace gregor::storage {

class FileIo {
 public:
  virtual ~FileIo() = default;
  // Writes all of `data` at `pos`. On error a prefix of it may have been written.
  virtual Status PwriteAll(int fd, std::span<const uint8_t> data, int64_t pos);
  virtual Status Fdatasync(int fd);
  virtual Status Truncate(int fd, int64_t size);
  // fallocate(2) mode 0: allocates [pos, pos + len) and grows the file to cover it; the new
  // range reads as zeros. Errors include ENOSPC and EOPNOTSUPP (the file system cannot).
  virtual Status Allocate(int fd, int64_t pos, int64_t len);

  // The process-wide POSIX implementation.
  static FileIo* Default();
};

// kKafkaStorageError "<what>: <strerror(err)>".
Status ErrnoStatus(std::string_view what, int err);

// open(2) with O_CLOEXEC. Errors: kKafkaStorageError.
Result<ScopedFd> OpenFile(const std::string& path, int flags, int mode = 0644);
// Reads up to out.size() bytes at `pos`, fewer only at end of file. Returns bytes read.
Result<size_t> PreadAll(int fd, std::span<uint8_t> out, int64_t pos);
// Size of the open file.
Result<int64_t> FileSize(int fd);
// fsync of a directory, so that created/renamed/removed names in it are durable.
Status FsyncDir(const std::string& dir);

}  // namespace gregor::storage
