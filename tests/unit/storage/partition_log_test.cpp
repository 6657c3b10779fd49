#include "storage/partition_log.h"

#include <gtest/gtest.h>

#include <thread>

#include "storage/file_names.h"
#include "test_util.h"

namespace gregor::storage {
namespace {

using testing::AppendBytes;
using testing::MakeSimpleBatch;
using testing::ReadAll;
using testing::RegionBytes;
using testing::TempDir;

class PartitionLogTest : public ::testing::Test {
 protected:
  std::unique_ptr<PartitionLog> OpenLog(const LogConfig& config, bool clean = true) {
    PartitionLogOptions o;
    o.clock = &clock_;
    Result<std::unique_ptr<PartitionLog>> log =
        PartitionLog::Open(dir_.Sub("t-0"), config, o, clean);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }
  AppendInfo MustAppend(PartitionLog& log, std::vector<uint8_t> batch) {
    Result<AppendInfo> r = log.Append(batch);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : AppendInfo{};
  }

  TempDir dir_;
  ManualClock clock_;
};

TEST_F(PartitionLogTest, AppendAssignsConsecutiveOffsets) {
  auto log = OpenLog(LogConfig{});
  AppendInfo a = MustAppend(*log, MakeSimpleBatch(3, 100));
  AppendInfo b = MustAppend(*log, MakeSimpleBatch(2, 100));
  EXPECT_EQ(a.base_offset, Offset(0));
  EXPECT_EQ(a.last_offset, Offset(2));
  EXPECT_EQ(a.log_append_time_ms, -1);
  EXPECT_EQ(b.base_offset, Offset(3));
  EXPECT_EQ(b.last_offset, Offset(4));
  EXPECT_EQ(log->log_end_offset(), Offset(5));
  EXPECT_EQ(log->high_watermark(), Offset(5));
  EXPECT_EQ(log->last_stable_offset(), Offset(5));
  EXPECT_EQ(log->log_start_offset(), Offset(0));
}

TEST_F(PartitionLogTest, AppendStampsOffsetsInCallersBytes) {
  auto log = OpenLog(LogConfig{});
  MustAppend(*log, MakeSimpleBatch(3, 100));
  std::vector<uint8_t> b = MakeSimpleBatch(1, 100);
  ASSERT_TRUE(log->Append(b).ok());
  EXPECT_EQ(BatchHeader::Parse(b).base_offset, Offset(3));
}

TEST_F(PartitionLogTest, MultiBatchPayloadGetsOffsetsPerBatch) {
  auto log = OpenLog(LogConfig{});
  AppendInfo a = MustAppend(*log, testing::Concat({MakeSimpleBatch(2, 1), MakeSimpleBatch(3, 2)}));
  EXPECT_EQ(a.base_offset, Offset(0));
  EXPECT_EQ(a.last_offset, Offset(4));
  std::vector<testing::DecodedRecord> all = ReadAll(*log, Offset(0));
  ASSERT_EQ(all.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(all[i].offset, Offset(i));
}

TEST_F(PartitionLogTest, RejectedPayloadWritesNothing) {
  auto log = OpenLog(LogConfig{});
  std::vector<uint8_t> bad = MakeSimpleBatch(2, 1);
  bad.back() ^= 1;
  std::vector<uint8_t> payload = testing::Concat({MakeSimpleBatch(2, 1), bad});
  EXPECT_EQ(log->Append(payload).status().code(), ErrorCode::kCorruptMessage);
  EXPECT_EQ(log->log_end_offset(), Offset(0));
  EXPECT_EQ(log->size_bytes(), 0);
}

TEST_F(PartitionLogTest, ReadReturnsWholeBatchesFromContainingBatch) {
  auto log = OpenLog(LogConfig{});
  MustAppend(*log, MakeSimpleBatch(5, 1));  // offsets 0-4
  MustAppend(*log, MakeSimpleBatch(5, 1));  // offsets 5-9
  Result<ReadResult> r = log->Read(Offset(7), 1 << 20, true);
  ASSERT_TRUE(r.ok());
  std::vector<BatchHeader> headers = testing::BatchHeaders(RegionBytes(*r));
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers[0].base_offset, Offset(5));
  EXPECT_EQ(r->high_watermark, Offset(10));
  EXPECT_EQ(r->last_stable_offset, Offset(10));
  EXPECT_EQ(r->log_start_offset, Offset(0));
}

TEST_F(PartitionLogTest, ReadAtHighWatermarkIsEmpty) {
  auto log = OpenLog(LogConfig{});
  MustAppend(*log, MakeSimpleBatch(2, 1));
  Result<ReadResult> r = log->Read(Offset(2), 1 << 20, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->bytes, 0);
  EXPECT_TRUE(r->regions.empty());
}

TEST_F(PartitionLogTest, ReadPastHighWatermarkIsOutOfRange) {
  auto log = OpenLog(LogConfig{});
  MustAppend(*log, MakeSimpleBatch(2, 1));
  EXPECT_EQ(log->Read(Offset(3), 100, true).status().code(), ErrorCode::kOffsetOutOfRange);
  EXPECT_EQ(log->Read(Offset(-1), 100, true).status().code(), ErrorCode::kOffsetOutOfRange);
}

TEST_F(PartitionLogTest, ReadStopsAtMaxBytesOnBatchBoundary) {
  auto log = OpenLog(LogConfig{});
  std::vector<int64_t> sizes;
  for (int i = 0; i < 10; ++i) {
    std::vector<uint8_t> b = MakeSimpleBatch(3, 1);
    sizes.push_back(static_cast<int64_t>(b.size()));
    MustAppend(*log, b);
  }
  int64_t three = sizes[0] + sizes[1] + sizes[2];
  Result<ReadResult> r = log->Read(Offset(0), three + sizes[3] - 1, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->bytes, three);
  EXPECT_EQ(testing::BatchHeaders(RegionBytes(*r)).size(), 3u);
}

TEST_F(PartitionLogTest, FirstBatchLargerThanMaxBytesIsReturnedWholeWithMinOneBatch) {
  auto log = OpenLog(LogConfig{});
  std::vector<uint8_t> b = MakeSimpleBatch(50, 1);
  int64_t size = static_cast<int64_t>(b.size());
  MustAppend(*log, b);
  MustAppend(*log, MakeSimpleBatch(50, 1));
  Result<ReadResult> r = log->Read(Offset(0), 10, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->bytes, size);
  Result<ReadResult> none = log->Read(Offset(0), 10, false);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->bytes, 0);
}

TEST_F(PartitionLogTest, SegmentRollsAtSegmentBytesAndReadsSpanAllSegments) {
  LogConfig c;
  c.segment_bytes = 1000;
  auto log = OpenLog(c);
  for (int i = 0; i < 40; ++i)
    MustAppend(*log, MakeSimpleBatch(3, 1, "v" + std::to_string(i) + "-"));
  EXPECT_GE(log->segment_count(), 4);
  std::vector<testing::DecodedRecord> all = ReadAll(*log, Offset(0));
  ASSERT_EQ(all.size(), 120u);
  for (int i = 0; i < 120; ++i) {
    EXPECT_EQ(all[i].offset, Offset(i));
    EXPECT_EQ(all[i].value, "v" + std::to_string(i / 3) + "-" + std::to_string(i % 3));
  }
  // Each segment is named after its first offset and stays under segment.bytes.
  for (const auto& e : std::filesystem::directory_iterator(dir_.Sub("t-0"))) {
    if (e.path().extension() == ".log") {
      EXPECT_LE(static_cast<int64_t>(e.file_size()), 1000);
    }
  }
}

TEST_F(PartitionLogTest, ReadEndsAtSegmentEnd) {
  LogConfig c;
  c.segment_bytes = 500;
  auto log = OpenLog(c);
  for (int i = 0; i < 10; ++i) MustAppend(*log, MakeSimpleBatch(3, 1));
  Result<ReadResult> r = log->Read(Offset(0), 1 << 20, true);
  ASSERT_TRUE(r.ok());
  EXPECT_LE(r->bytes, 500);
  EXPECT_EQ(r->regions.size(), 1u);
}

TEST_F(PartitionLogTest, PayloadLargerThanSegmentBytesIsRejected) {
  LogConfig c;
  c.segment_bytes = 200;
  auto log = OpenLog(c);
  EXPECT_EQ(AppendBytes(*log, MakeSimpleBatch(30, 1)).status().code(),
            ErrorCode::kRecordListTooLarge);
}

TEST_F(PartitionLogTest, SegmentRollsAtSegmentMsByBatchTimestamps) {
  LogConfig c;
  c.segment_ms = 1000;
  auto log = OpenLog(c);
  MustAppend(*log, MakeSimpleBatch(1, 10'000));
  MustAppend(*log, MakeSimpleBatch(1, 10'900));
  EXPECT_EQ(log->segment_count(), 1);
  MustAppend(*log, MakeSimpleBatch(1, 11'001));
  EXPECT_EQ(log->segment_count(), 2);
  EXPECT_TRUE(std::filesystem::exists(SegmentPath(dir_.Sub("t-0"), Offset(2), ".log")));
}

TEST_F(PartitionLogTest, SegmentRollsWhenIndexIsFull) {
  LogConfig c;
  c.index_interval_bytes = 1;  // an index entry for every batch after the first
  c.segment_index_bytes = 8 * 12;
  auto log = OpenLog(c);
  for (int i = 0; i < 30; ++i) MustAppend(*log, MakeSimpleBatch(1, 1));
  EXPECT_GT(log->segment_count(), 2);
  EXPECT_EQ(ReadAll(*log, Offset(0)).size(), 30u);
}

TEST_F(PartitionLogTest, LogAppendTimeStampsBrokerTime) {
  LogConfig c;
  c.log_append_time = true;
  auto log = OpenLog(c);
  AppendInfo a = MustAppend(*log, MakeSimpleBatch(2, 5));
  EXPECT_EQ(a.log_append_time_ms, clock_.NowMs());
  for (const auto& r : ReadAll(*log, Offset(0))) EXPECT_EQ(r.timestamp, clock_.NowMs());
}

TEST_F(PartitionLogTest, ReopenAfterCleanCloseKeepsEverything) {
  LogConfig c;
  c.segment_bytes = 700;
  {
    auto log = OpenLog(c);
    for (int i = 0; i < 20; ++i) MustAppend(*log, MakeSimpleBatch(2, 1000 + i));
    ASSERT_TRUE(log->Close().ok());
    EXPECT_EQ(AppendBytes(*log, MakeSimpleBatch(1, 1)).status().code(),
              ErrorCode::kNotLeaderOrFollower);
  }
  auto log = OpenLog(c, /*clean=*/true);
  EXPECT_EQ(log->log_end_offset(), Offset(40));
  EXPECT_EQ(log->recovery_stats().segments_recovered, 0);
  EXPECT_EQ(ReadAll(*log, Offset(0)).size(), 40u);
  EXPECT_EQ(MustAppend(*log, MakeSimpleBatch(1, 1)).base_offset, Offset(40));
}

TEST_F(PartitionLogTest, AppendListenersRunAfterEachAppendUntilRemoved) {
  auto log = OpenLog(LogConfig{});
  std::atomic<int> calls{0};
  uint64_t id = log->AddAppendListener([&] { calls++; });
  MustAppend(*log, MakeSimpleBatch(1, 1));
  MustAppend(*log, MakeSimpleBatch(1, 1));
  EXPECT_EQ(calls.load(), 2);
  log->RemoveAppendListener(id);
  MustAppend(*log, MakeSimpleBatch(1, 1));
  EXPECT_EQ(calls.load(), 2);
}

TEST_F(PartitionLogTest, RejectedAppendDoesNotWakeListeners) {
  auto log = OpenLog(LogConfig{});
  int calls = 0;
  log->AddAppendListener([&] { calls++; });
  std::vector<uint8_t> bad = MakeSimpleBatch(1, 1);
  bad[16] = 7;
  EXPECT_FALSE(log->Append(bad).ok());
  EXPECT_EQ(calls, 0);
}

TEST_F(PartitionLogTest, ConcurrentAppendsAndReadsSeeConsistentLog) {
  LogConfig c;
  c.segment_bytes = 4000;
  auto log = OpenLog(c);
  constexpr int kThreads = 4, kPerThread = 200;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done.load()) {
      Offset hw = log->high_watermark();
      if (hw == Offset(0)) continue;
      Result<ReadResult> r = log->Read(hw - 1, 1 << 16, true);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      std::vector<BatchHeader> hs = testing::BatchHeaders(RegionBytes(*r));
      ASSERT_FALSE(hs.empty());
      EXPECT_LE(hs.back().next_offset(), r->high_watermark);
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i)
        ASSERT_TRUE(AppendBytes(*log, MakeSimpleBatch(2, 1)).ok());
    });
  }
  for (auto& w : writers) w.join();
  done = true;
  reader.join();
  std::vector<testing::DecodedRecord> all = ReadAll(*log, Offset(0));
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread * 2));
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].offset, Offset(static_cast<int64_t>(i)));
}

TEST_F(PartitionLogTest, SyncAdvancesFlushedOffset) {
  auto log = OpenLog(LogConfig{});
  MustAppend(*log, MakeSimpleBatch(3, 1));
  EXPECT_EQ(log->flushed_offset(), Offset(0));
  ASSERT_TRUE(log->Sync().ok());
  EXPECT_EQ(log->flushed_offset(), Offset(3));
}

TEST_F(PartitionLogTest, UpdateConfigAppliesToLaterAppends) {
  auto log = OpenLog(LogConfig{});
  std::vector<uint8_t> b = MakeSimpleBatch(20, 1);
  LogConfig c;
  c.max_message_bytes = 100;
  log->UpdateConfig(c);
  EXPECT_EQ(log->Append(b).status().code(), ErrorCode::kMessageTooLarge);
  EXPECT_EQ(log->config().max_message_bytes, 100);
}

}  // namespace
}  // namespace gregor::storage
