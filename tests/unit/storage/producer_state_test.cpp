// ProducerStateManager and its snapshot format, in memory: one case per rule of
// producer_state.h and per corruption of producer_snapshot.h.

#include "storage/producer_state.h"

#include <gtest/gtest.h>

#include <limits>

#include "base/crc32c.h"
#include "storage/batch_builder.h"
#include "storage/producer_snapshot.h"
#include "storage/wire.h"

namespace gregor::storage {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

BatchHeader Header(int64_t pid, int16_t epoch, int32_t seq, int32_t count,
                   bool transactional = false) {
  BatchHeader h;
  h.producer_id = ProducerId(pid);
  h.producer_epoch = ProducerEpoch(epoch);
  h.base_sequence = seq;
  h.record_count = count;
  h.last_offset_delta = count - 1;
  h.max_timestamp = kNow;
  h.magic = 2;
  if (transactional) h.attributes |= kTransactionalFlag;
  return h;
}

BatchHeader Marker(int64_t pid, int16_t epoch) {
  BatchHeader h = Header(pid, epoch, kNoSequence, 1, true);
  h.attributes |= kControlFlag;
  return h;
}

class ProducerStateTest : public ::testing::Test {
 protected:
  // Stages and commits one client batch at the current end; returns the outcome.
  Result<std::optional<ProducerStateManager::Duplicate>> Append(const BatchHeader& h,
                                                                AppendOrigin origin =
                                                                    AppendOrigin::kClient) {
    StagedProducerUpdates staged;
    auto r = state_.Stage(h, end_, origin, std::nullopt, kNow, &staged);
    if (r.ok() && !r->has_value()) {
      state_.Commit(std::move(staged));
      end_ += int64_t{h.last_offset_delta} + 1;
    }
    return r;
  }
  ErrorCode AppendError(const BatchHeader& h) {
    auto r = Append(h);
    return r.ok() ? ErrorCode::kNone : r.status().code();
  }
  Status AppendMarker(int64_t pid, int16_t epoch, ControlType type) {
    StagedProducerUpdates staged;
    auto r = state_.Stage(Marker(pid, epoch), end_, AppendOrigin::kCoordinator, type, kNow,
                          &staged);
    if (!r.ok()) return r.status();
    state_.Commit(std::move(staged));
    end_ += 1;
    return Status::Ok();
  }

  ProducerStateManager state_;
  Offset end_{0};
};

TEST_F(ProducerStateTest, NewProducerStartsAtSequenceZero) {
  EXPECT_EQ(AppendError(Header(7, 0, 0, 3)), ErrorCode::kNone);
  EXPECT_EQ(state_.Find(ProducerId(7))->last_seq(), 2);
  EXPECT_EQ(AppendError(Header(7, 0, 3, 2)), ErrorCode::kNone);
  EXPECT_EQ(state_.Find(ProducerId(7))->last_seq(), 4);
}

TEST_F(ProducerStateTest, UnknownProducerWithNonZeroSequenceIsUnknownProducerId) {
  EXPECT_EQ(AppendError(Header(7, 0, 5, 1)), ErrorCode::kUnknownProducerId);
  EXPECT_EQ(state_.Find(ProducerId(7)), nullptr);
}

TEST_F(ProducerStateTest, GapIsOutOfOrder) {
  ASSERT_EQ(AppendError(Header(7, 0, 0, 2)), ErrorCode::kNone);
  EXPECT_EQ(AppendError(Header(7, 0, 3, 1)), ErrorCode::kOutOfOrderSequenceNumber);
  EXPECT_EQ(AppendError(Header(7, 0, 1, 1)), ErrorCode::kOutOfOrderSequenceNumber);
}

TEST_F(ProducerStateTest, EachOfTheLastFiveBatchesIsADuplicateWithItsOffsets) {
  for (int i = 0; i < 6; ++i) ASSERT_EQ(AppendError(Header(7, 0, i * 2, 2)), ErrorCode::kNone);
  // Batches 1..5 (sequences 2..11, offsets 2..11) are retained; batch 0 is not.
  for (int i = 1; i < 6; ++i) {
    auto r = Append(Header(7, 0, i * 2, 2));
    ASSERT_TRUE(r.ok()) << i;
    ASSERT_TRUE(r->has_value()) << i;
    EXPECT_EQ((*r)->first_offset, Offset(i * 2));
    EXPECT_EQ((*r)->last_offset, Offset(i * 2 + 1));
  }
  EXPECT_EQ(AppendError(Header(7, 0, 0, 2)), ErrorCode::kOutOfOrderSequenceNumber);
  EXPECT_EQ(end_, Offset(12));  // no duplicate was written
}

TEST_F(ProducerStateTest, DuplicateMustMatchTheWholeSequenceRange) {
  ASSERT_EQ(AppendError(Header(7, 0, 0, 3)), ErrorCode::kNone);
  EXPECT_EQ(AppendError(Header(7, 0, 0, 2)), ErrorCode::kOutOfOrderSequenceNumber);
}

TEST_F(ProducerStateTest, OlderEpochIsInvalidProducerEpoch) {
  ASSERT_EQ(AppendError(Header(7, 3, 0, 1)), ErrorCode::kNone);
  EXPECT_EQ(AppendError(Header(7, 2, 1, 1)), ErrorCode::kInvalidProducerEpoch);
  // Even a batch that repeats one of the old epoch's.
  EXPECT_EQ(AppendError(Header(7, 2, 0, 1)), ErrorCode::kInvalidProducerEpoch);
}

TEST_F(ProducerStateTest, NewerEpochMustStartAtZero) {
  ASSERT_EQ(AppendError(Header(7, 0, 0, 5)), ErrorCode::kNone);
  EXPECT_EQ(AppendError(Header(7, 1, 5, 1)), ErrorCode::kOutOfOrderSequenceNumber);
  EXPECT_EQ(AppendError(Header(7, 1, 0, 1)), ErrorCode::kNone);
  EXPECT_EQ(state_.Find(ProducerId(7))->epoch, ProducerEpoch(1));
  // The old epoch's batches are forgotten: no duplicate of them in the new epoch.
  EXPECT_EQ(state_.Find(ProducerId(7))->batch_count, 1);
}

TEST_F(ProducerStateTest, SequenceWrapsAtInt32Max) {
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  ProducerEntry e;
  e.epoch = ProducerEpoch(0);
  e.AddBatch({kMax - 1, kMax - 1, Offset(0), Offset(0), kNow});
  std::unordered_map<ProducerId, ProducerEntry> m{{ProducerId(7), e}};
  state_.Reset(std::move(m), {});
  end_ = Offset(1);
  // Two records from kMax: the last sequence wraps to 0.
  ASSERT_EQ(AppendError(Header(7, 0, kMax, 2)), ErrorCode::kNone);
  EXPECT_EQ(state_.Find(ProducerId(7))->last_seq(), 0);
  EXPECT_EQ(AppendError(Header(7, 0, 1, 1)), ErrorCode::kNone);
}

TEST_F(ProducerStateTest, BatchesOfOneAppendAreCheckedInOrder) {
  StagedProducerUpdates staged;
  ASSERT_TRUE(state_.Stage(Header(7, 0, 0, 2), Offset(0), AppendOrigin::kClient, std::nullopt,
                           kNow, &staged)
                  .ok());
  auto second = state_.Stage(Header(7, 0, 2, 1), Offset(2), AppendOrigin::kClient, std::nullopt,
                             kNow, &staged);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(state_.Find(ProducerId(7)), nullptr);  // nothing applied before Commit
  state_.Commit(std::move(staged));
  EXPECT_EQ(state_.Find(ProducerId(7))->last_seq(), 2);
}

TEST_F(ProducerStateTest, CoordinatorBatchesSkipSequenceChecks) {
  EXPECT_TRUE(Append(Header(7, 0, 9, 1), AppendOrigin::kCoordinator).ok());
}

TEST_F(ProducerStateTest, OpenTransactionBoundsTheStableOffset) {
  ASSERT_EQ(AppendError(Header(1, 0, 0, 1)), ErrorCode::kNone);        // offset 0
  ASSERT_EQ(AppendError(Header(2, 0, 0, 2, true)), ErrorCode::kNone);  // offsets 1-2
  ASSERT_EQ(AppendError(Header(3, 0, 0, 1, true)), ErrorCode::kNone);  // offset 3
  ASSERT_EQ(AppendError(Header(2, 0, 2, 1, true)), ErrorCode::kNone);  // offset 4
  EXPECT_EQ(state_.first_unstable_offset(), Offset(1));
  ASSERT_TRUE(AppendMarker(2, 0, ControlType::kCommit).ok());  // offset 5
  EXPECT_EQ(state_.first_unstable_offset(), Offset(3));
  ASSERT_TRUE(AppendMarker(3, 0, ControlType::kAbort).ok());  // offset 6
  EXPECT_EQ(state_.first_unstable_offset(), std::nullopt);
  EXPECT_EQ(state_.AbortedTransactions(Offset(0), Offset(7)),
            (std::vector<AbortedTxn>{{ProducerId(3), Offset(3), Offset(6)}}));
  EXPECT_TRUE(state_.AbortedTransactions(Offset(7), Offset(9)).empty());  // marker before
  EXPECT_TRUE(state_.AbortedTransactions(Offset(0), Offset(3)).empty());  // starts after
}

TEST_F(ProducerStateTest, NonTransactionalWriteDuringTransactionIsInvalidTxnState) {
  ASSERT_EQ(AppendError(Header(2, 0, 0, 1, true)), ErrorCode::kNone);
  EXPECT_EQ(AppendError(Header(2, 0, 1, 1, false)), ErrorCode::kInvalidTxnState);
}

TEST_F(ProducerStateTest, MarkerWithOlderEpochIsRejectedAndNewerFencesTheProducer) {
  ASSERT_EQ(AppendError(Header(2, 4, 0, 1, true)), ErrorCode::kNone);
  EXPECT_EQ(AppendMarker(2, 3, ControlType::kAbort).code(), ErrorCode::kInvalidProducerEpoch);
  // A fencing abort comes with the bumped epoch; the zombie's next batch is refused.
  ASSERT_TRUE(AppendMarker(2, 5, ControlType::kAbort).ok());
  EXPECT_EQ(AppendError(Header(2, 4, 1, 1, true)), ErrorCode::kInvalidProducerEpoch);
  EXPECT_EQ(AppendError(Header(2, 5, 0, 1, true)), ErrorCode::kNone);
}

TEST_F(ProducerStateTest, ReplayRebuildsWithoutChecks) {
  BatchHeader a = Header(7, 0, 4, 2);  // would be UNKNOWN_PRODUCER_ID from a client
  a.base_offset = Offset(10);
  state_.Replay(a, std::nullopt, kNow);
  BatchHeader t = Header(8, 1, 0, 1, true);
  t.base_offset = Offset(12);
  state_.Replay(t, std::nullopt, kNow);
  EXPECT_EQ(state_.Find(ProducerId(7))->last_seq(), 5);
  EXPECT_EQ(state_.first_unstable_offset(), Offset(12));
  BatchHeader m = Marker(8, 1);
  m.base_offset = Offset(13);
  state_.Replay(m, ControlType::kAbort, kNow);
  EXPECT_EQ(state_.first_unstable_offset(), std::nullopt);
  EXPECT_EQ(state_.aborted().size(), 1u);
}

TEST_F(ProducerStateTest, TruncateHeadForgetsProducersAndAbortsBelowTheLogStart) {
  ASSERT_EQ(AppendError(Header(1, 0, 0, 2)), ErrorCode::kNone);        // 0-1
  ASSERT_EQ(AppendError(Header(2, 0, 0, 1, true)), ErrorCode::kNone);  // 2
  ASSERT_TRUE(AppendMarker(2, 0, ControlType::kAbort).ok());           // 3
  ASSERT_EQ(AppendError(Header(3, 0, 0, 1)), ErrorCode::kNone);        // 4
  state_.TruncateHead(Offset(4));
  EXPECT_EQ(state_.Find(ProducerId(1)), nullptr);
  EXPECT_EQ(state_.Find(ProducerId(2)), nullptr);
  EXPECT_NE(state_.Find(ProducerId(3)), nullptr);
  EXPECT_TRUE(state_.aborted().empty());
  // The forgotten producer continuing its sequence is told its state is gone.
  EXPECT_EQ(AppendError(Header(1, 0, 2, 1)), ErrorCode::kUnknownProducerId);
}

TEST_F(ProducerStateTest, ExpiryForgetsIdleProducersButNotOpenTransactions) {
  ASSERT_EQ(AppendError(Header(1, 0, 0, 1)), ErrorCode::kNone);
  ASSERT_EQ(AppendError(Header(2, 0, 0, 1, true)), ErrorCode::kNone);
  EXPECT_EQ(state_.ExpireProducers(kNow + 999, 1000), 0);
  EXPECT_EQ(state_.ExpireProducers(kNow + 1000, 1000), 1);
  EXPECT_EQ(state_.Find(ProducerId(1)), nullptr);
  EXPECT_NE(state_.Find(ProducerId(2)), nullptr);
}

TEST_F(ProducerStateTest, MarkerBatchRoundTripsItsType) {
  for (ControlType type : {ControlType::kAbort, ControlType::kCommit}) {
    auto batch = MakeMarkerBatch(ProducerId(5), ProducerEpoch(2), type, 0, kNow);
    ASSERT_TRUE(batch.ok());
    EXPECT_EQ(ParseControlType(*batch), type);
    BatchHeader h = BatchHeader::Parse(*batch);
    EXPECT_TRUE(h.control());
    EXPECT_TRUE(h.transactional());
    EXPECT_EQ(h.producer_id, ProducerId(5));
    EXPECT_EQ(h.base_sequence, kNoSequence);
  }
}

TEST_F(ProducerStateTest, ParseControlTypeRejectsOtherBatches) {
  BatchOptions o;
  o.control = true;
  BatchBuilder b(o);
  b.Add(0, "too-long-key", "v");
  EXPECT_EQ(ParseControlType(*b.Build()), std::nullopt);
  auto marker = MakeMarkerBatch(ProducerId(5), ProducerEpoch(2), ControlType::kCommit, 0, kNow);
  std::vector<uint8_t> truncated(marker->begin(), marker->begin() + kBatchHeaderSize + 3);
  EXPECT_EQ(ParseControlType(truncated), std::nullopt);
}

// ---- snapshots

class ProducerSnapshotTest : public ProducerStateTest {
 protected:
  void Fill() {
    ASSERT_EQ(AppendError(Header(1, 0, 0, 2)), ErrorCode::kNone);
    for (int i = 0; i < 7; ++i) ASSERT_EQ(AppendError(Header(2, 3, i, 1)), ErrorCode::kNone);
    ASSERT_EQ(AppendError(Header(3, 0, 0, 1, true)), ErrorCode::kNone);
    ASSERT_EQ(AppendError(Header(4, 0, 0, 1, true)), ErrorCode::kNone);
    ASSERT_TRUE(AppendMarker(4, 0, ControlType::kAbort).ok());
  }
};

TEST_F(ProducerSnapshotTest, RoundTripKeepsEveryRule) {
  Fill();
  std::vector<uint8_t> bytes = EncodeProducerSnapshot(state_);
  ProducerStateManager loaded;
  ASSERT_TRUE(DecodeProducerSnapshot(bytes, &loaded).ok());
  EXPECT_EQ(loaded.producer_count(), state_.producer_count());
  EXPECT_EQ(loaded.first_unstable_offset(), state_.first_unstable_offset());
  EXPECT_EQ(loaded.aborted(), state_.aborted());
  state_ = std::move(loaded);
  // Duplicate detection and sequence continuity survive.
  auto dup = Append(Header(2, 3, 6, 1));
  ASSERT_TRUE(dup.ok() && dup->has_value());
  EXPECT_EQ((*dup)->first_offset, Offset(8));
  EXPECT_EQ(AppendError(Header(2, 3, 8, 1)), ErrorCode::kOutOfOrderSequenceNumber);
  EXPECT_EQ(AppendError(Header(2, 3, 7, 1)), ErrorCode::kNone);
}

TEST_F(ProducerSnapshotTest, EmptyStateRoundTrips) {
  ProducerStateManager loaded;
  ASSERT_TRUE(DecodeProducerSnapshot(EncodeProducerSnapshot(state_), &loaded).ok());
  EXPECT_EQ(loaded.producer_count(), 0u);
}

TEST_F(ProducerSnapshotTest, RejectsTruncation) {
  Fill();
  std::vector<uint8_t> bytes = EncodeProducerSnapshot(state_);
  for (size_t n : {size_t{0}, size_t{5}, size_t{9}, bytes.size() / 2, bytes.size() - 1}) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(n));
    ProducerStateManager loaded;
    EXPECT_EQ(DecodeProducerSnapshot(cut, &loaded).code(), ErrorCode::kCorruptMessage) << n;
  }
}

TEST_F(ProducerSnapshotTest, RejectsBadCrc) {
  Fill();
  std::vector<uint8_t> bytes = EncodeProducerSnapshot(state_);
  bytes[20] ^= 1;
  ProducerStateManager loaded;
  EXPECT_EQ(DecodeProducerSnapshot(bytes, &loaded).code(), ErrorCode::kCorruptMessage);
}

TEST_F(ProducerSnapshotTest, RejectsUnknownVersion) {
  std::vector<uint8_t> bytes = EncodeProducerSnapshot(state_);
  StoreBe16(bytes.data(), 2);
  ProducerStateManager loaded;
  EXPECT_EQ(DecodeProducerSnapshot(bytes, &loaded).code(), ErrorCode::kCorruptMessage);
}

TEST_F(ProducerSnapshotTest, RejectsTrailingBytes) {
  std::vector<uint8_t> bytes = EncodeProducerSnapshot(state_);
  bytes.push_back(0);
  // Keep the CRC right so only the trailing byte is wrong.
  StoreBe32(bytes.data() + 2, Crc32c(std::span<const uint8_t>(bytes).subspan(6)));
  ProducerStateManager loaded;
  EXPECT_EQ(DecodeProducerSnapshot(bytes, &loaded).code(), ErrorCode::kCorruptMessage);
}

}  // namespace
}  // namespace gregor::storage
