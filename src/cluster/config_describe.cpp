#include "cluster/config_describe.h"

#include <algorithm>

#include "cluster/dynamic_config.h"
#include "cluster/topic_config.h"

namespace gregor::cluster {

KafkaConfigType ToKafkaConfigType(ConfigType type) {
  switch (type) {
    case ConfigType::kBool:
      return KafkaConfigType::kBoolean;
    case ConfigType::kInt:
      return KafkaConfigType::kInt;
    case ConfigType::kLong:
      return KafkaConfigType::kLong;
    case ConfigType::kDouble:
      return KafkaConfigType::kDouble;
    case ConfigType::kString:
      return KafkaConfigType::kString;
    case ConfigType::kList:
      return KafkaConfigType::kList;
    case ConfigType::kPassword:
      return KafkaConfigType::kPassword;
  }
  return KafkaConfigType::kUnknown;
}

KafkaConfigSource ToKafkaConfigSource(ConfigSource source) {
  switch (source) {
    case ConfigSource::kDefault:
      return KafkaConfigSource::kDefault;
    case ConfigSource::kFile:
    case ConfigSource::kEnvironment:
    case ConfigSource::kFlag:
      return KafkaConfigSource::kStaticBroker;
    case ConfigSource::kDynamic:
      return KafkaConfigSource::kDynamicBroker;
  }
  return KafkaConfigSource::kUnknown;
}

std::vector<DescribedConfig> DescribeTopicConfigs(
    const ConfigSet& broker, const std::map<std::string, std::string>& overrides) {
  std::vector<DescribedConfig> out;
  for (const TopicConfigDef& d : TopicConfigDefs()) {
    DescribedConfig c;
    c.name = std::string(d.def.name);
    c.type = ToKafkaConfigType(d.def.type);
    c.doc = d.def.doc;
    c.sensitive = d.def.type == ConfigType::kPassword;
    // Kafka lists synonyms from the highest precedence down: the topic override, the
    // broker's value if set, then the broker default.
    auto it = overrides.find(c.name);
    if (it != overrides.end()) {
      c.synonyms.push_back({c.name, it->second, KafkaConfigSource::kDynamicTopic});
    }
    const ConfigDef* broker_def =
        d.broker_synonym.empty() ? nullptr : broker.Find(d.broker_synonym);
    if (broker_def != nullptr) {
      std::string name(d.broker_synonym);
      if (broker.IsSet(name)) {
        c.synonyms.push_back(
            {name, broker.GetString(name), ToKafkaConfigSource(broker.SourceOf(name))});
      }
      c.synonyms.push_back(
          {name, std::string(broker_def->default_value), KafkaConfigSource::kDefault});
    } else if (c.synonyms.empty()) {
      c.synonyms.push_back({c.name, std::string(d.def.default_value), KafkaConfigSource::kDefault});
    }
    c.value = c.synonyms.front().value;
    c.source = c.synonyms.front().source;
    if (c.sensitive) {
      c.value.reset();
      for (ConfigSynonym& s : c.synonyms) s.value.reset();
    }
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(),
            [](const DescribedConfig& a, const DescribedConfig& b) { return a.name < b.name; });
  return out;
}

std::vector<DescribedConfig> DescribeBrokerConfigs(const ConfigSet& broker) {
  std::vector<DescribedConfig> out;
  for (const ConfigDef& d : broker.defs()) {
    DescribedConfig c;
    c.name = std::string(d.name);
    c.type = ToKafkaConfigType(d.type);
    c.doc = d.doc;
    c.read_only = !IsDynamicBrokerConfig(broker, c.name);
    c.sensitive = d.type == ConfigType::kPassword;
    if (broker.IsSet(c.name)) {
      c.synonyms.push_back(
          {c.name, broker.GetString(c.name), ToKafkaConfigSource(broker.SourceOf(c.name))});
    }
    c.synonyms.push_back({c.name, std::string(d.default_value), KafkaConfigSource::kDefault});
    c.value = c.synonyms.front().value;
    c.source = c.synonyms.front().source;
    if (c.sensitive) {
      c.value.reset();
      for (ConfigSynonym& s : c.synonyms) s.value.reset();
    }
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(),
            [](const DescribedConfig& a, const DescribedConfig& b) { return a.name < b.name; });
  return out;
}

}  // namespace gregor::cluster
