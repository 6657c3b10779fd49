#include "broker/handlers/alter_configs.h"

#include <fmt/format.h>

#include "broker/broker.h"
#include "cluster/config_alter.h"
#include "cluster/topic_name.h"
#include "protocol/messages/alter_configs_request.h"
#include "protocol/messages/alter_configs_response.h"

namespace gregor::broker {
namespace {

using protocol::AlterConfigsRequest;
using protocol::AlterConfigsResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 2;
constexpr int8_t kTopicResource = 2;
constexpr int8_t kBrokerResource = 4;

Status AlterTopic(Broker& broker, const AlterConfigsRequest::AlterConfigsResource& resource,
                  bool validate_only) {
  GREGOR_RETURN_IF_ERROR(cluster::ValidateTopicName(resource.resource_name));
  std::vector<std::pair<std::string, std::optional<std::string>>> configs;
  for (const auto& c : resource.configs) configs.emplace_back(c.name, c.value);
  return broker.AlterTopicConfigs(
      resource.resource_name,
      [&](const cluster::TopicInfo&) { return cluster::ReplaceConfigs(configs); }, validate_only);
}

Status AlterBroker(const Broker& broker,
                   const AlterConfigsRequest::AlterConfigsResource& resource) {
  if (!resource.resource_name.empty() &&
      resource.resource_name != std::to_string(broker.node_id().value())) {
    return Status(ErrorCode::kInvalidRequest,
                  fmt::format("unexpected broker id '{}': this is broker {}",
                              resource.resource_name, broker.node_id().value()));
  }
  if (resource.configs.empty()) return Status::Ok();
  std::string names;
  for (const auto& c : resource.configs) names += (names.empty() ? "" : ", ") + c.name;
  return Status(ErrorCode::kInvalidRequest,
                fmt::format("cannot update broker configs dynamically ({}): Gregor reads them "
                            "at start; set them in gregor.yaml, GREGOR_* or flags and restart",
                            names));
}

void Handle(RequestContext ctx, AlterConfigsRequest request) {
  AlterConfigsResponse response;
  for (const auto& resource : request.resources) {
    auto& r = response.responses.emplace_back();
    r.resource_type = resource.resource_type;
    r.resource_name = resource.resource_name;
    Status s;
    if (resource.resource_type == kTopicResource) {
      s = AlterTopic(*ctx.broker, resource, request.validate_only);
    } else if (resource.resource_type == kBrokerResource) {
      s = AlterBroker(*ctx.broker, resource);
    } else {
      s = Status(ErrorCode::kInvalidRequest,
                 fmt::format("unsupported resource type {}", resource.resource_type));
    }
    r.error_code = static_cast<int16_t>(s.code());
    if (!s.ok()) r.error_message = s.message();
  }
  SendResponse(ctx, response);
}

}  // namespace

HandlerEntry AlterConfigsHandler() {
  return {AlterConfigsRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<AlterConfigsRequest, &Handle>};
}

}  // namespace gregor::broker
