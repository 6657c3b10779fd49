#pragma once

// Computes a topic's new config overrides from AlterConfigs (replace all) and
// IncrementalAlterConfigs (set, delete, append, subtract) requests, and validates the
// result. Pure functions: the broker persists and applies what they return.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/config.h"
#include "base/status.h"

namespace gregor::cluster {

// IncrementalAlterConfigsRequest ConfigOperation.
enum class AlterConfigOp : int8_t { kSet = 0, kDelete = 1, kAppend = 2, kSubtract = 3 };

struct ConfigChange {
  std::string name;
  AlterConfigOp op = AlterConfigOp::kSet;
  std::optional<std::string> value;
};

// `current` after `changes`, not yet validated: the part shared by topic and broker
// configs. `type_of` gives a config's type, nullopt for an unknown name (kInvalidConfig).
// Errors: as ApplyIncrementalConfigChanges, except for the values' validation.
using ConfigTypeLookup = std::function<std::optional<ConfigType>(std::string_view)>;
Result<std::map<std::string, std::string>> ApplyConfigChanges(
    const std::map<std::string, std::string>& current, const std::vector<ConfigChange>& changes,
    const std::map<std::string, std::string>& effective_defaults, const ConfigTypeLookup& type_of);

// The overrides after applying `changes` to `current`, normalised and validated.
// kAppend and kSubtract work on list configs only (cleanup.policy, the throttled-replica
// lists); appending starts from the effective value when the config has no override, as
// Kafka does. Errors: kInvalidRequest for a name given twice or an unknown operation;
// kInvalidConfig for an unknown name, a bad value, a null value where one is needed, or
// append/subtract on a non-list config.
Result<std::map<std::string, std::string>> ApplyIncrementalConfigChanges(
    const std::map<std::string, std::string>& current, const std::vector<ConfigChange>& changes,
    const std::map<std::string, std::string>& effective_defaults);

// The overrides that AlterConfigs (the legacy, replace-everything API) leaves: exactly the
// non-null entries of `configs`, normalised and validated. Errors: as NormalizeTopicConfigs,
// plus kInvalidRequest for a name given twice.
Result<std::map<std::string, std::string>> ReplaceConfigs(
    const std::vector<std::pair<std::string, std::optional<std::string>>>& configs);

}  // namespace gregor::cluster
