#include "broker/handlers/alter_configs.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "broker/broker.h"
#include "cluster/config_alter.h"
#include "cluster/dynamic_config.h"
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

// As Kafka's legacy AlterConfigs, the request replaces every dynamic broker config: those
// not named (or named with a null value) go back to their static value.
Status AlterBroker(Broker& broker, const AlterConfigsRequest::AlterConfigsResource& resource,
                   bool validate_only) {
  if (!resource.resource_name.empty() &&
      resource.resource_name != std::to_string(broker.node_id().value())) {
    return Status(ErrorCode::kInvalidRequest,
                  fmt::format("unexpected broker id '{}': this is broker {}",
                              resource.resource_name, broker.node_id().value()));
  }
  std::map<std::string, std::string> wanted;
  std::set<std::string> seen;
  for (const auto& c : resource.configs) {
    if (!seen.insert(c.name).second) {
      return Status(ErrorCode::kInvalidRequest,
                    fmt::format("config '{}' appears more than once in the request", c.name));
    }
    if (c.value.has_value()) wanted[c.name] = *c.value;
  }
  return broker.AlterBrokerConfigs(
      [&](const std::map<std::string, std::string>&) {
        return cluster::NormalizeDynamicBrokerConfigs(broker.config(), wanted);
      },
      validate_only);
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
      s = AlterBroker(*ctx.broker, resource, request.validate_only);
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
