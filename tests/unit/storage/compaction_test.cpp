#include <gtest/gtest.h>

#include <set>

#include "log_fixture.h"
#include "storage/file_names.h"
#include "storage/producer_state.h"

namespace gregor::storage {
namespace {

using testing::DecodedRecord;
using testing::MakeBatch;
using testing::ReadAll;
using testing::TestRecord;

class CompactionTest : public testing::LogFixture {
 protected:
  LogConfig Compacted() {
    LogConfig c;
    c.cleanup_compact = true;
    c.cleanup_delete = false;
    c.segment_ms = 500;  // each Roll() below starts a new segment
    c.delete_retention_ms = 10000;
    return c;
  }
  void Put(PartitionLog& log, std::vector<std::pair<std::string, std::optional<std::string>>> kvs,
           Compression compression = Compression::kNone) {
    std::vector<TestRecord> records;
    for (auto& [k, v] : kvs) records.push_back({k, v, clock_.NowMs(), {}});
    Append(log, MakeBatch(records, compression));
  }
  void Roll() { clock_.AdvanceMs(1000); }
  // A transactional batch of producer `pid` (epoch 0) starting at sequence `seq`.
  void TxnPut(PartitionLog& log, int64_t pid, int32_t seq,
              std::vector<std::pair<std::string, std::string>> kvs) {
    BatchOptions o;
    o.producer_id = ProducerId(pid);
    o.producer_epoch = ProducerEpoch(0);
    o.base_sequence = seq;
    o.transactional = true;
    o.base_timestamp = clock_.NowMs();
    BatchBuilder b(o);
    for (auto& [k, v] : kvs) b.Add(clock_.NowMs(), k, v);
    Append(log, *b.Build());
  }
  void Marker(PartitionLog& log, int64_t pid, ControlType type) {
    std::vector<uint8_t> marker =
        *MakeMarkerBatch(ProducerId(pid), ProducerEpoch(0), type, 0, clock_.NowMs());
    Result<AppendInfo> r = log.Append(marker, AppendOrigin::kCoordinator);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  static std::vector<std::string> Summary(const std::vector<DecodedRecord>& records) {
    std::vector<std::string> out;
    for (const auto& r : records) {
      out.push_back(std::to_string(r.offset.value()) + ":" + r.key.value_or("null") + "=" +
                    r.value.value_or("TOMBSTONE"));
    }
    return out;
  }
};

TEST_F(CompactionTest, KeepsLatestValuePerKeyAndOriginalOffsets) {
  auto log = OpenLog(Compacted());
  Put(*log, {{"k0", "a0"}, {"k1", "a1"}, {"k2", "a2"}});  // 0-2
  Roll();
  Put(*log, {{"k0", "b0"}, {"k1", std::nullopt}});  // 3-4
  Roll();
  Put(*log, {{"k2", "c2"}});  // 5
  Roll();
  Put(*log, {{"k0", "d0"}});  // 6, active segment
  Roll();
  ASSERT_EQ(log->segment_count(), 4);
  Result<CompactionStats> stats = log->Compact();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->records_removed, 3);
  EXPECT_EQ(Summary(ReadAll(*log, Offset(0))),
            (std::vector<std::string>{"3:k0=b0", "4:k1=TOMBSTONE", "5:k2=c2", "6:k0=d0"}));
  EXPECT_EQ(log->log_start_offset(), Offset(0));
  EXPECT_EQ(log->log_end_offset(), Offset(7));
}

TEST_F(CompactionTest, TombstonesDroppedOnlyAfterDeleteRetention) {
  auto log = OpenLog(Compacted());
  Put(*log, {{"k1", "v"}});
  Roll();
  Put(*log, {{"k1", std::nullopt}});
  Roll();
  Put(*log, {{"other", "x"}});  // active
  ASSERT_TRUE(log->Compact().ok());
  EXPECT_EQ(Summary(ReadAll(*log, Offset(0))),
            (std::vector<std::string>{"1:k1=TOMBSTONE", "2:other=x"}));
  clock_.AdvanceMs(5000);
  ASSERT_TRUE(log->Compact().ok());
  EXPECT_EQ(Summary(ReadAll(*log, Offset(0))).size(), 2u);  // 6 s old: kept
  clock_.AdvanceMs(5000);
  ASSERT_TRUE(log->Compact().ok());
  EXPECT_EQ(Summary(ReadAll(*log, Offset(0))), (std::vector<std::string>{"2:other=x"}));
}

TEST_F(CompactionTest, ActiveSegmentIsNeverCompacted) {
  auto log = OpenLog(Compacted());
  Put(*log, {{"k", "1"}});
  Put(*log, {{"k", "2"}});
  Put(*log, {{"k", "3"}});
  ASSERT_EQ(log->segment_count(), 1);
  ASSERT_TRUE(log->Compact().ok());
  EXPECT_EQ(ReadAll(*log, Offset(0)).size(), 3u);
}

TEST_F(CompactionTest, MinCompactionLagProtectsRecentSegments) {
  LogConfig c = Compacted();
  c.min_compaction_lag_ms = 5000;
  auto log = OpenLog(c);
  Put(*log, {{"k", "1"}});
  Roll();
  Put(*log, {{"k", "2"}});
  Roll();
  Put(*log, {{"x", "active"}});
  Result<CompactionStats> stats = log->Compact();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->records_removed, 0);
  clock_.AdvanceMs(5000);
  ASSERT_TRUE(log->Compact().ok());
  EXPECT_EQ(Summary(ReadAll(*log, Offset(0))), (std::vector<std::string>{"1:k=2", "2:x=active"}));
}

TEST_F(CompactionTest, UntouchedCompressedBatchIsCopiedVerbatimAndFilteredOneReencoded) {
  auto log = OpenLog(Compacted());
  Put(*log, {{"a", "1"}, {"b", "1"}}, Compression::kZstd);  // 0-1: loses a
  Roll();
  Put(*log, {{"a", "2"}, {"c", "1"}}, Compression::kGzip);  // 2-3: untouched
  Roll();
  Put(*log, {{"z", "active"}});
  Result<ReadResult> before = log->Read(Offset(2), 1 << 20, true);
  std::vector<uint8_t> untouched = testing::RegionBytes(*before);
  ASSERT_TRUE(log->Compact().ok());
  Result<ReadResult> first = log->Read(Offset(0), 1 << 20, true);
  std::vector<BatchHeader> h = testing::BatchHeaders(testing::RegionBytes(*first));
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].compression(), Compression::kNone);
  EXPECT_EQ(h[0].base_offset, Offset(0));
  EXPECT_EQ(h[0].last_offset(), Offset(1));  // still spans its original offsets
  EXPECT_EQ(h[0].record_count, 1);
  EXPECT_EQ(testing::RegionBytes(*log->Read(Offset(2), 1 << 20, true)), untouched);
  EXPECT_EQ(Summary(ReadAll(*log, Offset(0))),
            (std::vector<std::string>{"1:b=1", "2:a=2", "3:c=1", "4:z=active"}));
}

TEST_F(CompactionTest, ReadInsideRemovedRangeStartsAtNextBatch) {
  auto log = OpenLog(Compacted());
  Put(*log, {{"k", "1"}, {"k", "2"}});
  Roll();
  Put(*log, {{"k", "3"}});
  Roll();
  Put(*log, {{"z", "active"}});
  ASSERT_TRUE(log->Compact().ok());
  Result<ReadResult> r = log->Read(Offset(0), 1 << 20, true);
  ASSERT_TRUE(r.ok());
  std::vector<BatchHeader> h = testing::BatchHeaders(testing::RegionBytes(*r));
  ASSERT_FALSE(h.empty());
  EXPECT_EQ(h[0].base_offset, Offset(2));
}

TEST_F(CompactionTest, CompactedLogSurvivesUncleanRestart) {
  std::vector<std::string> expected;
  {
    auto log = OpenLog(Compacted());
    for (int round = 0; round < 4; ++round) {
      Put(*log, {{"a", "v" + std::to_string(round)}, {"b", "w" + std::to_string(round)}});
      Roll();
    }
    Put(*log, {{"z", "active"}});
    ASSERT_TRUE(log->Compact().ok());
    expected = Summary(ReadAll(*log, Offset(0)));
    ASSERT_TRUE(log->Sync().ok());
  }
  EXPECT_EQ(expected, (std::vector<std::string>{"6:a=v3", "7:b=w3", "8:z=active"}));
  EXPECT_TRUE(FilesWithSuffix(".cleaned").empty());
  auto log = OpenLog(Compacted(), /*clean=*/false);
  EXPECT_EQ(Summary(ReadAll(*log, Offset(0))), expected);
  EXPECT_EQ(log->log_end_offset(), Offset(9));
}

TEST_F(CompactionTest, HeadersAndNullKeysSurviveReencoding) {
  auto log = OpenLog(Compacted());
  std::vector<TestRecord> records = {
      {"k", "old", clock_.NowMs(), {}},
      {std::nullopt, "keyless", clock_.NowMs(), {{"h", "hv"}}},
  };
  Append(*log, MakeBatch(records));
  Roll();
  Put(*log, {{"k", "new"}});
  Roll();
  Put(*log, {{"z", "active"}});
  ASSERT_TRUE(log->Compact().ok());
  Result<ReadResult> r = log->Read(Offset(0), 1 << 20, true);
  std::vector<uint8_t> bytes = testing::RegionBytes(*r);
  int seen = 0;
  ASSERT_TRUE(ForEachRecord(BatchView(std::span<const uint8_t>(bytes).first(
                                static_cast<size_t>(BatchHeader::Parse(bytes).size_bytes()))),
                            [&](const RecordView& rv) {
                              ++seen;
                              EXPECT_FALSE(rv.key.has_value());
                              EXPECT_EQ(rv.offset, Offset(1));
                              EXPECT_EQ(rv.headers.size(), 1u);
                              return true;
                            })
                  .ok());
  EXPECT_EQ(seen, 1);
}

TEST_F(CompactionTest, NothingHappensWithoutCompactPolicy) {
  LogConfig c = Compacted();
  c.cleanup_compact = false;
  auto log = OpenLog(c);
  Put(*log, {{"k", "1"}});
  Roll();
  Put(*log, {{"k", "2"}});
  ASSERT_TRUE(log->Compact().ok());
  EXPECT_EQ(ReadAll(*log, Offset(0)).size(), 2u);
}


// Data records only: `markers` are the offsets of control records.
std::vector<std::string> DataSummary(const std::vector<testing::DecodedRecord>& records,
                                     const std::set<int64_t>& markers) {
  std::vector<std::string> out;
  for (const auto& r : records) {
    if (markers.contains(r.offset.value())) continue;
    out.push_back(std::to_string(r.offset.value()) + ":" + r.key.value_or("null") + "=" +
                  r.value.value_or("TOMBSTONE"));
  }
  return out;
}

TEST_F(CompactionTest, AbortedTransactionsAreDroppedAndNeverSupersedeCommittedValues) {
  auto log = OpenLog(Compacted());
  Put(*log, {{"k", "v1"}});  // 0
  Roll();
  TxnPut(*log, 7, 0, {{"k", "aborted"}, {"j", "aborted"}});  // 1-2
  Marker(*log, 7, ControlType::kAbort);                      // 3
  TxnPut(*log, 8, 0, {{"j", "committed"}});                  // 4
  Marker(*log, 8, ControlType::kCommit);                     // 5
  Roll();
  Put(*log, {{"x", "active"}});  // 6
  ASSERT_EQ(log->segment_count(), 3);
  Result<CompactionStats> stats = log->Compact();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->records_removed, 2);  // the aborted batch; k's committed value stays
  std::vector<testing::DecodedRecord> all = ReadAll(*log, Offset(0));
  EXPECT_EQ(DataSummary(all, {3, 5}),
            (std::vector<std::string>{"0:k=v1", "4:j=committed", "6:x=active"}));
  EXPECT_EQ(all.size(), 5u);  // both markers kept
  EXPECT_EQ(log->log_end_offset(), Offset(7));
}

TEST_F(CompactionTest, StopsAtTheLastStableOffset) {
  auto log = OpenLog(Compacted());
  Put(*log, {{"k", "a"}});  // 0
  Roll();
  TxnPut(*log, 7, 0, {{"t", "open"}});  // 1, undecided
  Roll();
  Put(*log, {{"k", "b"}});  // 2
  Roll();
  Put(*log, {{"x", "active"}});  // 3
  ASSERT_EQ(log->last_stable_offset(), Offset(1));
  Result<CompactionStats> stats = log->Compact();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->records_removed, 0);  // k=b lies past the open transaction
  EXPECT_EQ(ReadAll(*log, Offset(0)).front().value, "a");
  Marker(*log, 7, ControlType::kCommit);  // 4
  stats = log->Compact();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->records_removed, 1);
  EXPECT_EQ(DataSummary(ReadAll(*log, Offset(0)), {4}),
            (std::vector<std::string>{"1:t=open", "2:k=b", "3:x=active"}));
}

TEST_F(CompactionTest, MarkerGoesWhenItsTransactionIsEmptyAndDeleteRetentionPassed) {
  auto log = OpenLog(Compacted());
  TxnPut(*log, 7, 0, {{"k", "aborted"}});   // 0
  Marker(*log, 7, ControlType::kAbort);     // 1: its records get dropped
  TxnPut(*log, 8, 0, {{"j", "old"}});       // 2
  Marker(*log, 8, ControlType::kCommit);    // 3: its record is superseded below
  TxnPut(*log, 9, 0, {{"m", "kept"}});      // 4
  Marker(*log, 9, ControlType::kCommit);    // 5: its record stays, so does it
  Roll();
  Put(*log, {{"j", "new"}});  // 6
  Roll();
  Put(*log, {{"x", "active"}});  // 7
  auto offsets = [&] {
    std::vector<int64_t> out;
    for (const auto& r : ReadAll(*log, Offset(0))) out.push_back(r.offset.value());
    return out;
  };
  Result<CompactionStats> stats = log->Compact();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->records_removed, 2);
  EXPECT_EQ(offsets(), (std::vector<int64_t>{1, 3, 4, 5, 6, 7}));  // markers young: kept
  clock_.AdvanceMs(11000);  // past delete.retention.ms (10 s)
  stats = log->Compact();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->records_removed, 2);
  EXPECT_EQ(offsets(), (std::vector<int64_t>{4, 5, 6, 7}));
}

}  // namespace
}  // namespace gregor::storage
