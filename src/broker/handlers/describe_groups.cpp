#include "broker/handlers/describe_groups.h"

#include "broker/broker.h"
#include "protocol/messages/describe_groups_request.h"
#include "protocol/messages/describe_groups_response.h"

namespace gregor::broker {
namespace {

using protocol::DescribeGroupsRequest;
using protocol::DescribeGroupsResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 5;
// Kafka's AclOperation codes READ (3), DELETE (6) and DESCRIBE (8) as a bit set.
constexpr int32_t kGroupOperations = (1 << 3) | (1 << 6) | (1 << 8);

void Handle(RequestContext ctx, DescribeGroupsRequest request) {
  DescribeGroupsResponse response;
  for (group::GroupDescription& d : ctx.broker->groups().DescribeGroups(request.groups)) {
    DescribeGroupsResponse::DescribedGroup& out = response.groups.emplace_back();
    out.error_code = static_cast<int16_t>(d.error);
    out.group_id = std::move(d.group_id);
    out.group_state = std::move(d.state);
    out.protocol_type = std::move(d.protocol_type);
    out.protocol_data = std::move(d.protocol_name);
    if (request.include_authorized_operations) out.authorized_operations = kGroupOperations;
    for (group::MemberDescription& m : d.members) {
      DescribeGroupsResponse::DescribedGroupMember& om = out.members.emplace_back();
      om.member_id = std::move(m.member_id);
      om.group_instance_id = std::move(m.group_instance_id);
      om.client_id = std::move(m.client_id);
      om.client_host = std::move(m.client_host);
      om.member_metadata = std::move(m.metadata);
      om.member_assignment = std::move(m.assignment);
    }
  }
  SendResponse(ctx, response);
}

}  // namespace

HandlerEntry DescribeGroupsHandler() {
  return {DescribeGroupsRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<DescribeGroupsRequest, &Handle>};
}

}  // namespace gregor::broker
