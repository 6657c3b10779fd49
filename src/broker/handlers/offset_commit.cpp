#include "broker/handlers/offset_commit.h"

#include "broker/broker.h"
#include "protocol/messages/offset_commit_request.h"
#include "protocol/messages/offset_commit_response.h"

namespace gregor::broker {
namespace {

using protocol::OffsetCommitRequest;
using protocol::OffsetCommitResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 9;

void Handle(RequestContext ctx, OffsetCommitRequest request) {
  Broker& broker = *ctx.broker;
  auto response = std::make_shared<OffsetCommitResponse>();
  group::CommitRequest commit;
  commit.group_id = std::move(request.group_id);
  commit.generation_id = request.generation_id_or_member_epoch;
  commit.member_id = std::move(request.member_id);
  commit.group_instance_id = std::move(request.group_instance_id);
  commit.group_id_not_found_allowed = ctx.api_version >= 9;
  // Where each coordinator answer goes in the response.
  std::vector<int16_t*> slots;
  response->topics.reserve(request.topics.size());
  for (auto& t : request.topics) {
    OffsetCommitResponse::OffsetCommitResponseTopic& rt = response->topics.emplace_back();
    rt.name = t.name;
    auto topic = broker.metadata().Find(t.name);
    rt.partitions.reserve(t.partitions.size());
    for (auto& p : t.partitions) {
      OffsetCommitResponse::OffsetCommitResponsePartition& rp = rt.partitions.emplace_back();
      rp.partition_index = p.partition_index;
      if (!cluster::HasPartition(topic.get(), p.partition_index)) {
        rp.error_code = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
        continue;
      }
      group::OffsetCommitEntry e;
      e.partition = {t.name, PartitionId(p.partition_index)};
      e.offset = Offset(p.committed_offset);
      e.leader_epoch = LeaderEpoch(p.committed_leader_epoch);
      e.metadata = std::move(p.committed_metadata);
      if (ctx.api_version == 1) e.commit_timestamp_ms = p.commit_timestamp;
      commit.offsets.push_back(std::move(e));
      slots.push_back(&rp.error_code);
    }
  }
  if (commit.offsets.empty()) {
    SendResponse(ctx, *response);
    return;
  }
  auto held = std::make_shared<RequestContext>(std::move(ctx));
  broker.groups().CommitOffsets(std::move(commit),
                                [held, response, slots](std::vector<ErrorCode> errors) {
                                  for (size_t i = 0; i < slots.size() && i < errors.size(); ++i) {
                                    *slots[i] = static_cast<int16_t>(errors[i]);
                                  }
                                  SendResponse(*held, *response);
                                });
}

}  // namespace

HandlerEntry OffsetCommitHandler() {
  return {OffsetCommitRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<OffsetCommitRequest, &Handle>};
}

}  // namespace gregor::broker
