#include "broker/handlers/list_groups.h"

#include <algorithm>
#include <cctype>

#include "broker/broker.h"
#include "protocol/messages/list_groups_request.h"
#include "protocol/messages/list_groups_response.h"

namespace gregor::broker {
namespace {

using protocol::ListGroupsRequest;
using protocol::ListGroupsResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 5;
constexpr std::string_view kClassicType = "classic";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool Contains(const std::vector<std::string>& filter, std::string_view value) {
  return std::any_of(filter.begin(), filter.end(),
                     [&](const std::string& f) { return Lower(f) == Lower(value); });
}

void Handle(RequestContext ctx, ListGroupsRequest request) {
  std::vector<group::GroupOverview> groups;
  ListGroupsResponse response;
  response.error_code = static_cast<int16_t>(ctx.broker->groups().ListGroups(&groups));
  bool types_ok = request.types_filter.empty() || Contains(request.types_filter, kClassicType);
  for (group::GroupOverview& g : groups) {
    if (!types_ok) break;
    if (!request.states_filter.empty() && !Contains(request.states_filter, g.state)) continue;
    ListGroupsResponse::ListedGroup& out = response.groups.emplace_back();
    out.group_id = std::move(g.group_id);
    out.protocol_type = std::move(g.protocol_type);
    out.group_state = std::move(g.state);
    out.group_type = std::string(kClassicType);
  }
  SendResponse(ctx, response);
}

}  // namespace

HandlerEntry ListGroupsHandler() {
  return {ListGroupsRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<ListGroupsRequest, &Handle>};
}

}  // namespace gregor::broker
