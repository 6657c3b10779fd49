// I/O failures (ENOSPC, EIO) through an injected FileIo: the log reports
// KAFKA_STORAGE_ERROR, stays consistent and readable, and never crashes.

#include <gtest/gtest.h>

#include "log_fixture.h"
#include "storage/file_names.h"

namespace gregor::storage {
namespace {

using testing::AppendBytes;
using testing::MakeSimpleBatch;
using testing::ReadAll;

class StorageErrorTest : public testing::LogFixture {
 protected:
  std::string LogFile() { return SegmentPath(dir_.Sub("t-0"), Offset(0), ".log"); }
};

TEST_F(StorageErrorTest, FailedWriteIsCutAwayAndLogStaysUsable) {
  auto log = OpenLog(LogConfig{});
  Append(*log, MakeSimpleBatch(3, 1));
  int64_t size = log->size_bytes();
  int calls = 0;
  log->AddAppendListener([&] { calls++; });
  io_.fail_writes_after_bytes = 20;  // the disk fills up 20 bytes into the write
  EXPECT_EQ(AppendBytes(*log, MakeSimpleBatch(2, 1)).status().code(),
            ErrorCode::kKafkaStorageError);
  EXPECT_EQ(log->log_end_offset(), Offset(3));
  EXPECT_EQ(testing::FileSizeOf(LogFile()), size);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(ReadAll(*log, Offset(0)).size(), 3u);
  io_.fail_writes_after_bytes = -1;  // space freed
  EXPECT_EQ(Append(*log, MakeSimpleBatch(2, 1, "later-")).base_offset, Offset(3));
  std::vector<testing::DecodedRecord> all = ReadAll(*log, Offset(0));
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[3].value, "later-0");
}

TEST_F(StorageErrorTest, WriteFailingBeforeAnyByteChangesNothing) {
  auto log = OpenLog(LogConfig{});
  io_.fail_writes_after_bytes = 0;
  EXPECT_EQ(AppendBytes(*log, MakeSimpleBatch(2, 1)).status().code(),
            ErrorCode::kKafkaStorageError);
  EXPECT_EQ(log->log_end_offset(), Offset(0));
  Result<ReadResult> r = log->Read(Offset(0), 100, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->bytes, 0);
}

TEST_F(StorageErrorTest, UntruncatedGarbageIsNeverReadAndIsOverwrittenOrCutLater) {
  auto log = OpenLog(LogConfig{});
  Append(*log, MakeSimpleBatch(2, 1));
  io_.fail_writes_after_bytes = 70;
  io_.fail_truncates = true;
  EXPECT_FALSE(AppendBytes(*log, MakeSimpleBatch(3, 1)).ok());
  io_.fail_writes_after_bytes = -1;
  // The cut is retried first; while it fails, appends fail too.
  EXPECT_EQ(AppendBytes(*log, MakeSimpleBatch(1, 1)).status().code(),
            ErrorCode::kKafkaStorageError);
  EXPECT_EQ(ReadAll(*log, Offset(0)).size(), 2u);
  io_.fail_truncates = false;
  EXPECT_EQ(Append(*log, MakeSimpleBatch(1, 1)).base_offset, Offset(2));
  log.reset();
  auto reopened = OpenLog(LogConfig{}, /*clean=*/false);
  EXPECT_EQ(reopened->log_end_offset(), Offset(3));
  EXPECT_EQ(reopened->recovery_stats().bytes_truncated, 0);
}

TEST_F(StorageErrorTest, GarbageLeftByFailedCutIsRemovedByRecovery) {
  auto log = OpenLog(LogConfig{});
  Append(*log, MakeSimpleBatch(2, 1));
  io_.fail_writes_after_bytes = 70;
  io_.fail_truncates = true;
  EXPECT_FALSE(AppendBytes(*log, MakeSimpleBatch(3, 1)).ok());
  log.reset();  // crash before anything else happens
  io_.fail_truncates = false;
  io_.fail_writes_after_bytes = -1;
  auto reopened = OpenLog(LogConfig{}, /*clean=*/false);
  EXPECT_EQ(reopened->recovery_stats().bytes_truncated, 70);
  EXPECT_EQ(reopened->log_end_offset(), Offset(2));
}

TEST_F(StorageErrorTest, FailedFdatasyncFailsTheLogForWritesButNotReads) {
  auto log = OpenLog(LogConfig{});
  Append(*log, MakeSimpleBatch(2, 1));
  io_.fail_syncs = true;
  EXPECT_EQ(log->Sync().code(), ErrorCode::kKafkaStorageError);
  EXPECT_EQ(log->flushed_offset(), Offset(0));
  io_.fail_syncs = false;
  // fdatasync errors are sticky in the kernel too: a later success proves nothing.
  EXPECT_EQ(log->Sync().code(), ErrorCode::kKafkaStorageError);
  EXPECT_EQ(AppendBytes(*log, MakeSimpleBatch(1, 1)).status().code(),
            ErrorCode::kKafkaStorageError);
  EXPECT_EQ(ReadAll(*log, Offset(0)).size(), 2u);
}

TEST_F(StorageErrorTest, FailedWriteOfMultiBatchPayloadWritesNoneOfIt) {
  auto log = OpenLog(LogConfig{});
  std::vector<uint8_t> first = MakeSimpleBatch(2, 1);
  io_.fail_writes_after_bytes = static_cast<int64_t>(first.size()) + 5;  // batch 1 lands whole
  EXPECT_FALSE(AppendBytes(*log, testing::Concat({first, MakeSimpleBatch(2, 1)})).ok());
  EXPECT_EQ(log->log_end_offset(), Offset(0));
  EXPECT_EQ(testing::FileSizeOf(LogFile()), 0);
}

}  // namespace
}  // namespace gregor::storage
