#include "txn/broker_participants.h"

#include <fmt/format.h>

namespace gregor::txn {

void BrokerParticipants::WriteMarker(const group::TopicPartition& partition, ProducerId producer,
                                     ProducerEpoch epoch, storage::ControlType type,
                                     std::function<void(Status)> done) {
  Result<storage::PartitionLog*> log = find_log_(partition);
  if (!log.ok()) return done(log.status());
  Result<std::vector<uint8_t>> batch =
      storage::MakeMarkerBatch(producer, epoch, type, /*coordinator_epoch=*/0, clock_.NowMs());
  if (!batch.ok()) return done(batch.status());
  Result<storage::AppendInfo> info =
      (*log)->Append(*batch, storage::AppendOrigin::kCoordinator);
  if (!info.ok()) return done(info.status());
  flusher_.RequestSync(*log, info->last_offset + 1, std::move(done));
}

void BrokerParticipants::CommitOffsets(const std::string& group_id,
                                       const std::map<group::TopicPartition, PendingOffset>& offsets,
                                       std::function<void(Status)> done) {
  group::CommitRequest request;
  request.group_id = group_id;
  request.transactional = true;
  for (const auto& [tp, o] : offsets) {
    group::OffsetCommitEntry& entry = request.offsets.emplace_back();
    entry.partition = tp;
    entry.offset = o.offset;
    entry.leader_epoch = o.leader_epoch;
    entry.metadata = o.metadata;
  }
  groups_.CommitOffsets(std::move(request), [group_id, done](std::vector<ErrorCode> errors) {
    for (ErrorCode e : errors) {
      if (e != ErrorCode::kNone) {
        return done(Status(e, fmt::format("committing the offsets of group {}", group_id)));
      }
    }
    done(Status::Ok());
  });
}

ErrorCode BrokerParticipants::ValidateGroupMember(
    const std::string& group_id, int32_t generation_id, const std::string& member_id,
    const std::optional<std::string>& group_instance_id) {
  // Kafka's doTxnCommitOffsets checks, at the moment the offsets arrive.
  std::vector<group::GroupDescription> described = groups_.DescribeGroups({group_id});
  if (described.empty()) return ErrorCode::kCoordinatorNotAvailable;
  const group::GroupDescription& g = described.front();
  if (g.error != ErrorCode::kNone) return g.error;
  if (group_instance_id.has_value()) {
    for (const group::MemberDescription& m : g.members) {
      if (m.group_instance_id == group_instance_id && m.member_id != member_id) {
        return ErrorCode::kFencedInstanceId;
      }
    }
  }
  if (!member_id.empty()) {
    bool known = false;
    for (const group::MemberDescription& m : g.members) known = known || m.member_id == member_id;
    if (!known) return ErrorCode::kUnknownMemberId;
  }
  if (generation_id >= 0 && generation_id != groups_.GenerationOf(group_id).value_or(0)) {
    return ErrorCode::kIllegalGeneration;
  }
  return ErrorCode::kNone;
}

int32_t BrokerParticipants::OffsetsPartitionFor(const std::string& group_id) {
  return groups_.PartitionFor(group_id);
}

}  // namespace gregor::txn
