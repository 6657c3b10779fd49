#include "broker/handlers/offset_delete.h"

#include "broker/broker.h"
#include "protocol/messages/offset_delete_request.h"
#include "protocol/messages/offset_delete_response.h"

namespace gregor::broker {
namespace {

using protocol::OffsetDeleteRequest;
using protocol::OffsetDeleteResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 0;

void Handle(RequestContext ctx, OffsetDeleteRequest request) {
  Broker& broker = *ctx.broker;
  auto response = std::make_shared<OffsetDeleteResponse>();
  std::vector<group::TopicPartition> partitions;
  std::vector<int16_t*> slots;
  for (auto& t : request.topics) {
    OffsetDeleteResponse::OffsetDeleteResponseTopic& rt = response->topics.emplace_back();
    rt.name = t.name;
    auto topic = broker.metadata().Find(t.name);
    for (auto& p : t.partitions) {
      OffsetDeleteResponse::OffsetDeleteResponsePartition& rp = rt.partitions.emplace_back();
      rp.partition_index = p.partition_index;
      if (!cluster::HasPartition(topic.get(), p.partition_index)) {
        rp.error_code = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
        continue;
      }
      partitions.push_back({t.name, PartitionId(p.partition_index)});
      slots.push_back(&rp.error_code);
    }
  }
  auto held = std::make_shared<RequestContext>(std::move(ctx));
  broker.groups().DeleteOffsets(request.group_id, std::move(partitions),
                                [held, response, slots](group::OffsetDeleteResult r) {
                                  if (r.error != ErrorCode::kNone) {
                                    OffsetDeleteResponse failed;
                                    failed.error_code = static_cast<int16_t>(r.error);
                                    SendResponse(*held, failed);
                                    return;
                                  }
                                  for (size_t i = 0; i < slots.size() && i < r.partitions.size();
                                       ++i) {
                                    *slots[i] = static_cast<int16_t>(r.partitions[i]);
                                  }
                                  SendResponse(*held, *response);
                                });
}

}  // namespace

HandlerEntry OffsetDeleteHandler() {
  return {OffsetDeleteRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<OffsetDeleteRequest, &Handle>};
}

}  // namespace gregor::broker
