#pragma once

// Idempotence and transaction state of one partition (Kafka's ProducerStateManager).
//
// For every producer id that wrote to the partition: its epoch, the sequence ranges and
// offsets of its last kBatchesToRetain batches, and the first offset of its open
// transaction. From these follow the rules of an idempotent append (Kafka's
// ProducerAppendInfo), checked under the partition lock before a batch is written:
//   - a batch equal to one of the retained five (same epoch, first and last sequence) is a
//     duplicate: nothing is written and the append answers the original offsets;
//   - same epoch: its first sequence must follow the last one (wrapping at INT32_MAX),
//     else OUT_OF_ORDER_SEQUENCE_NUMBER;
//   - a newer epoch must start at sequence 0, else OUT_OF_ORDER_SEQUENCE_NUMBER;
//   - an older epoch gets INVALID_PRODUCER_EPOCH;
//   - a producer without state here (new, expired after producer.id.expiration.ms, or its
//     records removed by retention or DeleteRecords) starts at sequence 0; any other
//     sequence gets UNKNOWN_PRODUCER_ID, so the client resets it (KIP-360) instead of the
//     broker accepting what may be a retry of a batch it has forgotten;
//   - a transactional producer with an open transaction may not write non-transactional
//     batches (INVALID_TXN_STATE).
// Transaction markers (control batches, only from the coordinator) close the producer's
// open transaction; an abort adds it to the aborted-transaction index.
//
// The last stable offset is the first offset of the oldest open transaction, or the high
// watermark when none is open. Fetch with read_committed stops there and returns the
// aborted transactions overlapping what it read, so clients drop their records.
//
// Not thread-safe: PartitionLog calls it under its partition lock (exclusive to change,
// shared to read). Snapshots (producer_snapshot.h) persist it.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"
#include "base/types.h"
#include "storage/record_batch.h"

namespace gregor::storage {

// Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN: clients keep at most five requests
// in flight per partition, so a retry is always among the last five.
inline constexpr int kBatchesToRetain = 5;
inline constexpr int32_t kNoSequence = -1;

// The control record of a transaction marker (Kafka's EndTransactionMarker): key =
// version int16 (0) + type int16; value = version int16 (0) + coordinator epoch int32.
enum class ControlType : int16_t { kAbort = 0, kCommit = 1 };

// The marker type of a control batch's first record, or nullopt if the batch is not an
// uncompressed control batch whose first record has a 4-byte marker key.
std::optional<ControlType> ParseControlType(std::span<const uint8_t> batch);

// A transaction marker batch (control + transactional, one record, no sequence) for the
// coordinator to append with AppendOrigin::kCoordinator. Errors: as BatchBuilder::Build.
Result<std::vector<uint8_t>> MakeMarkerBatch(ProducerId producer_id, ProducerEpoch epoch,
                                             ControlType type, int32_t coordinator_epoch,
                                             int64_t timestamp_ms);

struct BatchMetadata {
  int32_t first_seq = kNoSequence;
  int32_t last_seq = kNoSequence;
  Offset first_offset{-1};
  Offset last_offset{-1};
  int64_t max_timestamp = -1;
};

struct ProducerEntry {
  ProducerEpoch epoch{-1};
  int32_t coordinator_epoch = -1;
  Offset txn_first_offset{-1};  // -1: no open transaction
  int64_t last_timestamp = -1;  // MaxTimestamp of the last batch (DescribeProducers)
  int64_t last_append_ms = 0;   // broker wall clock of the last write (expiration)
  // Ring of the last batches, oldest first from `head`.
  std::array<BatchMetadata, kBatchesToRetain> batches{};
  int8_t batch_count = 0;
  int8_t head = 0;

  const BatchMetadata& batch(int i) const { return batches[(head + i) % kBatchesToRetain]; }
  const BatchMetadata* last_batch() const {
    return batch_count == 0 ? nullptr : &batch(batch_count - 1);
  }
  int32_t last_seq() const { return batch_count == 0 ? kNoSequence : last_batch()->last_seq; }
  Offset last_offset() const { return batch_count == 0 ? Offset(-1) : last_batch()->last_offset; }
  void AddBatch(const BatchMetadata& b);
  void ClearBatches() { batch_count = head = 0; }
};

struct AbortedTxn {
  ProducerId producer_id;
  Offset first_offset;
  Offset last_offset;  // the abort marker
  bool operator==(const AbortedTxn&) const = default;
};

// One producer as DescribeProducers reports it.
struct ProducerInfo {
  ProducerId producer_id;
  ProducerEpoch epoch;
  int32_t last_sequence = kNoSequence;
  int64_t last_timestamp = -1;
  int32_t coordinator_epoch = -1;
  Offset txn_first_offset{-1};
};

// Changes validated for one append, applied only once the bytes are written.
class StagedProducerUpdates {
 public:
  bool empty() const { return entries_.empty(); }

 private:
  friend class ProducerStateManager;
  ProducerEntry* Find(ProducerId id);
  std::vector<std::pair<ProducerId, ProducerEntry>> entries_;
  std::vector<std::pair<Offset, ProducerId>> txns_started_;
  std::vector<std::pair<ProducerId, Offset>> txns_ended_;  // first offsets
  std::vector<AbortedTxn> aborted_;
};

class ProducerStateManager {
 public:
  // The batch repeats one already in the log: answer with its offsets.
  struct Duplicate {
    Offset first_offset;
    Offset last_offset;
  };

  // Validates one batch about to be written at [first_offset, first_offset +
  // LastOffsetDelta], against the state plus what `staged` holds from earlier batches of
  // the same append, and stages its effect. `control` is the marker type of a control
  // batch. Returns a Duplicate (nothing staged) or nullopt.
  // Errors: kOutOfOrderSequenceNumber, kInvalidProducerEpoch, kUnknownProducerId,
  // kInvalidTxnState (see the top of this file); kInvalidRecord for a control batch
  // without a marker.
  Result<std::optional<Duplicate>> Stage(const BatchHeader& h, Offset first_offset,
                                         AppendOrigin origin, std::optional<ControlType> control,
                                         int64_t now_ms, StagedProducerUpdates* staged) const;
  void Commit(StagedProducerUpdates&& staged);

  // Recovery: applies a batch found in the log without validating it.
  void Replay(const BatchHeader& h, std::optional<ControlType> control, int64_t now_ms);

  // The first offset of the oldest open transaction.
  std::optional<Offset> first_unstable_offset() const;
  // Aborted transactions with a marker at or after `from` and a first offset below `upto`,
  // by marker offset.
  std::vector<AbortedTxn> AbortedTransactions(Offset from, Offset upto) const;

  // The log start moved to `log_start`: forgets producers whose last write and aborted
  // transactions whose marker lie below it (Kafka's truncateHead).
  void TruncateHead(Offset log_start);
  // Forgets producers without an open transaction whose last write is at least
  // `expiration_ms` old (producer.id.expiration.ms). Returns how many.
  int ExpireProducers(int64_t now_ms, int64_t expiration_ms);

  const ProducerEntry* Find(ProducerId id) const;
  std::vector<ProducerInfo> ActiveProducers() const;
  size_t producer_count() const { return producers_.size(); }

  // ---- for snapshots (producer_snapshot.h)
  const std::unordered_map<ProducerId, ProducerEntry>& producers() const { return producers_; }
  const std::vector<AbortedTxn>& aborted() const { return aborted_; }
  // Replaces the whole state. REQUIRES: `aborted` ordered by marker offset.
  void Reset(std::unordered_map<ProducerId, ProducerEntry> producers,
             std::vector<AbortedTxn> aborted);

 private:
  // Stages the effect of a batch (validated or replayed) written at `first_offset`.
  void Apply(const BatchHeader& h, Offset first_offset, std::optional<ControlType> control,
             int64_t now_ms, StagedProducerUpdates* staged) const;

  std::unordered_map<ProducerId, ProducerEntry> producers_;
  // Open transactions by first offset: the oldest bounds the last stable offset.
  std::map<Offset, ProducerId> open_txns_;
  std::vector<AbortedTxn> aborted_;  // by marker offset
};

}  // namespace gregor::storage
