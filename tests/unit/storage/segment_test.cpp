#include "storage/segment.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include "storage/file_names.h"
#include "test_util.h"

namespace gregor::storage {
namespace {

using testing::MakeSimpleBatch;
using testing::TempDir;

class SegmentTest : public ::testing::Test {
 protected:
  std::shared_ptr<Segment> NewSegment(Offset base) {
    Result<std::shared_ptr<Segment>> s = Segment::Create(dir_.path(), base, SegmentOptions{}, 0);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return *s;
  }
  // Appends `n` batches of 2 records each; returns each batch's position.
  std::vector<int64_t> Fill(Segment& s, int n, int32_t interval = 4096) {
    std::vector<int64_t> positions;
    for (int i = 0; i < n; ++i) {
      std::vector<uint8_t> b = MakeSimpleBatch(2, 1000 + i);
      StampOffsets(b, s.next_offset());
      positions.push_back(s.size());
      EXPECT_TRUE(s.Append(b, interval).ok());
    }
    return positions;
  }

  TempDir dir_;
};

TEST_F(SegmentTest, FindBatchUsesIndexAndScansToContainingBatch) {
  auto s = NewSegment(Offset(1000));
  std::vector<int64_t> pos = Fill(*s, 100, /*interval=*/300);
  EXPECT_EQ(s->next_offset(), Offset(1200));
  for (int i = 0; i < 100; ++i) {
    for (int d = 0; d < 2; ++d) {
      Result<std::optional<BatchLocation>> loc = s->FindBatch(Offset(1000 + 2 * i + d), s->size());
      ASSERT_TRUE(loc.ok());
      ASSERT_TRUE(loc->has_value());
      EXPECT_EQ((*loc)->position, pos[i]);
      EXPECT_EQ((*loc)->header.base_offset, Offset(1000 + 2 * i));
    }
  }
  Result<std::optional<BatchLocation>> none = s->FindBatch(Offset(1200), s->size());
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(SegmentTest, FindBatchDoesNotSeeBytesPastEnd) {
  auto s = NewSegment(Offset(0));
  std::vector<int64_t> pos = Fill(*s, 3);
  Result<std::optional<BatchLocation>> loc = s->FindBatch(Offset(4), pos[2]);
  ASSERT_TRUE(loc.ok());
  EXPECT_FALSE(loc->has_value());
}

TEST_F(SegmentTest, WholeBatchesEndStopsAtLastFittingBoundary) {
  auto s = NewSegment(Offset(0));
  std::vector<int64_t> pos = Fill(*s, 50, /*interval=*/200);
  int64_t end = s->size();
  EXPECT_EQ(*s->WholeBatchesEnd(0, end, end), end);
  EXPECT_EQ(*s->WholeBatchesEnd(0, pos[10], end), pos[10]);
  EXPECT_EQ(*s->WholeBatchesEnd(0, pos[10] + 5, end), pos[10]);
  EXPECT_EQ(*s->WholeBatchesEnd(pos[3], pos[3] + 1, end), pos[3]);
}

TEST_F(SegmentTest, RecoverCutsAtBadCrcAndRebuildsIndexes) {
  auto s = NewSegment(Offset(0));
  std::vector<int64_t> pos = Fill(*s, 20, /*interval=*/100);
  int64_t size = s->size();
  s.reset();
  // Flip a byte inside batch 12's records.
  std::string path = SegmentPath(dir_.path(), Offset(0), ".log");
  {
    ScopedFd fd = std::move(OpenFile(path, O_RDWR)).value();
    uint8_t b;
    ASSERT_EQ(::pread(fd.get(), &b, 1, pos[12] + 70), 1);
    b ^= 0xFF;
    ASSERT_EQ(::pwrite(fd.get(), &b, 1, pos[12] + 70), 1);
  }
  auto opened = *Segment::Open(dir_.path(), Offset(0), SegmentOptions{}, 0);
  Result<int64_t> cut = opened->Recover(100);
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(*cut, size - pos[12]);
  EXPECT_EQ(opened->size(), pos[12]);
  EXPECT_EQ(opened->next_offset(), Offset(24));
  EXPECT_EQ(testing::FileSizeOf(path), pos[12]);
  EXPECT_EQ((*opened->FindBatch(Offset(23), opened->size()))->position, pos[11]);
}

TEST_F(SegmentTest, RecoverCutsAtOffsetsGoingBackwards) {
  auto s = NewSegment(Offset(0));
  Fill(*s, 3);
  int64_t good = s->size();
  std::vector<uint8_t> b = MakeSimpleBatch(1, 1);
  StampOffsets(b, Offset(2));  // overlaps the previous batch's offsets 4-5
  ASSERT_TRUE(s->Append(b, 4096).ok());
  s.reset();
  auto opened = *Segment::Open(dir_.path(), Offset(0), SegmentOptions{}, 0);
  EXPECT_EQ(*opened->Recover(4096), static_cast<int64_t>(b.size()));
  EXPECT_EQ(opened->size(), good);
}

TEST_F(SegmentTest, TracksMaxTimestampAndFirstBatchTimestamp) {
  auto s = NewSegment(Offset(0));
  Fill(*s, 5);
  EXPECT_EQ(s->max_timestamp(), 1004);
  EXPECT_EQ(s->offset_of_max_timestamp(), Offset(8));
  EXPECT_EQ(s->first_batch_timestamp(), 1000);
}

}  // namespace
}  // namespace gregor::storage
