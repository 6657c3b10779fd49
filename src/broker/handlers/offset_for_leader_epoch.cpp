#include "broker/handlers/offset_for_leader_epoch.h"

#include "broker/broker.h"
#include "protocol/messages/offset_for_leader_epoch_request.h"
#include "protocol/messages/offset_for_leader_epoch_response.h"
#include "storage/partition_log.h"

namespace gregor::broker {
namespace {

using protocol::OffsetForLeaderEpochRequest;
using protocol::OffsetForLeaderEpochResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 4;
constexpr int32_t kLeaderEpoch = 0;  // the only epoch a single node has had
constexpr int32_t kNoEpoch = -1;

void Handle(RequestContext ctx, OffsetForLeaderEpochRequest request) {
  OffsetForLeaderEpochResponse response;
  for (const auto& t : request.topics) {
    auto& rt = response.topics.emplace_back();
    rt.topic = t.topic;
    auto topic = ctx.broker->metadata().Find(t.topic);
    for (const auto& p : t.partitions) {
      auto& out = rt.partitions.emplace_back();
      out.partition = p.partition;
      out.leader_epoch = kNoEpoch;
      out.end_offset = -1;
      auto log = ctx.broker->FindPartition(topic.get(), p.partition);
      if (!log.ok()) {
        out.error_code = static_cast<int16_t>(log.status().code());
        continue;
      }
      if (p.current_leader_epoch != kNoEpoch && p.current_leader_epoch != kLeaderEpoch) {
        out.error_code = static_cast<int16_t>(p.current_leader_epoch < kLeaderEpoch
                                                  ? ErrorCode::kFencedLeaderEpoch
                                                  : ErrorCode::kUnknownLeaderEpoch);
        continue;
      }
      if (p.leader_epoch == kLeaderEpoch) {
        out.leader_epoch = kLeaderEpoch;
        out.end_offset = (*log)->high_watermark().value();
      }
    }
  }
  SendResponse(ctx, response);
}

}  // namespace

HandlerEntry OffsetForLeaderEpochHandler() {
  return {OffsetForLeaderEpochRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<OffsetForLeaderEpochRequest, &Handle>};
}

}  // namespace gregor::broker
