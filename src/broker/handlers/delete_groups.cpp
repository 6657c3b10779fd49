#include "broker/handlers/delete_groups.h"

#include "broker/broker.h"
#include "protocol/messages/delete_groups_request.h"
#include "protocol/messages/delete_groups_response.h"

namespace gregor::broker {
namespace {

using protocol::DeleteGroupsRequest;
using protocol::DeleteGroupsResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 2;

void Handle(RequestContext ctx, DeleteGroupsRequest request) {
  Broker& broker = *ctx.broker;
  auto held = std::make_shared<RequestContext>(std::move(ctx));
  auto names = std::make_shared<std::vector<std::string>>(std::move(request.groups_names));
  broker.groups().DeleteGroups(*names, [held, names](std::vector<ErrorCode> errors) {
    DeleteGroupsResponse response;
    for (size_t i = 0; i < names->size() && i < errors.size(); ++i) {
      DeleteGroupsResponse::DeletableGroupResult& r = response.results.emplace_back();
      r.group_id = (*names)[i];
      r.error_code = static_cast<int16_t>(errors[i]);
    }
    SendResponse(*held, response);
  });
}

}  // namespace

HandlerEntry DeleteGroupsHandler() {
  return {DeleteGroupsRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<DeleteGroupsRequest, &Handle>};
}

}  // namespace gregor::broker
