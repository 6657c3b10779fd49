#pragma once

// The sparse offset index of a segment, `<base offset, 20 digits>.index`.
//
// File format: an array of 8-byte entries, no header, no checksum:
//   0  4  relative offset  uint32 big-endian: batch BaseOffset - segment base offset
//   4  4  position         uint32 big-endian: byte position of that batch in the .log
// One entry is added before a batch once more than `index.interval.bytes` (default 4096)
// were appended since the previous entry, so a lookup scans at most about that many bytes
// of the log. Both fields strictly increase. A uint32 position is why segment.bytes is at
// most 2 GiB, and a uint32 relative offset why a segment rolls before 2^32 offsets.
//
// It has no checksum because it is derived data: on open, an index with an entry out of
// order or pointing at or past the end of the log (as a torn or zero-filled tail would) is
// discarded and rebuilt from the log; after an unclean shutdown the tail segment's index is
// always rebuilt while its log is scanned. See mapped_index.h for preallocation.
//
// Thread-safety: as MappedIndex: one appender, lock-free readers.

#include <cstdint>
#include <memory>

#include "base/types.h"
#include "storage/mapped_index.h"

namespace gregor::storage {

inline constexpr size_t kOffsetIndexEntrySize = 4 + 4;

class OffsetIndex {
 public:
  struct Entry {
    Offset offset;
    int64_t position = 0;
  };

  OffsetIndex(std::unique_ptr<MappedIndex> file, Offset base)
      : file_(std::move(file)), base_(base) {}

  // The last entry with offset <= target; {base, 0} if there is none.
  Entry Lookup(Offset target) const;
  // The last entry with position <= position; {base, 0} if there is none.
  Entry LookupByPosition(int64_t position) const;
  // The last entry, or {base, 0}.
  Entry Last() const;
  size_t entries() const { return file_->entries(); }
  bool full() const { return file_->entries() >= file_->capacity(); }

  // REQUIRES: !full(), offset and position beyond the last entry. Writer only.
  void Append(Offset offset, int64_t position);
  // True if entries strictly increase and point inside a log of `log_size` bytes.
  bool SanityCheck(int64_t log_size) const;

  MappedIndex& file() { return *file_; }

 private:
  Entry EntryAt(size_t i) const;

  std::unique_ptr<MappedIndex> file_;
  Offset base_;
};

}  // namespace gregor::storage
