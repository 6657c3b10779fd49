#pragma once

// What DescribeConfigs (and CreateTopics v5+) report about a config: its effective value,
// where that value came from, the synonyms that could have supplied it (in precedence
// order), its type, documentation and whether it is sensitive or read-only. Numbers are
// Kafka's, from DescribeConfigsResponse.json.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/config.h"

namespace gregor::cluster {

// DescribeConfigsResponse ConfigSource.
enum class KafkaConfigSource : int8_t {
  kUnknown = 0,
  kDynamicTopic = 1,
  kDynamicBroker = 2,
  kDynamicDefaultBroker = 3,
  kStaticBroker = 4,
  kDefault = 5,
};

// DescribeConfigsResponse ConfigType (v3+).
enum class KafkaConfigType : int8_t {
  kUnknown = 0,
  kBoolean = 1,
  kString = 2,
  kInt = 3,
  kShort = 4,
  kLong = 5,
  kDouble = 6,
  kList = 7,
  kClass = 8,
  kPassword = 9,
};

KafkaConfigType ToKafkaConfigType(ConfigType type);
// kDefault for an unset broker config; file, environment and flags are all static.
KafkaConfigSource ToKafkaConfigSource(ConfigSource source);

struct ConfigSynonym {
  std::string name;
  std::optional<std::string> value;  // nullopt for a sensitive config
  KafkaConfigSource source;
};

struct DescribedConfig {
  std::string name;
  std::optional<std::string> value;  // nullopt for a sensitive config
  KafkaConfigSource source = KafkaConfigSource::kDefault;
  bool read_only = false;
  bool sensitive = false;
  KafkaConfigType type = KafkaConfigType::kUnknown;
  std::string_view doc;                 // static storage
  std::vector<ConfigSynonym> synonyms;  // the first one supplies the value
};

// Every topic config of a topic with `overrides` on a broker configured as `broker`, sorted
// by name. A config without an override takes its broker synonym's value (log.retention.ms
// for retention.ms) when the broker has one, else Kafka's default. REQUIRES: overrides
// were validated (NormalizeTopicConfigs).
std::vector<DescribedConfig> DescribeTopicConfigs(
    const ConfigSet& broker, const std::map<std::string, std::string>& overrides);

// Every broker config, sorted by name. Only the dynamic ones (cluster/dynamic_config.h) are
// not read-only; a dynamic change shows as DYNAMIC_BROKER_CONFIG. Passwords are sensitive
// and their value is withheld.
std::vector<DescribedConfig> DescribeBrokerConfigs(const ConfigSet& broker);

}  // namespace gregor::cluster
