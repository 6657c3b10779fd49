#pragma once

// ScopedFd owns a file descriptor. FileRegion names bytes of an open file that a
// response sends with sendfile(); it shares ownership of the descriptor so that a
// segment deleted by retention while a fetch is in flight stays readable until sent.

#include <unistd.h>

#include <cstdint>
#include <memory>
#include <utility>

namespace gregor {

class ScopedFd {
 public:
  ScopedFd() = default;
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() { Reset(); }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ScopedFd(ScopedFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  ScopedFd& operator=(ScopedFd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() { return std::exchange(fd_, -1); }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct FileRegion {
  std::shared_ptr<const ScopedFd> file;
  int64_t offset = 0;
  int64_t length = 0;
};

}  // namespace gregor
