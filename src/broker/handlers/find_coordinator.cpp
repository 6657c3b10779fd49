#include "broker/handlers/find_coordinator.h"

#include "broker/broker.h"
#include "protocol/messages/find_coordinator_request.h"
#include "protocol/messages/find_coordinator_response.h"

namespace gregor::broker {
namespace {

using protocol::FindCoordinatorRequest;
using protocol::FindCoordinatorResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 6;
constexpr int8_t kGroupKey = 0;
constexpr int8_t kTransactionKey = 1;

struct Answer {
  ErrorCode error = ErrorCode::kNone;
  std::optional<std::string> message;
  int32_t node_id = -1;
  std::string host;
  int32_t port = -1;
};

Answer Lookup(Broker& broker, int8_t key_type) {
  Answer a;
  if (key_type != kGroupKey && key_type != kTransactionKey) {
    a.error = ErrorCode::kInvalidRequest;
    a.message = key_type == 2 ? "share groups are not supported"
                              : "unknown coordinator key type " + std::to_string(key_type);
    return a;
  }
  // Loading is reported by the group APIs themselves (COORDINATOR_LOAD_IN_PROGRESS): the
  // client has the right coordinator and only needs to retry there.
  if (!broker.groups().active()) {
    a.error = ErrorCode::kCoordinatorNotAvailable;
    return a;
  }
  Broker::Address addr = broker.advertised();
  a.node_id = broker.node_id().value();
  a.host = addr.host;
  a.port = addr.port;
  return a;
}

void Handle(RequestContext ctx, FindCoordinatorRequest request) {
  Broker& broker = *ctx.broker;
  FindCoordinatorResponse response;
  if (ctx.api_version >= 4) {
    for (std::string& key : request.coordinator_keys) {
      Answer a = Lookup(broker, request.key_type);
      FindCoordinatorResponse::Coordinator& c = response.coordinators.emplace_back();
      c.key = std::move(key);
      c.node_id = a.node_id;
      c.host = a.host;
      c.port = a.port;
      c.error_code = static_cast<int16_t>(a.error);
      c.error_message = a.message;
    }
  } else {
    Answer a = Lookup(broker, request.key_type);
    response.error_code = static_cast<int16_t>(a.error);
    response.error_message = a.message;
    response.node_id = a.node_id;
    response.host = a.host;
    response.port = a.port;
  }
  SendResponse(ctx, response);
}

}  // namespace

HandlerEntry FindCoordinatorHandler() {
  return {FindCoordinatorRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<FindCoordinatorRequest, &Handle>};
}

}  // namespace gregor::broker
