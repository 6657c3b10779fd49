#include "storage/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gregor::storage {

Status ErrnoStatus(std::string_view what, int err) {
  return Status(ErrorCode::kKafkaStorageError, std::string(what) + ": " + std::strerror(err));
}

Status FileIo::PwriteAll(int fd, std::span<const uint8_t> data, int64_t pos) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd, data.data(), data.size(), pos);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("pwrite", errno);
    }
    data = data.subspan(static_cast<size_t>(n));
    pos += n;
  }
  return Status::Ok();
}

Status FileIo::Fdatasync(int fd) {
  if (::fdatasync(fd) != 0) return ErrnoStatus("fdatasync", errno);
  return Status::Ok();
}

Status FileIo::Truncate(int fd, int64_t size) {
  if (::ftruncate(fd, size) != 0) return ErrnoStatus("ftruncate", errno);
  return Status::Ok();
}

Status FileIo::Allocate(int fd, int64_t pos, int64_t len) {
  int err;
  do {
    err = ::fallocate(fd, 0, pos, len) == 0 ? 0 : errno;
  } while (err == EINTR);
  if (err != 0) return ErrnoStatus("fallocate", err);
  return Status::Ok();
}

FileIo* FileIo::Default() {
  static FileIo io;
  return &io;
}

Result<ScopedFd> OpenFile(const std::string& path, int flags, int mode) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoStatus("open " + path, errno);
  return ScopedFd(fd);
}

Result<size_t> PreadAll(int fd, std::span<uint8_t> out, int64_t pos) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(fd, out.data() + done, out.size() - done, pos + static_cast<int64_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("pread", errno);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

Result<int64_t> FileSize(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoStatus("fstat", errno);
  return static_cast<int64_t>(st.st_size);
}

Status FsyncDir(const std::string& dir) {
  GREGOR_ASSIGN_OR_RETURN(ScopedFd fd, OpenFile(dir, O_RDONLY | O_DIRECTORY));
  if (::fsync(fd.get()) != 0) return ErrnoStatus("fsync " + dir, errno);
  return Status::Ok();
}

}  // namespace gregor::storage
