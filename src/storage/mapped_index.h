#pragma once

// A file of fixed-width entries mapped into memory: the mechanics shared by the offset
// index and the time index (their formats are in offset_index.h and time_index.h).
//
// The active segment's index file is preallocated to `segment.index.bytes` (a sparse file,
// so it costs no disk) and mapped once; entries are appended by writing the mapping and
// then publishing the new count. When the segment rolls or closes, the file is cut to the
// entries written (Seal) while the mapping stays, so lock-free readers holding it are never
// invalidated; they only touch entries below the count they loaded.
//
// Thread-safety: one writer (the partition's appender) at a time; any number of readers
// concurrently with it through At()/entries(). Open/Reserve/Reset remap the file and
// REQUIRE that no reader can reach the object yet (opening, recovery, rebuild).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "base/file_region.h"
#include "base/status.h"

namespace gregor::storage {

class MappedIndex {
 public:
  // Opens or creates `path`; existing entries are size / entry_size (a torn trailing entry
  // is ignored). The index is not appendable until Reserve(). Errors: kKafkaStorageError.
  static Result<std::unique_ptr<MappedIndex>> Open(const std::string& path, size_t entry_size);
  ~MappedIndex();
  MappedIndex(const MappedIndex&) = delete;
  MappedIndex& operator=(const MappedIndex&) = delete;

  size_t entries() const { return count_.load(std::memory_order_acquire); }
  // Entries the mapping can hold; appends are allowed below it.
  size_t capacity() const { return capacity_; }
  // REQUIRES: i < entries(). Valid while this object lives.
  const uint8_t* At(size_t i) const { return map_ + i * entry_size_; }

  // Grows the file (sparse) and the mapping to hold capacity_bytes / entry_size entries.
  Status Reserve(int64_t capacity_bytes);
  // REQUIRES: entries() < capacity(). Writer only.
  void Append(const uint8_t* entry);
  // Forgets entries from n on. Writer only.
  void TruncateTo(size_t n);
  // Cuts the file to the entries written; further appends need Reserve(). Closes the fd.
  Status Seal();
  // Closes the descriptor of a read-only index (the mapping stays). Reserve reopens it.
  void ReleaseFile() { fd_.Reset(); }
  // The file was renamed; later Reserve/Seal use the new name.
  void set_path(std::string path) { path_ = std::move(path); }
  const std::string& path() const { return path_; }

 private:
  MappedIndex(std::string path, size_t entry_size)
      : path_(std::move(path)), entry_size_(entry_size) {}
  Status Map(size_t bytes);

  std::string path_;
  size_t entry_size_;
  ScopedFd fd_;
  uint8_t* map_ = nullptr;
  size_t map_len_ = 0;
  size_t capacity_ = 0;
  std::atomic<size_t> count_{0};
};

}  // namespace gregor::storage
