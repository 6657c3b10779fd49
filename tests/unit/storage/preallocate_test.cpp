// preallocate: the active segment's file is allocated ahead of the writes. Readers never
// see the zeros past the last batch; sealing (roll, close) cuts them; a crash leaves them
// and recovery cuts them like a torn tail; a file system that cannot allocate changes
// nothing but speed.

#include <gtest/gtest.h>

#include "log_fixture.h"
#include "storage/file_names.h"

namespace gregor::storage {
namespace {

using testing::AppendBytes;
using testing::FileSizeOf;
using testing::MakeSimpleBatch;
using testing::ReadAll;

class PreallocateTest : public testing::LogFixture {
 protected:
  static LogConfig Config() {
    LogConfig c;
    c.preallocate = true;
    return c;
  }
  std::string LogFile(Offset base = Offset(0)) {
    return SegmentPath(dir_.Sub("t-0"), base, ".log");
  }
};

TEST_F(PreallocateTest, FileRunsAheadOfTheBatchesAndReadsStopAtTheLastOne) {
  auto log = OpenLog(Config());
  for (int i = 0; i < 10; ++i) Append(*log, MakeSimpleBatch(3, i));
  int64_t size = log->size_bytes();
  EXPECT_GE(FileSizeOf(LogFile()), size + (64 << 10));  // at least one step ahead
  EXPECT_EQ(FileSizeOf(LogFile()) % 4096, 0);
  EXPECT_LE(io_.allocations.load(), 1);  // ten small appends fit in the first step
  EXPECT_EQ(ReadAll(*log, Offset(0)).size(), 30u);
  Result<ReadResult> r = log->Read(Offset(0), 1 << 30, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->bytes, size);
}

TEST_F(PreallocateTest, StepsGrowWithTheSegmentAndStopAtTheRollSize) {
  LogConfig c = Config();
  c.segment_bytes = 300 << 10;
  auto log = OpenLog(c);
  std::string value(8000, 'v');
  int64_t prev = 0;
  while (log->segment_count() == 1) {
    Append(*log, MakeSimpleBatch(4, 1, value));  // ~32 KiB per batch
    int64_t file = FileSizeOf(LogFile());
    if (log->segment_count() == 1) {
      EXPECT_GE(file, prev);
      EXPECT_LE(file, c.segment_bytes);  // never allocated past the roll size
      EXPECT_GE(file, log->size_bytes());
      prev = file;
    }
  }
  EXPECT_GT(prev, 0);
  EXPECT_LT(io_.allocations.load(), 8);  // steps doubled instead of 64 KiB each time
}

TEST_F(PreallocateTest, RollCutsTheClosedSegmentToItsBatches) {
  LogConfig c = Config();
  c.segment_bytes = 2000;
  auto log = OpenLog(c);
  int64_t first_size = 0;
  while (log->segment_count() == 1) {
    first_size = log->size_bytes();
    Append(*log, MakeSimpleBatch(2, 1));
  }
  EXPECT_EQ(FileSizeOf(LogFile()), first_size);
  EXPECT_EQ(ReadAll(*log, Offset(0)).size(), static_cast<size_t>(log->log_end_offset().value()));
}

TEST_F(PreallocateTest, CloseCutsTheZerosAndACleanOpenSkipsTheScan) {
  int64_t size = 0;
  {
    auto log = OpenLog(Config());
    for (int i = 0; i < 5; ++i) Append(*log, MakeSimpleBatch(2, 1));
    size = log->size_bytes();
    ASSERT_GT(FileSizeOf(LogFile()), size);
    ASSERT_TRUE(log->Close().ok());
  }
  EXPECT_EQ(FileSizeOf(LogFile()), size);
  auto log = OpenLog(Config(), /*clean=*/true);
  EXPECT_EQ(log->recovery_stats().segments_recovered, 0);
  EXPECT_EQ(log->log_end_offset(), Offset(10));
  Append(*log, MakeSimpleBatch(1, 1, "after-"));
  std::vector<testing::DecodedRecord> all = ReadAll(*log, Offset(0));
  ASSERT_EQ(all.size(), 11u);
  EXPECT_EQ(all[10].value, "after-0");
}

TEST_F(PreallocateTest, CrashLeavesZerosThatRecoveryCuts) {
  int64_t size = 0;
  {
    auto log = OpenLog(Config());
    for (int i = 0; i < 5; ++i) Append(*log, MakeSimpleBatch(2, 1));
    size = log->size_bytes();
  }  // no Close: as after kill -9
  ASSERT_GT(FileSizeOf(LogFile()), size);
  auto log = OpenLog(Config(), /*clean=*/false);
  EXPECT_EQ(log->recovery_stats().segments_recovered, 1);
  EXPECT_EQ(log->log_end_offset(), Offset(10));
  EXPECT_EQ(FileSizeOf(LogFile()), size);
  Append(*log, MakeSimpleBatch(1, 1, "after-"));
  EXPECT_EQ(ReadAll(*log, Offset(0)).size(), 11u);
}

TEST_F(PreallocateTest, ZerosLeftUnderACleanMarkerAreFoundAndCut) {
  // The truncate of a close was lost (power failure after the marker became durable):
  // the clean open's header walk meets the zeros and falls back to a scan.
  int64_t size = 0;
  {
    auto log = OpenLog(Config());
    for (int i = 0; i < 5; ++i) Append(*log, MakeSimpleBatch(2, 1));
    size = log->size_bytes();
  }
  auto log = OpenLog(Config(), /*clean=*/true);
  EXPECT_EQ(log->recovery_stats().segments_recovered, 1);
  EXPECT_EQ(log->log_end_offset(), Offset(10));
  EXPECT_EQ(FileSizeOf(LogFile()), size);
}

TEST_F(PreallocateTest, FileSystemWithoutFallocateStillTakesWrites) {
  io_.fail_allocates = true;
  auto log = OpenLog(Config());
  for (int i = 0; i < 5; ++i) Append(*log, MakeSimpleBatch(2, 1));
  EXPECT_EQ(io_.allocations.load(), 1);  // tried once, then not again on this segment
  EXPECT_EQ(FileSizeOf(LogFile()), log->size_bytes());
  EXPECT_EQ(ReadAll(*log, Offset(0)).size(), 10u);
}

TEST_F(PreallocateTest, FailedWriteIntoPreallocatedSpaceIsCut) {
  auto log = OpenLog(Config());
  Append(*log, MakeSimpleBatch(3, 1));
  int64_t size = log->size_bytes();
  io_.fail_writes_after_bytes = 20;
  EXPECT_EQ(AppendBytes(*log, MakeSimpleBatch(2, 1)).status().code(),
            ErrorCode::kKafkaStorageError);
  EXPECT_EQ(FileSizeOf(LogFile()), size);
  io_.fail_writes_after_bytes = -1;
  EXPECT_EQ(Append(*log, MakeSimpleBatch(2, 1, "later-")).base_offset, Offset(3));
  EXPECT_GT(FileSizeOf(LogFile()), log->size_bytes());  // preallocating again
  EXPECT_EQ(ReadAll(*log, Offset(0)).size(), 5u);
}

}  // namespace
}  // namespace gregor::storage
