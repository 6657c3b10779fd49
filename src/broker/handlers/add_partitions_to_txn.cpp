#include "broker/handlers/add_partitions_to_txn.h"

#include <set>

#include "broker/broker.h"
#include "broker/handlers/txn_errors.h"
#include "protocol/messages/add_partitions_to_txn_request.h"
#include "protocol/messages/add_partitions_to_txn_response.h"

namespace gregor::broker {
namespace {

using protocol::AddPartitionsToTxnRequest;
using protocol::AddPartitionsToTxnResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 3;

// Every partition of the request gets `error`, except those listed in `own`.
AddPartitionsToTxnResponse Respond(const AddPartitionsToTxnRequest& request, ErrorCode error,
                                   const std::set<group::TopicPartition>& own, ErrorCode own_error) {
  AddPartitionsToTxnResponse response;
  for (const auto& t : request.v3_and_below_topics) {
    auto& rt = response.results_by_topic_v3_and_below.emplace_back();
    rt.name = t.name;
    for (int32_t p : t.partitions) {
      auto& rp = rt.results_by_partition.emplace_back();
      rp.partition_index = p;
      bool is_own = own.contains({t.name, PartitionId(p)});
      rp.partition_error_code = static_cast<int16_t>(is_own ? own_error : error);
    }
  }
  return response;
}

void Handle(RequestContext ctx, AddPartitionsToTxnRequest request) {
  Broker& broker = *ctx.broker;
  std::vector<group::TopicPartition> partitions;
  std::set<group::TopicPartition> unknown;
  for (const auto& t : request.v3_and_below_topics) {
    auto topic = broker.metadata().Find(t.name);
    for (int32_t p : t.partitions) {
      group::TopicPartition tp{t.name, PartitionId(p)};
      if (!cluster::HasPartition(topic.get(), p) || topic->internal) {
        unknown.insert(tp);
      } else {
        partitions.push_back(std::move(tp));
      }
    }
  }
  if (!unknown.empty()) {
    return SendResponse(ctx, Respond(request, ErrorCode::kOperationNotAttempted, unknown,
                                     ErrorCode::kUnknownTopicOrPartition));
  }
  auto shared = std::make_shared<AddPartitionsToTxnRequest>(std::move(request));
  broker.txn().AddPartitions(
      shared->v3_and_below_transactional_id, ProducerId(shared->v3_and_below_producer_id),
      ProducerEpoch(shared->v3_and_below_producer_epoch), std::move(partitions),
      [ctx, shared](ErrorCode e) {
        SendResponse(ctx, Respond(*shared, FencedForVersion(e, ctx.api_version, 2), {}, ErrorCode::kNone));
      });
}

}  // namespace

HandlerEntry AddPartitionsToTxnHandler() {
  return {AddPartitionsToTxnRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<AddPartitionsToTxnRequest, &Handle>};
}

}  // namespace gregor::broker
