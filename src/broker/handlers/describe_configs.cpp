#include "broker/handlers/describe_configs.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "broker/broker.h"
#include "cluster/config_describe.h"
#include "cluster/topic_name.h"
#include "protocol/messages/describe_configs_request.h"
#include "protocol/messages/describe_configs_response.h"

namespace gregor::broker {
namespace {

using protocol::DescribeConfigsRequest;
using protocol::DescribeConfigsResponse;
using Result_ = DescribeConfigsResponse::DescribeConfigsResult;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 4;

// ConfigResource.Type.
constexpr int8_t kTopicResource = 2;
constexpr int8_t kBrokerResource = 4;
constexpr int8_t kBrokerLoggerResource = 8;
constexpr int8_t kDynamicBrokerLoggerSource = 6;

void AddConfigs(const DescribeConfigsRequest& request,
                const DescribeConfigsRequest::DescribeConfigsResource& resource,
                const std::vector<cluster::DescribedConfig>& configs, Result_& out) {
  for (const cluster::DescribedConfig& c : configs) {
    if (resource.configuration_keys.has_value() &&
        std::find(resource.configuration_keys->begin(), resource.configuration_keys->end(),
                  c.name) == resource.configuration_keys->end()) {
      continue;
    }
    DescribeConfigsResponse::DescribeConfigsResourceResult r;
    r.name = c.name;
    r.value = c.value;
    r.read_only = c.read_only;
    r.is_default = c.source == cluster::KafkaConfigSource::kDefault;
    r.config_source = static_cast<int8_t>(c.source);
    r.is_sensitive = c.sensitive;
    if (request.include_synonyms) {
      for (const cluster::ConfigSynonym& s : c.synonyms) {
        r.synonyms.push_back({s.name, s.value, static_cast<int8_t>(s.source)});
      }
    }
    r.config_type = static_cast<int8_t>(c.type);
    if (request.include_documentation) r.documentation = std::string(c.doc);
    out.configs.push_back(std::move(r));
  }
}

Status DescribeTopic(Broker& broker, const DescribeConfigsRequest& request,
                     const DescribeConfigsRequest::DescribeConfigsResource& resource,
                     Result_& out) {
  GREGOR_RETURN_IF_ERROR(cluster::ValidateTopicName(resource.resource_name));
  auto info = broker.metadata().Find(resource.resource_name);
  if (info == nullptr) {
    return Status(ErrorCode::kUnknownTopicOrPartition,
                  fmt::format("topic '{}' does not exist", resource.resource_name));
  }
  AddConfigs(request, resource, cluster::DescribeTopicConfigs(*broker.effective_config(), info->configs), out);
  return Status::Ok();
}

Status DescribeBroker(Broker& broker, const DescribeConfigsRequest& request,
                      const DescribeConfigsRequest::DescribeConfigsResource& resource,
                      Result_& out) {
  if (resource.resource_name.empty()) return Status::Ok();  // no dynamic cluster defaults
  if (resource.resource_name != std::to_string(broker.node_id().value())) {
    return Status(ErrorCode::kInvalidRequest,
                  fmt::format("unexpected broker id '{}': this is broker {}",
                              resource.resource_name, broker.node_id().value()));
  }
  AddConfigs(request, resource, cluster::DescribeBrokerConfigs(*broker.effective_config()), out);
  return Status::Ok();
}

Status DescribeLoggers(Broker& broker,
                       const DescribeConfigsRequest::DescribeConfigsResource& resource,
                       Result_& out) {
  if (resource.resource_name != std::to_string(broker.node_id().value())) {
    return Status(ErrorCode::kInvalidRequest,
                  fmt::format("unexpected broker id '{}': this is broker {}",
                              resource.resource_name, broker.node_id().value()));
  }
  DescribeConfigsResponse::DescribeConfigsResourceResult r;
  r.name = "root";
  auto level = spdlog::level::to_string_view(spdlog::get_level());
  std::string upper(level.data(), level.size());
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  r.value = upper;
  r.read_only = true;
  r.config_source = kDynamicBrokerLoggerSource;
  r.config_type = static_cast<int8_t>(cluster::KafkaConfigType::kString);
  out.configs.push_back(std::move(r));
  return Status::Ok();
}

void Handle(RequestContext ctx, DescribeConfigsRequest request) {
  Broker& broker = *ctx.broker;
  DescribeConfigsResponse response;
  for (const auto& resource : request.resources) {
    Result_& out = response.results.emplace_back();
    out.resource_type = resource.resource_type;
    out.resource_name = resource.resource_name;
    Status s;
    switch (resource.resource_type) {
      case kTopicResource:
        s = DescribeTopic(broker, request, resource, out);
        break;
      case kBrokerResource:
        s = DescribeBroker(broker, request, resource, out);
        break;
      case kBrokerLoggerResource:
        s = DescribeLoggers(broker, resource, out);
        break;
      default:
        s = Status(ErrorCode::kInvalidRequest,
                   fmt::format("unsupported resource type {}", resource.resource_type));
    }
    if (!s.ok()) {
      out.configs.clear();
      out.error_code = static_cast<int16_t>(s.code());
      out.error_message = s.message();
    }
  }
  SendResponse(ctx, response);
}

}  // namespace

HandlerEntry DescribeConfigsHandler() {
  return {DescribeConfigsRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<DescribeConfigsRequest, &Handle>};
}

}  // namespace gregor::broker
