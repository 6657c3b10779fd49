#include "broker/handlers/heartbeat.h"

#include "broker/broker.h"
#include "protocol/messages/heartbeat_request.h"
#include "protocol/messages/heartbeat_response.h"

namespace gregor::broker {
namespace {

using protocol::HeartbeatRequest;
using protocol::HeartbeatResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 4;

void Handle(RequestContext ctx, HeartbeatRequest request) {
  group::HeartbeatRequest hb;
  hb.group_id = std::move(request.group_id);
  hb.generation_id = request.generation_id;
  hb.member_id = std::move(request.member_id);
  hb.group_instance_id = std::move(request.group_instance_id);
  HeartbeatResponse response;
  response.error_code = static_cast<int16_t>(ctx.broker->groups().Heartbeat(hb));
  SendResponse(ctx, response);
}

}  // namespace

HandlerEntry HeartbeatHandler() {
  return {HeartbeatRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<HeartbeatRequest, &Handle>};
}

}  // namespace gregor::broker
