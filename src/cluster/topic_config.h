#pragma once

// Topic-level configs (Kafka's names) with the broker config that supplies each default
// (its "synonym"), and the mapping to storage::LogConfig.

#include <map>
#include <span>
#include <string>
#include <string_view>

#include "base/config.h"
#include "base/status.h"
#include "storage/partition_log.h"

namespace gregor::cluster {

struct TopicConfigDef {
  ConfigDef def;
  std::string_view broker_synonym;  // "" when the topic config has no broker default
};

// Every topic config Kafka documents.
std::span<const TopicConfigDef> TopicConfigDefs();
const TopicConfigDef* FindTopicConfig(std::string_view name);

// Validates topic config overrides (each value's type and range, then the rules that span
// two configs) and returns them normalised ("  TRUE " -> "true", lists without blanks).
// Errors: kInvalidConfig naming the key: an unknown name, a bad value, a conflict.
Result<std::map<std::string, std::string>> NormalizeTopicConfigs(
    const std::map<std::string, std::string>& configs);
Status ValidateTopicConfigs(const std::map<std::string, std::string>& configs);

// The effective value of topic config `name`: the override, else the broker default.
std::string EffectiveTopicConfig(const ConfigSet& broker,
                                 const std::map<std::string, std::string>& overrides,
                                 std::string_view name);

// The storage settings of a topic. REQUIRES: overrides were validated.
storage::LogConfig MakeLogConfig(const ConfigSet& broker,
                                 const std::map<std::string, std::string>& overrides);

}  // namespace gregor::cluster
