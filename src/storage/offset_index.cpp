#include "storage/offset_index.h"

#include "storage/wire.h"

namespace gregor::storage {

OffsetIndex::Entry OffsetIndex::EntryAt(size_t i) const {
  const uint8_t* p = file_->At(i);
  return Entry{base_ + LoadBe32(p), static_cast<int64_t>(LoadBe32(p + 4))};
}

OffsetIndex::Entry OffsetIndex::Lookup(Offset target) const {
  size_t lo = 0, hi = file_->entries();  // answer: the last i < hi with offset <= target
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (EntryAt(mid).offset <= target) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo == 0 ? Entry{base_, 0} : EntryAt(lo - 1);
}

OffsetIndex::Entry OffsetIndex::LookupByPosition(int64_t position) const {
  size_t lo = 0, hi = file_->entries();
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (EntryAt(mid).position <= position) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo == 0 ? Entry{base_, 0} : EntryAt(lo - 1);
}

OffsetIndex::Entry OffsetIndex::Last() const {
  size_t n = file_->entries();
  return n == 0 ? Entry{base_, 0} : EntryAt(n - 1);
}

void OffsetIndex::Append(Offset offset, int64_t position) {
  uint8_t entry[kOffsetIndexEntrySize];
  StoreBe32(entry, static_cast<uint32_t>(offset - base_));
  StoreBe32(entry + 4, static_cast<uint32_t>(position));
  file_->Append(entry);
}

bool OffsetIndex::SanityCheck(int64_t log_size) const {
  size_t n = file_->entries();
  for (size_t i = 0; i < n; ++i) {
    Entry e = EntryAt(i);
    if (e.position >= log_size) return false;
    if (i > 0) {
      Entry prev = EntryAt(i - 1);
      if (e.offset <= prev.offset || e.position <= prev.position) return false;
    }
  }
  return true;
}

}  // namespace gregor::storage
