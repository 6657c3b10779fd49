#pragma once

// The admin operations the CLI needs, on librdkafka's admin API, so that they work against
// any Kafka-compatible cluster. Each batch call returns one Status per item, in request
// order; the call itself fails only when the whole request did (no connection, timeout).

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "cli/kafka_handle.h"

namespace gregor::cli {

struct BrokerInfo {
  int32_t id = -1;
  std::string host;
  int port = 0;
};

struct PartitionInfo {
  int32_t id = 0;
  int32_t leader = -1;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
  Status error;
};

struct TopicInfo {
  std::string name;
  Status error;
  std::vector<PartitionInfo> partitions;  // sorted by id
  int replication_factor() const {
    return partitions.empty() ? 0 : static_cast<int>(partitions.front().replicas.size());
  }
};

struct ClusterInfo {
  std::vector<BrokerInfo> brokers;  // sorted by id
  int32_t controller_id = -1;
  std::vector<TopicInfo> topics;  // sorted by name
};

struct ConfigEntry {
  std::string name;
  std::optional<std::string> value;
  int source = 0;  // Kafka's ConfigSource (1 = topic override)
  bool is_default = false;
  bool read_only = false;
  bool sensitive = false;
};
constexpr int kTopicOverrideSource = 1;
// Kafka's ConfigSource names ("DYNAMIC_TOPIC_CONFIG", "DEFAULT_CONFIG", ...).
std::string ConfigSourceName(int source);

struct TopicConfigs {
  Status error;
  std::vector<ConfigEntry> configs;
};

struct NewTopic {
  std::string name;
  int32_t partitions = -1;          // -1 = the broker's num.partitions
  int32_t replication_factor = -1;  // -1 = the broker's default.replication.factor
  std::map<std::string, std::string> configs;
};

struct GroupListing {
  std::string id;
  std::string state;    // Stable, Empty, PreparingRebalance, ... (librdkafka's names)
  bool simple = false;  // only committed offsets, no members ever joined
};

struct TopicPartitionRef {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartitionRef&) const = default;
};

struct GroupMember {
  std::string member_id;
  std::string instance_id;  // static membership; "" when none
  std::string client_id;
  std::string host;
  std::vector<TopicPartitionRef> assignment;
};

struct GroupDescription {
  std::string id;
  std::string state;
  std::string assignor;
  std::vector<GroupMember> members;
};

struct CommittedOffset {
  TopicPartitionRef tp;
  int64_t offset = -1;  // -1: nothing committed
  Status error;
};

struct Watermarks {
  int64_t low = -1;
  int64_t high = -1;
};

class AdminClient {
 public:
  // Creates the client; connecting happens on first use.
  static Result<std::unique_ptr<AdminClient>> Create(const ClientOptions& options);

  // Brokers, controller and topics (all, or the named ones; a missing one carries
  // UNKNOWN_TOPIC_OR_PARTITION in its error).
  Result<ClusterInfo> Describe(const std::vector<std::string>& topics = {});

  Result<std::vector<Status>> CreateTopics(const std::vector<NewTopic>& topics, bool validate_only);
  Result<std::vector<Status>> DeleteTopics(const std::vector<std::string>& names);
  // (topic, new total partition count) pairs.
  Result<std::vector<Status>> CreatePartitions(
      const std::vector<std::pair<std::string, int32_t>>& topics, bool validate_only);
  // Every config of each topic (sorted by name), or the error of that topic.
  Result<std::vector<TopicConfigs>> DescribeTopicConfigs(const std::vector<std::string>& names);
  // Replaces each topic's overrides with exactly the given set (AlterConfigs: configs
  // not listed return to their defaults).
  Result<std::vector<Status>> ReplaceTopicConfigs(
      const std::vector<std::pair<std::string, std::map<std::string, std::string>>>& topics,
      bool validate_only);
  Result<Watermarks> QueryWatermarks(const std::string& topic, int32_t partition);
  // The first offset whose timestamp is >= `timestamp_ms` in each partition, or -1 when
  // every record is older.
  Result<std::vector<int64_t>> OffsetsForTime(const std::string& topic,
                                              const std::vector<int32_t>& partitions,
                                              int64_t timestamp_ms);

  // Consumer groups (admin_groups.cpp).
  Result<std::vector<GroupListing>> ListGroups();
  // Errors: the group's own error (e.g. GROUP_AUTHORIZATION_FAILED); an unknown group
  // is described as Dead with no members, as Kafka does.
  Result<GroupDescription> DescribeGroup(const std::string& group);
  // Every committed offset of the group, sorted by topic and partition.
  Result<std::vector<CommittedOffset>> GroupOffsets(const std::string& group);
  // Commits `offsets` for the group; one Status per partition, in order. Kafka refuses
  // this (UNKNOWN_MEMBER_ID) while the group has members.
  Result<std::vector<Status>> CommitGroupOffsets(const std::string& group,
                                                 const std::vector<CommittedOffset>& offsets);

  KafkaHandle& handle() { return *handle_; }

 private:
  explicit AdminClient(std::unique_ptr<KafkaHandle> handle) : handle_(std::move(handle)) {}
  std::unique_ptr<KafkaHandle> handle_;
};

}  // namespace gregor::cli
