#pragma once

// What `gregor apply` must change to make a cluster match a topics file: a pure function
// of the file and the cluster's current state, so that it can be printed (--dry-run),
// tested without a broker, and executed in a fixed order (create, grow, configs, delete).
//
// Rules:
// - A missing topic is created with the file's partitions, replication factor and configs.
// - A replication factor above the number of brokers is clamped to it, with a warning: a
//   file written for a three-broker production cluster then works unchanged on a single
//   node. An existing topic's replication factor is never changed (warning if it differs).
// - Partitions only grow; a lower count in the file is a warning.
// - Configs are aligned: a config in the file whose effective value differs is set; a
//   topic override that is not in the file is removed (back to the broker default).
// - Topics not in the file are deleted only with prune, and never those whose name starts
//   with '_' (internal topics such as __consumer_offsets and _schemas).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/admin_client.h"
#include "cli/topics_file.h"

namespace gregor::cli {

struct CurrentTopic {
  int32_t partitions = 0;
  int32_t replication_factor = 0;
  std::map<std::string, std::string> overrides;  // configs set on the topic itself
  std::map<std::string, std::string> effective;  // every config's value
};

enum class ChangeKind { kCreate, kGrow, kSetConfig, kResetConfig, kDelete };

struct Change {
  ChangeKind kind;
  std::string topic;
  int32_t partitions_from = 0;
  int32_t partitions_to = 0;  // kCreate: -1 = broker default
  int32_t replication_factor = -1;
  std::string config;                          // kSetConfig, kResetConfig
  std::optional<std::string> from;             // previous value (nullopt: not known)
  std::string to;                              // kSetConfig
  std::map<std::string, std::string> configs;  // kCreate
};

struct ApplyPlan {
  std::vector<Change> changes;  // in execution order
  std::vector<std::string> warnings;
  int unchanged_topics = 0;
  // What to send: topics to create, (topic, new count), topic -> complete new override
  // set (AlterConfigs replaces all overrides), topics to delete.
  std::vector<NewTopic> creates;
  std::vector<std::pair<std::string, int32_t>> grows;
  std::vector<std::pair<std::string, std::map<std::string, std::string>>> config_updates;
  std::vector<std::string> deletes;
};

ApplyPlan PlanApply(const std::vector<TopicSpec>& desired,
                    const std::map<std::string, CurrentTopic>& current, int broker_count,
                    bool prune);

// "create", "grow", "set-config", "reset-config", "delete".
std::string_view ChangeKindName(ChangeKind kind);
// One line for people, e.g. "retention.ms 604800000 -> 86400000".
std::string DescribeChange(const Change& change);

}  // namespace gregor::cli
