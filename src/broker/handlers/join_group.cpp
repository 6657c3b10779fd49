#include "broker/handlers/join_group.h"

#include "broker/broker.h"
#include "protocol/messages/join_group_request.h"
#include "protocol/messages/join_group_response.h"

namespace gregor::broker {
namespace {

using protocol::JoinGroupRequest;
using protocol::JoinGroupResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 9;

// Kafka shows client hosts as InetAddress.toString(): "/<address>".
std::string ClientHost(const net::Connection& conn) {
  const std::string& peer = conn.peer();
  size_t colon = peer.rfind(':');
  return "/" + (colon == std::string::npos ? peer : peer.substr(0, colon));
}

void Handle(RequestContext ctx, JoinGroupRequest request) {
  group::JoinRequest join;
  join.group_id = std::move(request.group_id);
  join.member_id = std::move(request.member_id);
  join.group_instance_id = std::move(request.group_instance_id);
  join.client_id = ctx.client_id;
  join.client_host = ClientHost(*ctx.conn);
  join.session_timeout_ms = request.session_timeout_ms;
  join.rebalance_timeout_ms =
      ctx.api_version == 0 ? request.session_timeout_ms : request.rebalance_timeout_ms;
  join.protocol_type = std::move(request.protocol_type);
  join.protocols.reserve(request.protocols.size());
  for (auto& p : request.protocols) {
    join.protocols.push_back({std::move(p.name), std::move(p.metadata)});
  }
  join.require_known_member_id = ctx.api_version >= 4;
  join.supports_skip_assignment = ctx.api_version >= 9;
  join.reason = request.reason.value_or("");
  Broker& broker = *ctx.broker;
  auto held = std::make_shared<RequestContext>(std::move(ctx));
  broker.groups().JoinGroup(std::move(join), [held](group::JoinResult r) {
    JoinGroupResponse response;
    response.error_code = static_cast<int16_t>(r.error);
    response.generation_id = r.generation_id;
    response.protocol_type = std::move(r.protocol_type);
    response.protocol_name = std::move(r.protocol_name);
    response.leader = std::move(r.leader_id);
    response.skip_assignment = r.skip_assignment;
    response.member_id = std::move(r.member_id);
    response.members.reserve(r.members.size());
    for (group::JoinedMember& m : r.members) {
      JoinGroupResponse::JoinGroupResponseMember& out = response.members.emplace_back();
      out.member_id = std::move(m.member_id);
      out.group_instance_id = std::move(m.group_instance_id);
      out.metadata = std::move(m.metadata);
    }
    SendResponse(*held, response);
  });
}

}  // namespace

HandlerEntry JoinGroupHandler() {
  return {JoinGroupRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<JoinGroupRequest, &Handle>};
}

}  // namespace gregor::broker
