// Producer state inside PartitionLog: duplicates answered with their offsets, errors
// writing nothing, the last stable offset and aborted transactions on Read, snapshots and
// the rebuild after a crash.

#include <gtest/gtest.h>

#include <filesystem>

#include "log_fixture.h"
#include "storage/producer_snapshot.h"
#include "test_util.h"

namespace gregor::storage::testing {
namespace {

std::vector<uint8_t> ProducerBatch(int64_t pid, int16_t epoch, int32_t seq, int count,
                                   bool transactional = false, const std::string& prefix = "v") {
  BatchOptions o;
  o.producer_id = ProducerId(pid);
  o.producer_epoch = ProducerEpoch(epoch);
  o.base_sequence = seq;
  o.transactional = transactional;
  o.base_timestamp = 1000;
  BatchBuilder b(o);
  for (int i = 0; i < count; ++i) b.Add(1000, "k", prefix + std::to_string(seq + i));
  return *b.Build();
}

std::vector<uint8_t> MarkerBatch(int64_t pid, int16_t epoch, ControlType type) {
  return *MakeMarkerBatch(ProducerId(pid), ProducerEpoch(epoch), type, 0, 1000);
}

class ProducerStateLogTest : public LogFixture {
 protected:
  Result<AppendInfo> Try(PartitionLog& log, std::vector<uint8_t> payload,
                         AppendOrigin origin = AppendOrigin::kClient) {
    return log.Append(payload, origin);
  }
  void Marker(PartitionLog& log, int64_t pid, int16_t epoch, ControlType type) {
    auto r = Try(log, MarkerBatch(pid, epoch, type), AppendOrigin::kCoordinator);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
};

TEST_F(ProducerStateLogTest, DuplicateIsAnsweredWithOriginalOffsetsAndNotWritten) {
  auto log = OpenLog(LogConfig{});
  Append(*log, MakeSimpleBatch(2, 0));
  AppendInfo first = Append(*log, ProducerBatch(9, 0, 0, 3));
  Append(*log, ProducerBatch(9, 0, 3, 1));
  auto again = Try(*log, ProducerBatch(9, 0, 0, 3));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->base_offset, first.base_offset);
  EXPECT_EQ(again->last_offset, Offset(4));
  EXPECT_EQ(log->log_end_offset(), Offset(6));
}

TEST_F(ProducerStateLogTest, SequenceErrorsWriteNothing) {
  auto log = OpenLog(LogConfig{});
  Append(*log, ProducerBatch(9, 0, 0, 2));
  auto gap = Try(*log, ProducerBatch(9, 0, 5, 1));
  EXPECT_EQ(gap.status().code(), ErrorCode::kOutOfOrderSequenceNumber);
  auto unknown = Try(*log, ProducerBatch(10, 0, 7, 1));
  EXPECT_EQ(unknown.status().code(), ErrorCode::kUnknownProducerId);
  EXPECT_EQ(log->log_end_offset(), Offset(2));
  EXPECT_EQ(ReadAll(*log, Offset(0)).size(), 2u);
}

TEST_F(ProducerStateLogTest, ReadCommittedStopsAtTheOpenTransaction) {
  auto log = OpenLog(LogConfig{});
  Append(*log, MakeSimpleBatch(2, 0));                  // 0-1
  Append(*log, ProducerBatch(5, 0, 0, 2, true));        // 2-3 open
  Append(*log, MakeSimpleBatch(1, 0));                  // 4
  EXPECT_EQ(log->last_stable_offset(), Offset(2));
  EXPECT_EQ(log->high_watermark(), Offset(5));
  auto committed = log->Read(Offset(0), 1 << 20, true, /*read_committed=*/true);
  ASSERT_TRUE(committed.ok());
  EXPECT_EQ(committed->last_stable_offset, Offset(2));
  EXPECT_EQ(DecodeAll(RegionBytes(*committed)).size(), 2u);
  auto at_lso = log->Read(Offset(2), 1 << 20, true, true);
  ASSERT_TRUE(at_lso.ok());
  EXPECT_EQ(at_lso->bytes, 0);
  auto uncommitted = log->Read(Offset(0), 1 << 20, true, false);
  EXPECT_EQ(DecodeAll(RegionBytes(*uncommitted)).size(), 5u);

  Marker(*log, 5, 0, ControlType::kCommit);  // 5
  EXPECT_EQ(log->last_stable_offset(), Offset(6));
  auto after = log->Read(Offset(2), 1 << 20, true, true);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->aborted.empty());
  EXPECT_EQ(BatchHeaders(RegionBytes(*after)).size(), 3u);  // txn data, plain, marker
}

TEST_F(ProducerStateLogTest, ReadCommittedReturnsAbortedTransactions) {
  auto log = OpenLog(LogConfig{});
  Append(*log, ProducerBatch(5, 0, 0, 2, true));  // 0-1
  Marker(*log, 5, 0, ControlType::kAbort);         // 2
  Append(*log, MakeSimpleBatch(1, 0));             // 3
  auto r = log->Read(Offset(0), 1 << 20, true, true);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->aborted.size(), 1u);
  EXPECT_EQ(r->aborted[0], (AbortedTxn{ProducerId(5), Offset(0), Offset(2)}));
  auto later = log->Read(Offset(3), 1 << 20, true, true);
  EXPECT_TRUE(later->aborted.empty());
  // read_uncommitted gets no aborted list.
  EXPECT_TRUE(log->Read(Offset(0), 1 << 20, true, false)->aborted.empty());
}

TEST_F(ProducerStateLogTest, CrashRebuildsStateFromTheLogTail) {
  {
    auto log = OpenLog(LogConfig{});
    Append(*log, ProducerBatch(9, 0, 0, 2));
    Append(*log, ProducerBatch(9, 0, 2, 2));
    Append(*log, ProducerBatch(5, 1, 0, 1, true));
    // No Close: a crash. No snapshot was written.
  }
  EXPECT_TRUE(FilesWithSuffix(".snapshot").empty());
  auto log = OpenLog(LogConfig{}, /*clean=*/false);
  auto retry = Try(*log, ProducerBatch(9, 0, 2, 2));
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->base_offset, Offset(2));
  EXPECT_EQ(Try(*log, ProducerBatch(9, 0, 5, 1)).status().code(),
            ErrorCode::kOutOfOrderSequenceNumber);
  EXPECT_EQ(log->last_stable_offset(), Offset(4));
}

TEST_F(ProducerStateLogTest, CleanCloseWritesASnapshotAtTheLogEnd) {
  {
    auto log = OpenLog(LogConfig{});
    Append(*log, ProducerBatch(9, 0, 0, 3));
    ASSERT_TRUE(log->Close().ok());
  }
  EXPECT_EQ(FilesWithSuffix(".snapshot"),
            std::vector<std::string>{"00000000000000000003.snapshot"});
  auto log = OpenLog(LogConfig{});
  EXPECT_TRUE(Try(*log, ProducerBatch(9, 0, 0, 3))->duplicate);
}

TEST_F(ProducerStateLogTest, RollSnapshotsAndRecoveryReplaysOnlyAfterIt) {
  LogConfig config;
  config.segment_bytes = 400;
  {
    auto log = OpenLog(config);
    for (int i = 0; i < 8; ++i) Append(*log, ProducerBatch(9, 0, i * 2, 2));
    ASSERT_GT(log->segment_count(), 1);
  }
  std::vector<std::string> snapshots = FilesWithSuffix(".snapshot");
  ASSERT_FALSE(snapshots.empty());
  EXPECT_LE(snapshots.size(), static_cast<size_t>(kSnapshotsToKeep));
  auto log = OpenLog(config, false);
  for (int i = 3; i < 8; ++i) {
    auto r = Try(*log, ProducerBatch(9, 0, i * 2, 2));
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->duplicate) << i;
    EXPECT_EQ(r->base_offset, Offset(i * 2));
  }
  EXPECT_TRUE(Try(*log, ProducerBatch(9, 0, 16, 1)).ok());
}

TEST_F(ProducerStateLogTest, SnapshotPastTheLogEndIsDeleted) {
  {
    auto log = OpenLog(LogConfig{});
    Append(*log, ProducerBatch(9, 0, 0, 3));
    ASSERT_TRUE(log->Close().ok());
  }
  // A snapshot describing offsets the log no longer has (its tail was cut).
  std::filesystem::copy_file(SnapshotPath(dir_.Sub("t-0"), Offset(3)),
                             SnapshotPath(dir_.Sub("t-0"), Offset(50)));
  auto log = OpenLog(LogConfig{}, false);
  EXPECT_EQ(FilesWithSuffix(".snapshot"),
            std::vector<std::string>{"00000000000000000003.snapshot"});
  EXPECT_TRUE(Try(*log, ProducerBatch(9, 0, 0, 3))->duplicate);
}

TEST_F(ProducerStateLogTest, CorruptSnapshotFallsBackToReplay) {
  {
    auto log = OpenLog(LogConfig{});
    Append(*log, ProducerBatch(9, 0, 0, 3));
    ASSERT_TRUE(log->Close().ok());
  }
  std::string path = SnapshotPath(dir_.Sub("t-0"), Offset(3));
  std::filesystem::resize_file(path, 7);
  auto log = OpenLog(LogConfig{}, false);
  EXPECT_TRUE(FilesWithSuffix(".snapshot").empty());
  EXPECT_TRUE(Try(*log, ProducerBatch(9, 0, 0, 3))->duplicate);
}

TEST_F(ProducerStateLogTest, DeleteRecordsForgetsProducersBelowTheLogStart) {
  auto log = OpenLog(LogConfig{});
  Append(*log, ProducerBatch(9, 0, 0, 2));
  Append(*log, MakeSimpleBatch(1, 0));
  ASSERT_TRUE(log->DeleteRecordsBefore(Offset(2)).ok());
  EXPECT_EQ(Try(*log, ProducerBatch(9, 0, 2, 1)).status().code(), ErrorCode::kUnknownProducerId);
  EXPECT_TRUE(Try(*log, ProducerBatch(9, 1, 0, 1)).ok());  // after the client's reset
}

TEST_F(ProducerStateLogTest, ExpiresIdleProducers) {
  auto log = OpenLog(LogConfig{});
  Append(*log, ProducerBatch(9, 0, 0, 2));
  clock_.AdvanceMs(1000);
  EXPECT_EQ(log->ExpireProducers(1001), 0);
  EXPECT_EQ(log->ActiveProducers().size(), 1u);
  clock_.AdvanceMs(1);
  EXPECT_EQ(log->ExpireProducers(1001), 1);
  EXPECT_TRUE(log->ActiveProducers().empty());
}

}  // namespace
}  // namespace gregor::storage::testing
