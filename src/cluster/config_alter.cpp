#include "cluster/config_alter.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "base/config.h"
#include "cluster/topic_config.h"

namespace gregor::cluster {
namespace {

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out;
}

}  // namespace

Result<std::map<std::string, std::string>> ApplyConfigChanges(
    const std::map<std::string, std::string>& current, const std::vector<ConfigChange>& changes,
    const std::map<std::string, std::string>& effective_defaults, const ConfigTypeLookup& type_of) {
  std::set<std::string> seen;
  for (const ConfigChange& c : changes) {
    if (!seen.insert(c.name).second) {
      return Status(ErrorCode::kInvalidRequest,
                    fmt::format("config '{}' appears more than once in the request", c.name));
    }
  }
  std::map<std::string, std::string> next = current;
  for (const ConfigChange& c : changes) {
    std::optional<ConfigType> type = type_of(c.name);
    if (!type.has_value()) {
      return Status(ErrorCode::kInvalidConfig, fmt::format("unknown config '{}'", c.name));
    }
    bool is_list = *type == ConfigType::kList;
    switch (c.op) {
      case AlterConfigOp::kSet:
        if (!c.value.has_value()) {
          return Status(
              ErrorCode::kInvalidConfig,
              fmt::format("null value for config '{}' (use DELETE to remove it)", c.name));
        }
        next[c.name] = *c.value;
        break;
      case AlterConfigOp::kDelete:
        next.erase(c.name);
        break;
      case AlterConfigOp::kAppend:
      case AlterConfigOp::kSubtract: {
        if (!is_list) {
          return Status(ErrorCode::kInvalidConfig,
                        fmt::format("config '{}' is not a list: {} is not allowed", c.name,
                                    c.op == AlterConfigOp::kAppend ? "APPEND" : "SUBTRACT"));
        }
        if (!c.value.has_value()) {
          return Status(ErrorCode::kInvalidConfig,
                        fmt::format("null value for list config '{}'", c.name));
        }
        std::string base;
        if (auto it = next.find(c.name); it != next.end()) {
          base = it->second;
        } else if (auto d = effective_defaults.find(c.name); d != effective_defaults.end()) {
          base = d->second;
        }
        std::vector<std::string> items = SplitList(base);
        for (const std::string& v : SplitList(*c.value)) {
          auto found = std::find(items.begin(), items.end(), v);
          if (c.op == AlterConfigOp::kAppend && found == items.end()) items.push_back(v);
          if (c.op == AlterConfigOp::kSubtract && found != items.end()) items.erase(found);
        }
        next[c.name] = JoinList(items);
        break;
      }
      default:
        return Status(
            ErrorCode::kInvalidRequest,
            fmt::format("unknown config operation {} for '{}'", static_cast<int>(c.op), c.name));
    }
  }
  return next;
}

Result<std::map<std::string, std::string>> ApplyIncrementalConfigChanges(
    const std::map<std::string, std::string>& current, const std::vector<ConfigChange>& changes,
    const std::map<std::string, std::string>& effective_defaults) {
  GREGOR_ASSIGN_OR_RETURN(
      auto next, ApplyConfigChanges(current, changes, effective_defaults,
                                    [](std::string_view name) -> std::optional<ConfigType> {
                                      const TopicConfigDef* def = FindTopicConfig(name);
                                      if (def == nullptr) return std::nullopt;
                                      return def->def.type;
                                    }));
  return NormalizeTopicConfigs(next);
}

Result<std::map<std::string, std::string>> ReplaceConfigs(
    const std::vector<std::pair<std::string, std::optional<std::string>>>& configs) {
  std::map<std::string, std::string> next;
  std::set<std::string> seen;
  for (const auto& [name, value] : configs) {
    if (!seen.insert(name).second) {
      return Status(ErrorCode::kInvalidRequest,
                    fmt::format("config '{}' appears more than once in the request", name));
    }
    if (value.has_value()) next[name] = *value;
  }
  return NormalizeTopicConfigs(next);
}

}  // namespace gregor::cluster
