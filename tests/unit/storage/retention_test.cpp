// Retention by time and size, DeleteRecords, and delayed file deletion.

#include <gtest/gtest.h>

#include "log_fixture.h"

namespace gregor::storage {
namespace {

using testing::MakeSimpleBatch;
using testing::ReadAll;

class RetentionTest : public testing::LogFixture {
 protected:
  // Fills `n` segments (rolling by segment.ms) with batches stamped at the clock's time,
  // advancing the clock 1 s per segment.
  void FillSegments(PartitionLog& log, int n) {
    for (int s = 0; s < n; ++s) {
      Append(log, MakeSimpleBatch(2, clock_.NowMs()));
      Append(log, MakeSimpleBatch(2, clock_.NowMs()));
      clock_.AdvanceMs(1000);
    }
  }
  LogConfig RollEverySecond() {
    LogConfig c;
    c.segment_ms = 500;
    c.file_delete_delay_ms = 0;
    return c;
  }
};

TEST_F(RetentionTest, DeletesSegmentsOlderThanRetentionMs) {
  LogConfig c = RollEverySecond();
  c.retention_ms = 3500;
  auto log = OpenLog(c);
  FillSegments(*log, 5);  // segments with timestamps t0 .. t0+4s; now = t0+5s
  ASSERT_EQ(log->segment_count(), 5);
  EXPECT_EQ(*log->ApplyRetention(), 2);  // t0 and t0+1s are older than 3.5 s
  EXPECT_EQ(log->segment_count(), 3);
  EXPECT_EQ(log->log_start_offset(), Offset(8));
  EXPECT_EQ(ReadAll(*log, Offset(8)).size(), 12u);
  EXPECT_EQ(log->Read(Offset(7), 100, true).status().code(), ErrorCode::kOffsetOutOfRange);
}

TEST_F(RetentionTest, TimeRetentionNeverDeletesTheActiveSegment) {
  LogConfig c = RollEverySecond();
  c.retention_ms = 10;
  auto log = OpenLog(c);
  FillSegments(*log, 3);
  clock_.AdvanceMs(1'000'000);
  EXPECT_EQ(*log->ApplyRetention(), 2);
  EXPECT_EQ(log->segment_count(), 1);
  EXPECT_EQ(*log->ApplyRetention(), 0);
  EXPECT_EQ(log->log_start_offset(), Offset(8));
  EXPECT_EQ(log->log_end_offset(), Offset(12));
  EXPECT_EQ(ReadAll(*log, Offset(8)).size(), 4u);
}

TEST_F(RetentionTest, DeletesOldestSegmentsWhileOverRetentionBytes) {
  LogConfig c = RollEverySecond();
  c.retention_ms = -1;
  auto log = OpenLog(c);
  FillSegments(*log, 5);
  int64_t total = log->size_bytes();
  int64_t per_segment = total / 5;
  LogConfig sized = c;
  sized.retention_bytes = total - 2 * per_segment;  // two segments too many
  log->UpdateConfig(sized);
  EXPECT_EQ(*log->ApplyRetention(), 2);
  EXPECT_LE(log->size_bytes(), sized.retention_bytes);
  EXPECT_EQ(log->log_start_offset(), Offset(8));
}

TEST_F(RetentionTest, SizeRetentionNeverDeletesTheActiveSegment) {
  LogConfig c = RollEverySecond();
  c.retention_ms = -1;
  c.retention_bytes = 0;
  auto log = OpenLog(c);
  FillSegments(*log, 3);
  EXPECT_EQ(*log->ApplyRetention(), 2);
  EXPECT_EQ(log->segment_count(), 1);
  EXPECT_GT(log->size_bytes(), 0);
}

TEST_F(RetentionTest, NothingDeletedWithoutDeletePolicy) {
  LogConfig c = RollEverySecond();
  c.retention_ms = 1;
  c.cleanup_delete = false;
  auto log = OpenLog(c);
  FillSegments(*log, 3);
  EXPECT_EQ(*log->ApplyRetention(), 0);
  EXPECT_EQ(log->segment_count(), 3);
}

TEST_F(RetentionTest, DeletedFilesAreRenamedThenUnlinkedAfterDelay) {
  LogConfig c = RollEverySecond();
  c.retention_ms = 2500;
  c.file_delete_delay_ms = 60000;
  auto log = OpenLog(c);
  FillSegments(*log, 3);
  // A fetch in flight holds the first segment's file.
  Result<ReadResult> in_flight = log->Read(Offset(0), 1 << 20, true);
  ASSERT_TRUE(in_flight.ok());
  EXPECT_EQ(*log->ApplyRetention(), 1);
  EXPECT_EQ(FilesWithSuffix(".log.deleted"),
            std::vector<std::string>{"00000000000000000000.log.deleted"});
  log->DeleteExpiredFiles();
  EXPECT_EQ(FilesWithSuffix(".deleted").size(), 3u);  // too early
  clock_.AdvanceMs(60000);
  log->DeleteExpiredFiles();
  EXPECT_TRUE(FilesWithSuffix(".deleted").empty());
  // The in-flight read still gets its bytes.
  EXPECT_EQ(testing::DecodeAll(testing::RegionBytes(*in_flight)).size(), 4u);
}

TEST_F(RetentionTest, DeleteRecordsBeforeAdvancesStartAndDropsWholeSegments) {
  auto log = OpenLog(RollEverySecond());
  FillSegments(*log, 3);  // segments at 0, 4, 8
  Result<Offset> start = log->DeleteRecordsBefore(Offset(6));
  ASSERT_TRUE(start.ok());
  EXPECT_EQ(*start, Offset(6));
  EXPECT_EQ(log->log_start_offset(), Offset(6));
  EXPECT_EQ(log->segment_count(), 2);  // [0,4) went; [4,8) holds 6
  EXPECT_EQ(log->Read(Offset(5), 100, true).status().code(), ErrorCode::kOffsetOutOfRange);
  EXPECT_TRUE(log->Read(Offset(6), 100, true).ok());
  // Never backwards.
  EXPECT_EQ(*log->DeleteRecordsBefore(Offset(2)), Offset(6));
}

TEST_F(RetentionTest, DeleteRecordsUpToHighWatermarkKeepsActiveSegment) {
  auto log = OpenLog(RollEverySecond());
  FillSegments(*log, 2);
  EXPECT_EQ(*log->DeleteRecordsBefore(Offset(8)), Offset(8));
  EXPECT_EQ(log->segment_count(), 1);
  Result<ReadResult> r = log->Read(Offset(8), 100, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->bytes, 0);
  EXPECT_EQ(Append(*log, MakeSimpleBatch(1, clock_.NowMs())).base_offset, Offset(8));
}

TEST_F(RetentionTest, DeleteRecordsPastHighWatermarkIsOutOfRange) {
  auto log = OpenLog(RollEverySecond());
  FillSegments(*log, 1);
  EXPECT_EQ(log->DeleteRecordsBefore(Offset(5)).status().code(), ErrorCode::kOffsetOutOfRange);
}

TEST_F(RetentionTest, LogStartSurvivesRestart) {
  {
    auto log = OpenLog(RollEverySecond());
    FillSegments(*log, 2);
    ASSERT_TRUE(log->DeleteRecordsBefore(Offset(2)).ok());
    ASSERT_TRUE(log->Close().ok());
  }
  auto log = OpenLog(RollEverySecond(), /*clean=*/false);
  EXPECT_EQ(log->log_start_offset(), Offset(2));
  EXPECT_EQ(ReadAll(*log, Offset(2)).size(), 6u);
}

}  // namespace
}  // namespace gregor::storage
