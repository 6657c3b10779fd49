#pragma once

// What the transaction coordinator asks of the rest of the broker: writing transaction
// markers into data partitions, and handing a committed transaction's offsets to the group
// coordinator. An interface so that the coordinator's tests run on fakes whose durability
// they control; BrokerParticipants (broker_participants.h) is the real one.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/error_code.h"
#include "base/status.h"
#include "base/types.h"
#include "group/api.h"
#include "storage/producer_state.h"
#include "txn/txn_log_format.h"

namespace gregor::txn {

inline constexpr char kOffsetsTopic[] = "__consumer_offsets";
inline constexpr char kTransactionStateTopic[] = "__transaction_state";

class TxnParticipants {
 public:
  virtual ~TxnParticipants() = default;

  // Appends a transaction marker of `type` for (producer, epoch) to `partition`; `done` is
  // called once it is durable, or with the error that prevented that (possibly inline).
  // Errors: kUnknownTopicOrPartition when the partition no longer exists (the coordinator
  // then skips it, as Kafka does for deleted topics); kKafkaStorageError and others make
  // the coordinator retry later.
  virtual void WriteMarker(const group::TopicPartition& partition, ProducerId producer,
                           ProducerEpoch epoch, storage::ControlType type,
                           std::function<void(Status)> done) = 0;

  // Makes `offsets` the committed offsets of `group_id`, with no member or generation check
  // (the transaction that carried them committed). `done` once durable (possibly inline).
  virtual void CommitOffsets(const std::string& group_id,
                             const std::map<group::TopicPartition, PendingOffset>& offsets,
                             std::function<void(Status)> done) = 0;

  // TxnOffsetCommit v3+ (KIP-447): the member, generation and instance id as the group
  // coordinator knows them. kNone, kUnknownMemberId, kIllegalGeneration,
  // kFencedInstanceId, kCoordinatorLoadInProgress, kCoordinatorNotAvailable.
  virtual ErrorCode ValidateGroupMember(const std::string& group_id, int32_t generation_id,
                                        const std::string& member_id,
                                        const std::optional<std::string>& group_instance_id) = 0;

  // The __consumer_offsets partition of `group_id`, listed among the transaction's
  // partitions by AddOffsetsToTxn (as in Kafka).
  virtual int32_t OffsetsPartitionFor(const std::string& group_id) = 0;
};

}  // namespace gregor::txn
