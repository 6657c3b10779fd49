#include "storage/time_index.h"

#include "storage/wire.h"

namespace gregor::storage {

TimeIndex::Entry TimeIndex::EntryAt(size_t i) const {
  const uint8_t* p = file_->At(i);
  return Entry{static_cast<int64_t>(LoadBe64(p)), base_ + LoadBe32(p + 8)};
}

TimeIndex::Entry TimeIndex::Lookup(int64_t ts) const {
  size_t lo = 0, hi = file_->entries();
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (EntryAt(mid).timestamp <= ts) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo == 0 ? Entry{-1, base_} : EntryAt(lo - 1);
}

TimeIndex::Entry TimeIndex::Last() const {
  size_t n = file_->entries();
  return n == 0 ? Entry{-1, base_} : EntryAt(n - 1);
}

void TimeIndex::MaybeAppend(int64_t ts, Offset offset, bool closing) {
  if (ts <= Last().timestamp) return;
  if (closing ? file_->entries() >= file_->capacity() : full()) return;
  uint8_t entry[kTimeIndexEntrySize];
  StoreBe64(entry, static_cast<uint64_t>(ts));
  StoreBe32(entry + 8, static_cast<uint32_t>(offset - base_));
  file_->Append(entry);
}

bool TimeIndex::SanityCheck(Offset end) const {
  size_t n = file_->entries();
  for (size_t i = 0; i < n; ++i) {
    Entry e = EntryAt(i);
    if (e.offset >= end || e.offset < base_) return false;
    if (i > 0) {
      Entry prev = EntryAt(i - 1);
      if (e.timestamp <= prev.timestamp || e.offset < prev.offset) return false;
    }
  }
  return true;
}

}  // namespace gregor::storage
