#include "broker/handlers/sync_group.h"

#include "broker/broker.h"
#include "protocol/messages/sync_group_request.h"
#include "protocol/messages/sync_group_response.h"

namespace gregor::broker {
namespace {

using protocol::SyncGroupRequest;
using protocol::SyncGroupResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 5;

void Handle(RequestContext ctx, SyncGroupRequest request) {
  group::SyncRequest sync;
  sync.group_id = std::move(request.group_id);
  sync.generation_id = request.generation_id;
  sync.member_id = std::move(request.member_id);
  sync.group_instance_id = std::move(request.group_instance_id);
  sync.protocol_type = std::move(request.protocol_type);
  sync.protocol_name = std::move(request.protocol_name);
  sync.assignments.reserve(request.assignments.size());
  for (auto& a : request.assignments) {
    sync.assignments.emplace_back(std::move(a.member_id), std::move(a.assignment));
  }
  Broker& broker = *ctx.broker;
  auto held = std::make_shared<RequestContext>(std::move(ctx));
  broker.groups().SyncGroup(std::move(sync), [held](group::SyncResult r) {
    SyncGroupResponse response;
    response.error_code = static_cast<int16_t>(r.error);
    response.protocol_type = std::move(r.protocol_type);
    response.protocol_name = std::move(r.protocol_name);
    response.assignment = std::move(r.assignment);
    SendResponse(*held, response);
  });
}

}  // namespace

HandlerEntry SyncGroupHandler() {
  return {SyncGroupRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<SyncGroupRequest, &Handle>};
}

}  // namespace gregor::broker
