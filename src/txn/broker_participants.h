#pragma once

// TxnParticipants on the real broker: markers are appended to partition logs as
// coordinator batches and made durable by the flush scheduler (group commit, as acks=all);
// a committed transaction's offsets go to the group coordinator.

#include <functional>

#include "base/clock.h"
#include "group/group_coordinator.h"
#include "storage/flush_scheduler.h"
#include "storage/partition_log.h"
#include "txn/txn_participants.h"

namespace gregor::txn {

class BrokerParticipants final : public TxnParticipants {
 public:
  // The log of an existing partition. Errors: kUnknownTopicOrPartition when the topic or
  // partition is gone.
  using FindLog = std::function<Result<storage::PartitionLog*>(const group::TopicPartition&)>;

  // REQUIRES: the scheduler, the group coordinator and the clock outlive this object.
  BrokerParticipants(FindLog find_log, storage::FlushScheduler& flusher,
                     group::GroupCoordinator& groups, Clock& clock)
      : find_log_(std::move(find_log)), flusher_(flusher), groups_(groups), clock_(clock) {}

  void WriteMarker(const group::TopicPartition& partition, ProducerId producer,
                   ProducerEpoch epoch, storage::ControlType type,
                   std::function<void(Status)> done) override;
  void CommitOffsets(const std::string& group_id,
                     const std::map<group::TopicPartition, PendingOffset>& offsets,
                     std::function<void(Status)> done) override;
  ErrorCode ValidateGroupMember(const std::string& group_id, int32_t generation_id,
                                const std::string& member_id,
                                const std::optional<std::string>& group_instance_id) override;
  int32_t OffsetsPartitionFor(const std::string& group_id) override;

 private:
  FindLog find_log_;
  storage::FlushScheduler& flusher_;
  group::GroupCoordinator& groups_;
  Clock& clock_;
};

}  // namespace gregor::txn
