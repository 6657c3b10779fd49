#include "storage/mapped_index.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "storage/file_io.h"

namespace gregor::storage {

Result<std::unique_ptr<MappedIndex>> MappedIndex::Open(const std::string& path, size_t entry_size) {
  std::unique_ptr<MappedIndex> index(new MappedIndex(path, entry_size));
  GREGOR_ASSIGN_OR_RETURN(index->fd_, OpenFile(path, O_RDWR | O_CREAT));
  GREGOR_ASSIGN_OR_RETURN(int64_t size, FileSize(index->fd_.get()));
  size_t n = static_cast<size_t>(size) / entry_size;
  GREGOR_RETURN_IF_ERROR(index->Map(static_cast<size_t>(size)));
  index->capacity_ = n;
  index->count_.store(n, std::memory_order_release);
  return index;
}

MappedIndex::~MappedIndex() {
  if (map_ != nullptr) ::munmap(map_, map_len_);
}

Status MappedIndex::Map(size_t bytes) {
  if (map_ != nullptr) {
    ::munmap(map_, map_len_);
    map_ = nullptr;
    map_len_ = 0;
  }
  if (bytes == 0) return Status::Ok();
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
  if (p == MAP_FAILED) return ErrnoStatus("mmap " + path_, errno);
  // Appends touch one page at a time and lookups are binary searches: readahead would
  // only zero-fill pages of the preallocated (sparse) tail on every fault (perf showed ~4 %
  // of produce CPU in that memset). Advisory: a failure changes nothing but speed.
  (void)::madvise(p, bytes, MADV_RANDOM);
  map_ = static_cast<uint8_t*>(p);
  map_len_ = bytes;
  return Status::Ok();
}

Status MappedIndex::Reserve(int64_t capacity_bytes) {
  if (!fd_.valid()) {
    GREGOR_ASSIGN_OR_RETURN(fd_, OpenFile(path_, O_RDWR | O_CREAT));
  }
  size_t n = entries();
  size_t cap = std::max(static_cast<size_t>(capacity_bytes) / entry_size_, n);
  size_t bytes = cap * entry_size_;
  if (::ftruncate(fd_.get(), static_cast<off_t>(bytes)) != 0) {
    return ErrnoStatus("ftruncate " + path_, errno);
  }
  GREGOR_RETURN_IF_ERROR(Map(bytes));
  capacity_ = cap;
  return Status::Ok();
}

void MappedIndex::Append(const uint8_t* entry) {
  size_t n = count_.load(std::memory_order_relaxed);
  GREGOR_CHECK(n < capacity_);
  std::memcpy(map_ + n * entry_size_, entry, entry_size_);
  count_.store(n + 1, std::memory_order_release);
}

void MappedIndex::TruncateTo(size_t n) {
  if (n < entries()) count_.store(n, std::memory_order_release);
}

Status MappedIndex::Seal() {
  if (!fd_.valid()) return Status::Ok();
  size_t n = entries();
  // The mapping is kept: readers only touch entries below n, all inside the file.
  if (::ftruncate(fd_.get(), static_cast<off_t>(n * entry_size_)) != 0) {
    return ErrnoStatus("ftruncate " + path_, errno);
  }
  capacity_ = n;
  fd_.Reset();
  return Status::Ok();
}

}  // namespace gregor::storage
