#include "broker/handlers/leave_group.h"

#include "broker/broker.h"
#include "protocol/messages/leave_group_request.h"
#include "protocol/messages/leave_group_response.h"

namespace gregor::broker {
namespace {

using protocol::LeaveGroupRequest;
using protocol::LeaveGroupResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 5;

void Handle(RequestContext ctx, LeaveGroupRequest request) {
  std::vector<group::LeavingMember> leaving;
  if (ctx.api_version < 3) {
    leaving.push_back({std::move(request.member_id), std::nullopt});
  } else {
    for (auto& m : request.members) {
      leaving.push_back({std::move(m.member_id), std::move(m.group_instance_id)});
    }
  }
  group::LeaveResult r = ctx.broker->groups().LeaveGroup(request.group_id, leaving);
  LeaveGroupResponse response;
  response.error_code = static_cast<int16_t>(r.error);
  if (ctx.api_version < 3) {
    if (r.error == ErrorCode::kNone && !r.members.empty()) {
      response.error_code = static_cast<int16_t>(r.members[0]);
    }
  } else {
    for (size_t i = 0; i < r.members.size(); ++i) {
      LeaveGroupResponse::MemberResponse& out = response.members.emplace_back();
      out.member_id = leaving[i].member_id;
      out.group_instance_id = leaving[i].group_instance_id;
      out.error_code = static_cast<int16_t>(r.members[i]);
    }
  }
  SendResponse(ctx, response);
}

}  // namespace

HandlerEntry LeaveGroupHandler() {
  return {LeaveGroupRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<LeaveGroupRequest, &Handle>};
}

}  // namespace gregor::broker
