#include <gtest/gtest.h>

#include "storage/mapped_index.h"
#include "storage/offset_index.h"
#include "storage/time_index.h"
#include "test_util.h"

namespace gregor::storage {
namespace {

using testing::TempDir;

std::unique_ptr<MappedIndex> OpenIndex(const std::string& path, size_t entry, int64_t capacity) {
  Result<std::unique_ptr<MappedIndex>> r = MappedIndex::Open(path, entry);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::unique_ptr<MappedIndex> index = std::move(r).value();
  if (capacity > 0) {
    EXPECT_TRUE(index->Reserve(capacity).ok());
  }
  return index;
}

TEST(OffsetIndexTest, LookupFindsLastEntryAtOrBeforeTarget) {
  TempDir dir;
  OffsetIndex index(OpenIndex(dir.Sub("i"), kOffsetIndexEntrySize, 1024), Offset(100));
  index.Append(Offset(110), 4000);
  index.Append(Offset(120), 8000);
  index.Append(Offset(135), 12000);
  EXPECT_EQ(index.Lookup(Offset(100)).position, 0);  // before the first entry
  EXPECT_EQ(index.Lookup(Offset(109)).position, 0);
  EXPECT_EQ(index.Lookup(Offset(110)).position, 4000);
  EXPECT_EQ(index.Lookup(Offset(119)).offset, Offset(110));
  EXPECT_EQ(index.Lookup(Offset(135)).position, 12000);
  EXPECT_EQ(index.Lookup(Offset(1000)).offset, Offset(135));
}

TEST(OffsetIndexTest, LookupByPositionFindsLastEntryAtOrBeforePosition) {
  TempDir dir;
  OffsetIndex index(OpenIndex(dir.Sub("i"), kOffsetIndexEntrySize, 1024), Offset(0));
  index.Append(Offset(10), 4000);
  index.Append(Offset(20), 8000);
  EXPECT_EQ(index.LookupByPosition(3999).position, 0);
  EXPECT_EQ(index.LookupByPosition(4000).offset, Offset(10));
  EXPECT_EQ(index.LookupByPosition(9000).offset, Offset(20));
}

TEST(OffsetIndexTest, FullAtCapacity) {
  TempDir dir;
  OffsetIndex index(OpenIndex(dir.Sub("i"), kOffsetIndexEntrySize, 3 * 8), Offset(0));
  for (int i = 1; i <= 3; ++i) {
    EXPECT_FALSE(index.full());
    index.Append(Offset(i), i * 100);
  }
  EXPECT_TRUE(index.full());
}

TEST(OffsetIndexTest, SanityCheckRejectsEntryPastLogEnd) {
  TempDir dir;
  OffsetIndex index(OpenIndex(dir.Sub("i"), kOffsetIndexEntrySize, 1024), Offset(0));
  index.Append(Offset(5), 100);
  index.Append(Offset(9), 5000);
  EXPECT_TRUE(index.SanityCheck(5001));
  EXPECT_FALSE(index.SanityCheck(5000));
}

TEST(OffsetIndexTest, SanityCheckRejectsOutOfOrderEntries) {
  TempDir dir;
  OffsetIndex index(OpenIndex(dir.Sub("i"), kOffsetIndexEntrySize, 1024), Offset(0));
  index.Append(Offset(5), 100);
  index.Append(Offset(4), 200);
  EXPECT_FALSE(index.SanityCheck(1000));
}

TEST(OffsetIndexTest, SealCutsFileAndReopenSeesEntries) {
  TempDir dir;
  {
    OffsetIndex index(OpenIndex(dir.Sub("i"), kOffsetIndexEntrySize, 1 << 20), Offset(0));
    EXPECT_EQ(testing::FileSizeOf(dir.Sub("i")), 1 << 20);  // preallocated
    index.Append(Offset(1), 10);
    index.Append(Offset(2), 20);
    ASSERT_TRUE(index.file().Seal().ok());
    EXPECT_EQ(testing::FileSizeOf(dir.Sub("i")), 16);
    EXPECT_EQ(index.Lookup(Offset(2)).position, 20);  // still readable after sealing
  }
  OffsetIndex reopened(OpenIndex(dir.Sub("i"), kOffsetIndexEntrySize, 0), Offset(0));
  EXPECT_EQ(reopened.entries(), 2u);
  EXPECT_EQ(reopened.Last().position, 20);
}

TEST(OffsetIndexTest, ZeroFilledPreallocatedTailFailsSanityCheck) {
  TempDir dir;
  {
    OffsetIndex index(OpenIndex(dir.Sub("i"), kOffsetIndexEntrySize, 4096), Offset(0));
    index.Append(Offset(1), 10);
    // Not sealed: as after a crash, the file keeps its preallocated zeros.
  }
  OffsetIndex reopened(OpenIndex(dir.Sub("i"), kOffsetIndexEntrySize, 0), Offset(0));
  EXPECT_EQ(reopened.entries(), 512u);
  EXPECT_FALSE(reopened.SanityCheck(1 << 20));
}

TEST(TimeIndexTest, AppendsOnlyIncreasingTimestamps) {
  TempDir dir;
  TimeIndex index(OpenIndex(dir.Sub("t"), kTimeIndexEntrySize, 1024), Offset(0));
  index.MaybeAppend(100, Offset(0));
  index.MaybeAppend(100, Offset(5));
  index.MaybeAppend(90, Offset(6));
  index.MaybeAppend(200, Offset(7));
  EXPECT_EQ(index.entries(), 2u);
  EXPECT_EQ(index.Last().timestamp, 200);
  EXPECT_EQ(index.Last().offset, Offset(7));
}

TEST(TimeIndexTest, LookupFindsLastEntryAtOrBeforeTimestamp) {
  TempDir dir;
  TimeIndex index(OpenIndex(dir.Sub("t"), kTimeIndexEntrySize, 1024), Offset(50));
  index.MaybeAppend(100, Offset(50));
  index.MaybeAppend(200, Offset(60));
  index.MaybeAppend(300, Offset(70));
  EXPECT_EQ(index.Lookup(99).offset, Offset(50));  // none: the base
  EXPECT_EQ(index.Lookup(99).timestamp, -1);
  EXPECT_EQ(index.Lookup(200).offset, Offset(60));
  EXPECT_EQ(index.Lookup(299).offset, Offset(60));
  EXPECT_EQ(index.Lookup(1000).offset, Offset(70));
}

TEST(TimeIndexTest, KeepsLastSlotForClosingEntry) {
  TempDir dir;
  TimeIndex index(OpenIndex(dir.Sub("t"), kTimeIndexEntrySize, 3 * 12), Offset(0));
  index.MaybeAppend(1, Offset(1));
  index.MaybeAppend(2, Offset(2));
  EXPECT_TRUE(index.full());
  index.MaybeAppend(3, Offset(3));
  EXPECT_EQ(index.entries(), 2u);
  index.MaybeAppend(3, Offset(3), /*closing=*/true);
  EXPECT_EQ(index.entries(), 3u);
}

TEST(TimeIndexTest, SanityCheckRejectsOffsetsPastSegmentAndDisorder) {
  TempDir dir;
  TimeIndex index(OpenIndex(dir.Sub("t"), kTimeIndexEntrySize, 1024), Offset(0));
  index.MaybeAppend(10, Offset(3));
  index.MaybeAppend(20, Offset(8));
  EXPECT_TRUE(index.SanityCheck(Offset(9)));
  EXPECT_FALSE(index.SanityCheck(Offset(8)));
}

}  // namespace
}  // namespace gregor::storage
