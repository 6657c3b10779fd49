#include "broker/handlers/describe_cluster.h"

#include "broker/broker.h"
#include "protocol/messages/describe_cluster_request.h"
#include "protocol/messages/describe_cluster_response.h"

namespace gregor::broker {
namespace {

using protocol::DescribeClusterRequest;
using protocol::DescribeClusterResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 1;
constexpr int8_t kBrokerEndpoints = 1;
constexpr int8_t kControllerEndpoints = 2;

// AclOperation codes Kafka supports on the CLUSTER resource: CREATE 5, ALTER 7, DESCRIBE 8,
// CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12.
constexpr int32_t kClusterOperations =
    (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);

void Handle(RequestContext ctx, DescribeClusterRequest request) {
  Broker& broker = *ctx.broker;
  DescribeClusterResponse response;
  response.endpoint_type = request.endpoint_type;
  if (request.endpoint_type != kBrokerEndpoints) {
    bool controller = request.endpoint_type == kControllerEndpoints;
    response.error_code = static_cast<int16_t>(controller ? ErrorCode::kMismatchedEndpointType
                                                          : ErrorCode::kUnsupportedEndpointType);
    response.error_message = controller
                                 ? "this is a broker endpoint; Gregor has no separate controllers"
                                 : "unknown endpoint type";
    SendResponse(ctx, response);
    return;
  }
  response.cluster_id = broker.metadata().cluster_id();
  response.controller_id = broker.node_id().value();
  auto addr = broker.advertised();
  DescribeClusterResponse::DescribeClusterBroker self;
  self.broker_id = broker.node_id().value();
  self.host = addr.host;
  self.port = addr.port;
  response.brokers.push_back(std::move(self));
  if (request.include_cluster_authorized_operations) {
    response.cluster_authorized_operations = kClusterOperations;
  }
  SendResponse(ctx, response);
}

}  // namespace

HandlerEntry DescribeClusterHandler() {
  return {DescribeClusterRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<DescribeClusterRequest, &Handle>};
}

}  // namespace gregor::broker
