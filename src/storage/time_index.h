#pragma once

// The time index of a segment, `<base offset, 20 digits>.timeindex`.
//
// File format: an array of 12-byte entries, no header, no checksum:
//   0  8  timestamp        int64 big-endian: the largest batch MaxTimestamp so far
//   8  4  relative offset  uint32 big-endian: BaseOffset of the batch that first reached
//                          that timestamp, minus the segment base offset
// An entry is added alongside each offset-index entry when the largest timestamp grew, and
// once more when the segment rolls or closes, so the last entry holds the segment's
// largest timestamp. Timestamps strictly increase; offsets never decrease. So every batch
// before an entry's batch has a smaller MaxTimestamp: a search for the first batch with
// MaxTimestamp >= t can start at the last entry with timestamp <= t.
//
// Derived data like the offset index: an out-of-order entry or one past the segment's
// offsets means it is rebuilt from the log. One slot is kept free for the closing entry.

#include <cstdint>
#include <memory>

#include "base/types.h"
#include "storage/mapped_index.h"

namespace gregor::storage {

inline constexpr size_t kTimeIndexEntrySize = 8 + 4;

class TimeIndex {
 public:
  struct Entry {
    int64_t timestamp = -1;
    Offset offset;
  };

  TimeIndex(std::unique_ptr<MappedIndex> file, Offset base) : file_(std::move(file)), base_(base) {}

  // The last entry with timestamp <= ts; {-1, base} if there is none.
  Entry Lookup(int64_t ts) const;
  // The last entry, or {-1, base}.
  Entry Last() const;
  size_t entries() const { return file_->entries(); }
  // Full for regular entries; the last slot is kept for the entry written on roll.
  bool full() const { return file_->entries() + 1 >= file_->capacity(); }

  // Appends (ts, offset) if ts is larger than the last entry's. `closing` may use the
  // reserved slot. Writer only.
  void MaybeAppend(int64_t ts, Offset offset, bool closing = false);
  // True if timestamps strictly increase, offsets never decrease and stay below `end`.
  bool SanityCheck(Offset end) const;

  MappedIndex& file() { return *file_; }

 private:
  Entry EntryAt(size_t i) const;

  std::unique_ptr<MappedIndex> file_;
  Offset base_;
};

}  // namespace gregor::storage
