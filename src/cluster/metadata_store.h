#pragma once

// Cluster metadata of this node: the cluster id (generated once, kept in
// <data>/meta.properties) and the topic registry (names, ids, partition counts,
// configs), persisted in <data>/topics.json.
//
// File format of topics.json (version 1):
//   {"version": 1, "topics": [{"name": "...", "id": "<22-char base64 uuid>",
//     "partitions": N, "configs": {"retention.ms": "..."}}]}
// Every change rewrites the whole file as topics.json.tmp, fsyncs it, renames it over
// topics.json and fsyncs the directory, so a crash leaves either the old or the new
// registry, never a mix. meta.properties is written the same way.
//
// Thread-safety: all methods are thread-safe. Readers get immutable snapshots
// (shared_ptr<const TopicInfo>) that stay valid after the topic changes or is deleted.

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "base/thread_annotations.h"
#include "base/types.h"
#include "base/uuid.h"

namespace gregor::cluster {

struct TopicInfo {
  std::string name;
  Uuid id;
  int32_t partitions = 0;
  std::map<std::string, std::string> configs;  // topic-level overrides, Kafka names
  bool internal = false;
};

// Whether `topic` (nullptr: not found) has partition `index`.
inline bool HasPartition(const TopicInfo* topic, int32_t index) {
  return topic != nullptr && index >= 0 && index < topic->partitions;
}

class MetadataStore {
 public:
  // Opens (creating if needed) the metadata under `data_dir`.
  // Errors: kKafkaStorageError when the directory or files cannot be read or written,
  // or a file is malformed.
  static Result<std::unique_ptr<MetadataStore>> Open(const std::string& data_dir, NodeId node);

  const std::string& cluster_id() const { return cluster_id_; }
  // False when Open found no topics.json: a data directory that never had a registry
  // (so partition directories in it are not known to be orphans).
  bool registry_existed() const { return registry_existed_; }
  NodeId node_id() const { return node_id_; }

  std::shared_ptr<const TopicInfo> Find(std::string_view name) const;
  std::shared_ptr<const TopicInfo> FindById(const Uuid& id) const;
  // Every topic, sorted by name.
  std::vector<std::shared_ptr<const TopicInfo>> List() const;

  // Creates a topic. Errors: kTopicAlreadyExists; kInvalidTopicException for a bad name
  // or one that collides with an existing topic's ('.' vs '_'); kInvalidPartitions;
  // kKafkaStorageError.
  Result<std::shared_ptr<const TopicInfo>> CreateTopic(std::string_view name, int32_t partitions,
                                                       std::map<std::string, std::string> configs);
  // Whether CreateTopic(name) would pass the name checks now: the same errors
  // (kInvalidTopicException, kTopicAlreadyExists), for validate-only requests.
  Status CheckNewTopicName(std::string_view name) const;
  // Errors: kUnknownTopicOrPartition, kKafkaStorageError.
  Status DeleteTopic(std::string_view name);
  // Raises the partition count. Errors: kUnknownTopicOrPartition, kInvalidPartitions.
  Status SetPartitionCount(std::string_view name, int32_t partitions);
  // Replaces the topic's config overrides. Errors: kUnknownTopicOrPartition.
  Status SetConfigs(std::string_view name, std::map<std::string, std::string> configs);

 private:
  MetadataStore(std::string data_dir, NodeId node) : dir_(std::move(data_dir)), node_id_(node) {}
  Status LoadOrCreateMeta();
  Status LoadTopics();
  Status PersistLocked() const REQUIRES(mu_);
  Status CheckNewTopicNameLocked(std::string_view name) const REQUIRES(mu_);

  const std::string dir_;
  const NodeId node_id_;
  std::string cluster_id_;
  bool registry_existed_ = false;

  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<const TopicInfo>, std::less<>> by_name_ GUARDED_BY(mu_);
  std::unordered_map<Uuid, std::shared_ptr<const TopicInfo>> by_id_ GUARDED_BY(mu_);
};

}  // namespace gregor::cluster
