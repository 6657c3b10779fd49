#include "broker/handlers/txn_offset_commit.h"

#include <map>

#include "broker/broker.h"
#include "protocol/messages/txn_offset_commit_request.h"
#include "protocol/messages/txn_offset_commit_response.h"

namespace gregor::broker {
namespace {

using protocol::TxnOffsetCommitRequest;
using protocol::TxnOffsetCommitResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 3;

ErrorCode ForVersion(ErrorCode code, int16_t version) {
  if (version >= 3) return code;
  switch (code) {
    // The member checks only exist from v3; older clients send none that could fail.
    case ErrorCode::kUnknownMemberId:
    case ErrorCode::kIllegalGeneration:
    case ErrorCode::kFencedInstanceId:
      return ErrorCode::kInvalidProducerEpoch;
    default:
      return code;
  }
}

void Handle(RequestContext ctx, TxnOffsetCommitRequest request) {
  Broker& broker = *ctx.broker;
  int32_t max_metadata = broker.config().GetInt("offset.metadata.max.bytes");
  // Per-partition errors found here; the rest get the coordinator's answer.
  auto own = std::make_shared<std::map<std::pair<std::string, int32_t>, ErrorCode>>();
  txn::TxnOffsetCommitRequest tx;
  tx.transactional_id = request.transactional_id;
  tx.group_id = request.group_id;
  tx.producer_id = ProducerId(request.producer_id);
  tx.producer_epoch = ProducerEpoch(request.producer_epoch);
  tx.generation_id = request.generation_id;
  tx.member_id = request.member_id;
  tx.group_instance_id = request.group_instance_id;
  for (const auto& t : request.topics) {
    auto topic = broker.metadata().Find(t.name);
    for (const auto& p : t.partitions) {
      if (!cluster::HasPartition(topic.get(), p.partition_index)) {
        (*own)[{t.name, p.partition_index}] = ErrorCode::kUnknownTopicOrPartition;
        continue;
      }
      if (p.committed_metadata.has_value() &&
          p.committed_metadata->size() > static_cast<size_t>(max_metadata)) {
        (*own)[{t.name, p.partition_index}] = ErrorCode::kOffsetMetadataTooLarge;
        continue;
      }
      txn::PendingOffset o;
      o.offset = Offset(p.committed_offset);
      o.leader_epoch = LeaderEpoch(p.committed_leader_epoch);
      o.metadata = p.committed_metadata;
      tx.offsets.emplace_back(group::TopicPartition{t.name, PartitionId(p.partition_index)},
                              std::move(o));
    }
  }
  auto shared = std::make_shared<TxnOffsetCommitRequest>(std::move(request));
  auto answer = [ctx, shared, own](ErrorCode e) {
    TxnOffsetCommitResponse response;
    for (const auto& t : shared->topics) {
      auto& rt = response.topics.emplace_back();
      rt.name = t.name;
      for (const auto& p : t.partitions) {
        auto& rp = rt.partitions.emplace_back();
        rp.partition_index = p.partition_index;
        auto it = own->find({t.name, p.partition_index});
        rp.error_code =
            static_cast<int16_t>(ForVersion(it != own->end() ? it->second : e, ctx.api_version));
      }
    }
    SendResponse(ctx, response);
  };
  if (tx.offsets.empty()) return answer(ErrorCode::kNone);
  broker.txn().TxnOffsetCommit(std::move(tx), answer);
}

}  // namespace

HandlerEntry TxnOffsetCommitHandler() {
  return {TxnOffsetCommitRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<TxnOffsetCommitRequest, &Handle>};
}

}  // namespace gregor::broker
