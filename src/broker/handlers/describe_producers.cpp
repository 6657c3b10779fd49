#include "broker/handlers/describe_producers.h"

#include "broker/broker.h"
#include "protocol/messages/describe_producers_request.h"
#include "protocol/messages/describe_producers_response.h"

namespace gregor::broker {
namespace {

using protocol::DescribeProducersRequest;
using protocol::DescribeProducersResponse;

void Handle(RequestContext ctx, DescribeProducersRequest request) {
  Broker& broker = *ctx.broker;
  DescribeProducersResponse response;
  for (const auto& t : request.topics) {
    auto& rt = response.topics.emplace_back();
    rt.name = t.name;
    auto topic = broker.metadata().Find(t.name);
    for (int32_t p : t.partition_indexes) {
      auto& rp = rt.partitions.emplace_back();
      rp.partition_index = p;
      if (!cluster::HasPartition(topic.get(), p)) {
        rp.error_code = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
        continue;
      }
      auto log = broker.GetPartition(*topic, PartitionId(p));
      if (!log.ok()) {
        rp.error_code = static_cast<int16_t>(log.status().code());
        rp.error_message = log.status().message();
        continue;
      }
      for (const storage::ProducerInfo& info : (*log)->ActiveProducers()) {
        auto& out = rp.active_producers.emplace_back();
        out.producer_id = info.producer_id.value();
        out.producer_epoch = info.epoch.value();
        out.last_sequence = info.last_sequence;
        out.last_timestamp = info.last_timestamp;
        out.coordinator_epoch = info.coordinator_epoch;
        out.current_txn_start_offset = info.txn_first_offset.value();
      }
    }
  }
  SendResponse(ctx, response);
}

}  // namespace

HandlerEntry DescribeProducersHandler() {
  return {DescribeProducersRequest::kApiKey, 0, 0,
          &DecodeAndHandle<DescribeProducersRequest, &Handle>};
}

}  // namespace gregor::broker
