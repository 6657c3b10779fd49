#pragma once

// Dynamic broker configs: the broker defaults of topic configs (log.retention.ms for
// retention.ms, message.max.bytes for max.message.bytes, ...), which Kafka lets operators
// change on a running cluster through AlterConfigs/IncrementalAlterConfigs on the BROKER
// resource. Gregor keeps them in <data>/broker-configs.json (rewritten atomically) and
// applies them at once to every topic that has no override of its own; every other broker
// config is read once at start. One node has one level: a change addressed to the cluster
// default (resource name "") and one addressed to this broker's id land in the same place.

#include <map>
#include <string>
#include <string_view>

#include "base/config.h"
#include "base/status.h"

namespace gregor::cluster {

// True for the broker configs that can change at run time: those that supply a topic
// config's default.
bool IsDynamicBrokerConfig(const ConfigSet& broker, std::string_view name);

// Validates `configs` as dynamic broker configs and returns them normalised. Errors
// (kInvalidRequest, Kafka's answer for a broker resource): configs that cannot change at
// run time (named together, as Kafka does), unknown names, bad values.
Result<std::map<std::string, std::string>> NormalizeDynamicBrokerConfigs(
    const ConfigSet& broker, const std::map<std::string, std::string>& configs);

// `base` with `dynamic` applied (source kDynamic). REQUIRES: `dynamic` was normalised.
ConfigSet WithDynamicConfigs(const ConfigSet& base, const std::map<std::string, std::string>& dynamic);

// The persisted dynamic configs of the broker whose data directory is `data_dir` (empty
// when there is no file yet). Errors: kKafkaStorageError for an unreadable or corrupt file.
Result<std::map<std::string, std::string>> LoadDynamicBrokerConfigs(const std::string& data_dir);
// Replaces the persisted dynamic configs (temporary file, fsync, rename, fsync of the
// directory). Errors: kKafkaStorageError.
Status SaveDynamicBrokerConfigs(const std::string& data_dir,
                                const std::map<std::string, std::string>& configs);

}  // namespace gregor::cluster
