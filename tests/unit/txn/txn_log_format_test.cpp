// __transaction_state records (txn_log_format.h) and the state table (txn_state.h): round
// trips, and one case per way a record can be bad.

#include "txn/txn_log_format.h"

#include <gtest/gtest.h>

#include "protocol/writer.h"

namespace gregor::txn {
namespace {

TxnRecord Full() {
  TxnRecord r;
  r.producer_id = ProducerId(42);
  r.last_producer_id = ProducerId(41);
  r.producer_epoch = ProducerEpoch(7);
  r.last_producer_epoch = ProducerEpoch(6);
  r.timeout_ms = 60000;
  r.state = TxnState::kPrepareCommit;
  r.start_ms = 1000;
  r.last_update_ms = 2000;
  r.partitions = {{"a", PartitionId(0)}, {"a", PartitionId(3)}, {"b", PartitionId(1)}};
  r.offsets["g"][{"in", PartitionId(2)}] = PendingOffset{Offset(99), LeaderEpoch(4), "meta"};
  r.offsets["h"][{"in", PartitionId(0)}] = PendingOffset{Offset(5), LeaderEpoch(-1), std::nullopt};
  r.offsets["empty"];
  return r;
}

TEST(TxnLogFormatTest, RoundTrips) {
  TxnRecord r = Full();
  auto decoded = DecodeTxnValue(EncodeTxnValue(r));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, r);
  auto key = DecodeTxnKey(EncodeTxnKey("my-id"));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*key, "my-id");
}

TEST(TxnLogFormatTest, KeyIsKafkasTransactionLogKeyV0) {
  std::vector<uint8_t> key = EncodeTxnKey("ab");
  EXPECT_EQ(key, (std::vector<uint8_t>{0, 0, 0, 2, 'a', 'b'}));
}

TEST(TxnLogFormatTest, RejectsTruncatedValues) {
  std::vector<uint8_t> v = EncodeTxnValue(Full());
  for (size_t n = 0; n < v.size(); n += 7) {
    std::vector<uint8_t> cut(v.begin(), v.begin() + static_cast<ptrdiff_t>(n));
    EXPECT_EQ(DecodeTxnValue(cut).status().code(), ErrorCode::kCorruptMessage) << n;
  }
}

TEST(TxnLogFormatTest, RejectsTrailingBytes) {
  std::vector<uint8_t> v = EncodeTxnValue(Full());
  v.push_back(0);
  EXPECT_EQ(DecodeTxnValue(v).status().code(), ErrorCode::kCorruptMessage);
  std::vector<uint8_t> k = EncodeTxnKey("x");
  k.push_back(0);
  EXPECT_EQ(DecodeTxnKey(k).status().code(), ErrorCode::kCorruptMessage);
}

TEST(TxnLogFormatTest, RejectsKafkasValueVersionsAndUnknownKeys) {
  for (int16_t version : {0, 1, 99, 101}) {
    std::vector<uint8_t> v = EncodeTxnValue(Full());
    v[0] = static_cast<uint8_t>(version >> 8);
    v[1] = static_cast<uint8_t>(version);
    EXPECT_EQ(DecodeTxnValue(v).status().code(), ErrorCode::kCorruptMessage) << version;
  }
  std::vector<uint8_t> k = EncodeTxnKey("x");
  k[1] = 1;
  EXPECT_EQ(DecodeTxnKey(k).status().code(), ErrorCode::kCorruptMessage);
}

TEST(TxnLogFormatTest, RejectsUnknownAndInMemoryStates) {
  for (int8_t state : {int8_t{7}, int8_t{8}, int8_t{-1}}) {
    TxnRecord r;
    std::vector<uint8_t> v = EncodeTxnValue(r);
    v[2 + 8 + 8 + 2 + 2 + 4] = static_cast<uint8_t>(state);  // after ids, epochs, timeout
    EXPECT_EQ(DecodeTxnValue(v).status().code(), ErrorCode::kCorruptMessage) << int{state};
  }
}

TEST(TxnStateTest, TransitionsFollowKafkasTable) {
  using S = TxnState;
  EXPECT_TRUE(IsValidTransition(S::kEmpty, S::kOngoing));
  EXPECT_TRUE(IsValidTransition(S::kOngoing, S::kPrepareCommit));
  EXPECT_TRUE(IsValidTransition(S::kPrepareCommit, S::kCompleteCommit));
  EXPECT_TRUE(IsValidTransition(S::kCompleteCommit, S::kOngoing));
  EXPECT_TRUE(IsValidTransition(S::kPrepareEpochFence, S::kPrepareAbort));
  EXPECT_FALSE(IsValidTransition(S::kEmpty, S::kPrepareCommit));
  EXPECT_FALSE(IsValidTransition(S::kPrepareCommit, S::kCompleteAbort));
  EXPECT_FALSE(IsValidTransition(S::kOngoing, S::kEmpty));
  EXPECT_FALSE(IsValidTransition(S::kDead, S::kEmpty));
}

TEST(TxnStateTest, NamesRoundTrip) {
  for (int8_t b = 0; b < 8; ++b) {
    auto s = TxnStateFromByte(b);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(ParseTxnStateName(TxnStateName(*s)), s);
  }
  EXPECT_EQ(TxnStateName(TxnState::kPrepareEpochFence), "PrepareEpochFence");
  EXPECT_EQ(ParseTxnStateName("ongoing"), std::nullopt);
  EXPECT_EQ(TxnStateFromByte(8), std::nullopt);
}

}  // namespace
}  // namespace gregor::txn
