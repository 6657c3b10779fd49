#include "broker/handlers/incremental_alter_configs.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "broker/broker.h"
#include "cluster/dynamic_config.h"
#include "cluster/config_alter.h"
#include "cluster/topic_config.h"
#include "cluster/topic_name.h"
#include "protocol/messages/incremental_alter_configs_request.h"
#include "protocol/messages/incremental_alter_configs_response.h"

namespace gregor::broker {
namespace {

using protocol::IncrementalAlterConfigsRequest;
using protocol::IncrementalAlterConfigsResponse;
using Resource = IncrementalAlterConfigsRequest::AlterConfigsResource;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 1;
constexpr int8_t kTopicResource = 2;
constexpr int8_t kBrokerResource = 4;
constexpr int8_t kBrokerLoggerResource = 8;

Status CheckBrokerId(const Broker& broker, const std::string& name, bool allow_empty) {
  if ((allow_empty && name.empty()) || name == std::to_string(broker.node_id().value())) {
    return Status::Ok();
  }
  return Status(
      ErrorCode::kInvalidRequest,
      fmt::format("unexpected broker id '{}': this is broker {}", name, broker.node_id().value()));
}

Status AlterTopic(Broker& broker, const Resource& resource, bool validate_only) {
  GREGOR_RETURN_IF_ERROR(cluster::ValidateTopicName(resource.resource_name));
  std::vector<cluster::ConfigChange> changes;
  for (const auto& c : resource.configs) {
    changes.push_back({c.name, static_cast<cluster::AlterConfigOp>(c.config_operation), c.value});
  }
  // Computed under the broker's admin lock from the topic's current overrides, so two
  // concurrent requests both take effect.
  return broker.AlterTopicConfigs(
      resource.resource_name,
      [&](const cluster::TopicInfo& info) {
        std::map<std::string, std::string> effective;
        for (const auto& c : changes) {
          if (cluster::FindTopicConfig(c.name) != nullptr) {
            effective[c.name] =
                cluster::EffectiveTopicConfig(*broker.effective_config(), info.configs, c.name);
          }
        }
        return cluster::ApplyIncrementalConfigChanges(info.configs, changes, effective);
      },
      validate_only);
}

Status AlterLoggers(const Broker& broker, const Resource& resource, bool validate_only) {
  GREGOR_RETURN_IF_ERROR(CheckBrokerId(broker, resource.resource_name, false));
  std::optional<spdlog::level::level_enum> level;
  for (const auto& c : resource.configs) {
    if (c.name != "root") {
      return Status(ErrorCode::kInvalidConfig,
                    fmt::format("unknown logger '{}': Gregor has only 'root'", c.name));
    }
    constexpr int8_t kDelete = 1;
    std::string v = c.config_operation == kDelete ? "INFO" : c.value.value_or("");
    if (c.config_operation != 0 && c.config_operation != kDelete) {
      return Status(ErrorCode::kInvalidRequest, "loggers take SET or DELETE only");
    }
    if (v == "TRACE") {
      level = spdlog::level::trace;
    } else if (v == "DEBUG") {
      level = spdlog::level::debug;
    } else if (v == "INFO") {
      level = spdlog::level::info;
    } else if (v == "WARN") {
      level = spdlog::level::warn;
    } else if (v == "ERROR") {
      level = spdlog::level::err;
    } else if (v == "FATAL") {
      level = spdlog::level::critical;
    } else if (v == "OFF") {
      level = spdlog::level::off;
    } else {
      return Status(ErrorCode::kInvalidConfig,
                    fmt::format("invalid log level '{}': expected TRACE, DEBUG, INFO, WARN, "
                                "ERROR, FATAL or OFF",
                                v));
    }
  }
  if (level.has_value() && !validate_only) {
    spdlog::set_level(*level);
    spdlog::info("log level set to {}", spdlog::level::to_string_view(*level));
  }
  return Status::Ok();
}

// Dynamic broker configs (cluster/dynamic_config.h): the cluster default ("") and this
// broker's id address the same single level.
Status AlterBroker(Broker& broker, const Resource& resource, bool validate_only) {
  GREGOR_RETURN_IF_ERROR(CheckBrokerId(broker, resource.resource_name, true));
  std::vector<cluster::ConfigChange> changes;
  for (const auto& c : resource.configs) {
    changes.push_back({c.name, static_cast<cluster::AlterConfigOp>(c.config_operation), c.value});
  }
  const ConfigSet& fixed = broker.config();
  return broker.AlterBrokerConfigs(
      [&](const std::map<std::string, std::string>& current)
          -> Result<std::map<std::string, std::string>> {
        std::shared_ptr<const ConfigSet> effective = broker.effective_config();
        std::map<std::string, std::string> values;
        for (const auto& c : changes) {
          if (fixed.Find(c.name) != nullptr) values[c.name] = effective->GetString(c.name);
        }
        GREGOR_ASSIGN_OR_RETURN(
            auto next, cluster::ApplyConfigChanges(
                           current, changes, values,
                           [&](std::string_view name) -> std::optional<ConfigType> {
                             const ConfigDef* def = fixed.Find(name);
                             if (def == nullptr) return std::nullopt;
                             return def->type;
                           }));
        return cluster::NormalizeDynamicBrokerConfigs(fixed, next);
      },
      validate_only);
}

void Handle(RequestContext ctx, IncrementalAlterConfigsRequest request) {
  IncrementalAlterConfigsResponse response;
  for (const auto& resource : request.resources) {
    auto& r = response.responses.emplace_back();
    r.resource_type = resource.resource_type;
    r.resource_name = resource.resource_name;
    Status s;
    switch (resource.resource_type) {
      case kTopicResource:
        s = AlterTopic(*ctx.broker, resource, request.validate_only);
        break;
      case kBrokerResource:
        s = AlterBroker(*ctx.broker, resource, request.validate_only);
        break;
      case kBrokerLoggerResource:
        s = AlterLoggers(*ctx.broker, resource, request.validate_only);
        break;
      default:
        s = Status(ErrorCode::kInvalidRequest,
                   fmt::format("unsupported resource type {}", resource.resource_type));
    }
    r.error_code = static_cast<int16_t>(s.code());
    if (!s.ok()) r.error_message = s.message();
  }
  SendResponse(ctx, response);
}

}  // namespace

HandlerEntry IncrementalAlterConfigsHandler() {
  return {IncrementalAlterConfigsRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<IncrementalAlterConfigsRequest, &Handle>};
}

}  // namespace gregor::broker
