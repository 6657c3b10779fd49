#pragma once

// Records of the internal compacted topic __transaction_state: one record per change of a
// transactional id's state; the latest record of an id is its state, a tombstone (null
// value) removes it (expiry). Replaying the topic in offset order rebuilds the coordinator.
//
// Every field is big-endian; string = int16 length + UTF-8; nullable string: length -1 =
// null; arrays = int32 count + elements.
//
//   key (Apache Kafka's TransactionLogKey v0):
//     version            int16   0
//     transactional_id   string
//
//   value (Gregor's own layout, version 100; Kafka's TransactionLogValue uses 0 and 1, so
//   neither can mistake the other's records):
//     version              int16   100
//     producer_id          int64
//     last_producer_id     int64   the id before the epoch ran out (-1 none)
//     producer_epoch       int16
//     last_producer_epoch  int16   the epoch before the last bump (-1 none), so a retried
//                                  InitProducerId gets the same answer (KIP-360)
//     timeout_ms           int32
//     state                int8    TxnState (txn_state.h)
//     start_ms             int64   when the transaction began (-1 none), wall clock
//     last_update_ms       int64   wall clock
//     partitions           array of { topic string, partitions array of int32 }
//     pending offsets      array of { group string, offsets array of
//                                     { topic string, partition int32, offset int64,
//                                       leader_epoch int32, metadata nullable string } }
//                          TxnOffsetCommit's offsets, made the group's committed offsets
//                          when the transaction commits (dropped when it aborts).
//
// Decoding never trusts the bytes: a truncated record, an unknown version, an unknown
// state byte or trailing bytes is kCorruptMessage (the loader logs and skips it).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/types.h"
#include "group/api.h"
#include "txn/txn_state.h"

namespace gregor::txn {

inline constexpr int16_t kTxnKeyVersion = 0;
inline constexpr int16_t kTxnValueVersion = 100;

struct PendingOffset {
  Offset offset;
  LeaderEpoch leader_epoch{-1};
  std::optional<std::string> metadata;
  bool operator==(const PendingOffset&) const = default;
};

// What a record says about one transactional id.
struct TxnRecord {
  ProducerId producer_id{-1};
  ProducerId last_producer_id{-1};
  ProducerEpoch producer_epoch{-1};
  ProducerEpoch last_producer_epoch{-1};
  int32_t timeout_ms = 0;
  TxnState state = TxnState::kEmpty;
  int64_t start_ms = -1;
  int64_t last_update_ms = -1;
  std::set<group::TopicPartition> partitions;
  // group -> partition -> offset
  std::map<std::string, std::map<group::TopicPartition, PendingOffset>> offsets;
  bool operator==(const TxnRecord&) const = default;
};

std::vector<uint8_t> EncodeTxnKey(const std::string& transactional_id);
std::vector<uint8_t> EncodeTxnValue(const TxnRecord& record);
// Errors: kCorruptMessage.
Result<std::string> DecodeTxnKey(std::span<const uint8_t> key);
Result<TxnRecord> DecodeTxnValue(std::span<const uint8_t> value);

}  // namespace gregor::txn
