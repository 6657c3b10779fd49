#pragma once

// The broker process: configuration, data directory, topic registry, partition logs,
// the network server and the dispatcher. main() creates one, Start()s it, and Stop()s it on a
// signal.

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/config.h"
#include "base/thread_annotations.h"
#include "base/types.h"
#include "broker/dispatcher.h"
#include "cluster/metadata_store.h"
#include "group/group_coordinator.h"
#include "group/lag.h"
#include "net/server.h"
#include "storage/log_manager.h"
#include "txn/broker_participants.h"
#include "txn/producer_id_manager.h"
#include "txn/txn_coordinator.h"

namespace gregor::broker {

class Broker {
 public:
  // Errors: kInvalidConfig, kKafkaStorageError (data directory unusable).
  static Result<std::unique_ptr<Broker>> Create(ConfigSet config);
  ~Broker();

  // Binds listeners and starts serving. Errors: kUnknownServerError (bind failure).
  Status Start();
  // Orderly shutdown: stop accepting, close connections, flush and close storage.
  void Stop();

  const ConfigSet& config() const { return config_; }
  NodeId node_id() const { return node_id_; }
  cluster::MetadataStore& metadata() { return *metadata_; }
  const std::string& data_dir() const { return data_dir_; }

  struct Address {
    std::string host;
    int32_t port = 0;
  };
  // Where clients reach this broker (advertised.listeners, else the first listener with
  // a wildcard host shown as 127.0.0.1 and port 0 replaced by the bound port).
  Address advertised() const;
  std::vector<uint16_t> bound_ports() const {
    return server_ ? server_->bound_ports() : std::vector<uint16_t>();
  }

  // The log of `topic`'s partition, created with the topic's config if it is missing
  // (e.g. after a crash between the registry write and the directory creation).
  // REQUIRES: 0 <= partition < topic.partitions. Errors: kKafkaStorageError;
  // kUnknownTopicOrPartition when `topic` (a snapshot) has been deleted meanwhile, so
  // that a late request cannot resurrect a deleted topic's directory.
  Result<storage::PartitionLog*> GetPartition(const cluster::TopicInfo& topic,
                                              PartitionId partition);
  // The same for a partition a request names: `topic` is null for an unknown topic, and
  // `index` is unchecked. Errors: kUnknownTopicOrPartition, then as GetPartition.
  Result<storage::PartitionLog*> FindPartition(const cluster::TopicInfo* topic, int32_t index);
  storage::FlushScheduler& flusher() { return logs_->flush_scheduler(); }
  storage::LogManager& logs() { return *logs_; }
  // The group coordinator (this node coordinates every group). Lives from Create to Stop.
  group::GroupCoordinator& groups() { return *groups_; }
  // Consumer lag of each partition `group_id` has committed, against the high watermark.
  std::vector<group::PartitionLag> GroupLag(const std::string& group_id);
  // Producer ids of idempotent producers (InitProducerId without a transactional id).
  txn::ProducerIdManager& producer_ids() { return *producer_ids_; }
  // The transaction coordinator (every transactional id). Lives from Create to Stop.
  txn::TxnCoordinator& txn() { return *txn_; }

  // Creates a topic with `partitions` and config overrides. Thread-safe.
  // Errors: as cluster::MetadataStore::CreateTopic.
  Result<std::shared_ptr<const cluster::TopicInfo>> CreateTopic(
      std::string_view name, int32_t partitions, std::map<std::string, std::string> configs);

  // Topic administration (CreatePartitions, DeleteTopics, AlterConfigs). Each persists the
  // registry change first, then applies it to the logs, so a crash in between leaves a
  // state that the next start completes: missing partition logs are created, and
  // partition directories of deleted topics are removed. Thread-safe.
  //
  // Deletes the topic; its partition directories are renamed at once and deleted by the
  // log manager's background thread. Errors: kUnknownTopicOrPartition, kKafkaStorageError.
  Status DeleteTopic(std::string_view name);
  // Raises the partition count. Errors: as cluster::MetadataStore::SetPartitionCount.
  Status CreatePartitions(std::string_view name, int32_t partitions);
  // Replaces the topic's config overrides and applies them to its logs at once.
  // REQUIRES: `configs` were validated. Errors: kUnknownTopicOrPartition, kKafkaStorageError.
  Status SetTopicConfigs(std::string_view name, std::map<std::string, std::string> configs);
  // Read-modify-write of a topic's overrides under the admin lock, so that concurrent
  // changes are not lost: `compute` gets the current topic and returns its new (validated)
  // overrides, which are then persisted and applied as by SetTopicConfigs unless
  // `validate_only`. Errors: kUnknownTopicOrPartition, compute's error, kKafkaStorageError.
  using ConfigUpdate =
      std::function<Result<std::map<std::string, std::string>>(const cluster::TopicInfo&)>;
  Status AlterTopicConfigs(std::string_view name, const ConfigUpdate& compute, bool validate_only);

  // The broker config with its dynamic changes (cluster/dynamic_config.h) applied: the
  // source of every topic's defaults and of DescribeConfigs. A snapshot; thread-safe.
  std::shared_ptr<const ConfigSet> effective_config() const;
  // Read-modify-write of the dynamic broker configs under the admin lock: `compute` gets
  // the current ones and returns the new ones (normalised), which are persisted and applied
  // at once to every partition log whose topic does not override them, unless
  // `validate_only`. Errors: compute's error, kKafkaStorageError.
  using BrokerConfigUpdate = std::function<Result<std::map<std::string, std::string>>(
      const std::map<std::string, std::string>& current)>;
  Status AlterBrokerConfigs(const BrokerConfigUpdate& compute, bool validate_only);

 private:
  explicit Broker(ConfigSet config) : config_(std::move(config)) {}
  Result<storage::PartitionLog*> OpenLogLocked(const cluster::TopicInfo& topic,
                                               PartitionId partition) REQUIRES(admin_mu_);
  Status SetTopicConfigsLocked(std::string_view name, std::map<std::string, std::string> configs)
      REQUIRES(admin_mu_);
  // Removes partition directories that the registry does not know (a crash during
  // DeleteTopics). Runs once, before serving.
  void RemoveOrphanPartitions();
  // The group coordinator on __consumer_offsets, which is created (compacted,
  // offsets.topic.num.partitions) when groups first write to it, as Kafka creates it on
  // first use. Errors: kKafkaStorageError.
  Status OpenGroupCoordinator();
  // The transaction coordinator on __transaction_state, created (compacted,
  // transaction.state.log.num.partitions) when transactions first write to it.
  Status OpenTxnCoordinator();

  ConfigSet config_;
  NodeId node_id_;
  std::string data_dir_;
  std::unique_ptr<cluster::MetadataStore> metadata_;
  std::unique_ptr<storage::LogManager> logs_;
  // Created after logs_, stopped before it closes, destroyed after (flush callbacks of
  // the coordinator's writes run until the log manager has closed).
  std::unique_ptr<group::CoordinatorLog> group_log_;
  std::unique_ptr<group::GroupCoordinator> groups_;
  // Like the group coordinator's: stopped before the logs close, destroyed after.
  std::unique_ptr<txn::ProducerIdManager> producer_ids_;
  std::unique_ptr<group::CoordinatorLog> txn_log_;
  std::unique_ptr<txn::BrokerParticipants> txn_participants_;
  std::unique_ptr<txn::TxnCoordinator> txn_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<net::Server> server_;
  Address advertised_;
  // Serialises topic administration with the creation of missing partition logs.
  std::mutex admin_mu_;
  std::map<std::string, std::string> dynamic_configs_ GUARDED_BY(admin_mu_);
  mutable std::mutex effective_mu_;  // guards only the pointer swap
  std::shared_ptr<const ConfigSet> effective_config_ GUARDED_BY(effective_mu_);
};

}  // namespace gregor::broker
