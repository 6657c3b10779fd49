#include "broker/broker.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <thread>

#include "base/fs.h"
#include "broker/broker_config.h"
#include "cluster/dynamic_config.h"
#include "cluster/topic_config.h"
#include "group/coordinator_log.h"

namespace gregor::broker {

Result<std::unique_ptr<Broker>> Broker::Create(ConfigSet config) {
  std::unique_ptr<Broker> b(new Broker(std::move(config)));
  const ConfigSet& c = b->config_;
  int32_t broker_id = c.GetInt("broker.id");
  b->node_id_ = NodeId(c.IsSet("broker.id") && broker_id >= 0 ? broker_id : c.GetInt("node.id"));
  b->data_dir_ = c.GetString("log.dirs");
  if (b->data_dir_.empty()) b->data_dir_ = c.GetString("log.dir");
  if (b->data_dir_.find(',') != std::string::npos) {
    return Status(ErrorCode::kInvalidConfig, "log.dirs: only one data directory is supported");
  }
  GREGOR_RETURN_IF_ERROR(MakeDirectories(b->data_dir_));
  GREGOR_ASSIGN_OR_RETURN(b->metadata_, cluster::MetadataStore::Open(b->data_dir_, b->node_id_));
  {
    GREGOR_ASSIGN_OR_RETURN(auto stored, cluster::LoadDynamicBrokerConfigs(b->data_dir_));
    auto dynamic = cluster::NormalizeDynamicBrokerConfigs(c, stored);
    if (!dynamic.ok()) {
      return Status(ErrorCode::kInvalidConfig,
                    fmt::format("{}/broker-configs.json: {}", b->data_dir_,
                                dynamic.status().message()));
    }
    std::lock_guard lock(b->admin_mu_);
    b->dynamic_configs_ = std::move(*dynamic);
    std::lock_guard elock(b->effective_mu_);
    b->effective_config_ =
        std::make_shared<const ConfigSet>(cluster::WithDynamicConfigs(c, b->dynamic_configs_));
  }
  storage::LogManagerOptions log_opts;
  log_opts.data_dir = b->data_dir_;
  log_opts.default_config = cluster::MakeLogConfig(*b->effective_config(), {});
  log_opts.retention_check_interval_ms = c.GetLong("log.retention.check.interval.ms");
  log_opts.producer_id_expiration_ms = c.GetLong("producer.id.expiration.ms");
  GREGOR_ASSIGN_OR_RETURN(b->logs_, storage::LogManager::Open(log_opts));
  if (!b->logs_->opened_after_clean_shutdown()) {
    const auto& stats = b->logs_->recovery_stats();
    spdlog::info(
        "recovered partition logs after an unclean shutdown: {} segment(s), {} scanned, {} "
        "byte(s) cut after the last whole batches (torn writes and preallocated space)",
        stats.segments, stats.segments_recovered, stats.bytes_truncated);
  }
  b->RemoveOrphanPartitions();
  // Apply each topic's config to its logs (and create logs missing after a crash).
  {
    std::lock_guard lock(b->admin_mu_);
    for (const auto& topic : b->metadata_->List()) {
      for (int32_t p = 0; p < topic->partitions; ++p) {
        GREGOR_RETURN_IF_ERROR(b->OpenLogLocked(*topic, PartitionId(p)).status());
      }
    }
  }
  GREGOR_RETURN_IF_ERROR(b->OpenGroupCoordinator());
  GREGOR_RETURN_IF_ERROR(b->OpenTxnCoordinator());

  GREGOR_ASSIGN_OR_RETURN(auto listeners, ParseListeners(c.GetString("listeners")));
  net::ServerOptions opts;
  for (const Listener& l : listeners) opts.listen.push_back({l.host, l.port});
  int threads = c.GetInt("num.network.threads");
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  opts.num_loops = threads;
  opts.idle_timeout_ms = c.GetLong("connections.max.idle.ms");
  opts.limits.max_request_bytes = c.GetInt("socket.request.max.bytes");
  opts.limits.max_queued_requests = c.GetInt("queued.max.requests");
  b->dispatcher_ = std::make_unique<Dispatcher>(*b);
  b->server_ = std::make_unique<net::Server>(std::move(opts), *b->dispatcher_);
  return b;
}

Broker::~Broker() { Stop(); }

Status Broker::Start() {
  // Loading runs on the coordinator's thread; group requests meanwhile get
  // COORDINATOR_LOAD_IN_PROGRESS and retry.
  groups_->Start();
  txn_->Start();
  GREGOR_RETURN_IF_ERROR(server_->Start());
  GREGOR_ASSIGN_OR_RETURN(auto listeners, ParseListeners(config_.GetString("listeners")));
  GREGOR_ASSIGN_OR_RETURN(auto advertised,
                          ParseListeners(config_.GetString("advertised.listeners")));
  std::vector<uint16_t> ports = server_->bound_ports();
  if (!advertised.empty()) {
    advertised_ = {advertised[0].host, advertised[0].port};
  } else {
    const Listener& l = listeners[0];
    bool wildcard = l.host.empty() || l.host == "0.0.0.0" || l.host == "::";
    advertised_ = {wildcard ? "127.0.0.1" : l.host, ports[0]};
  }
  if (advertised_.port == 0) advertised_.port = ports[0];
  return Status::Ok();
}

void Broker::Stop() {
  if (server_) server_->Stop();
  // Drops held group answers, and with them their connections, while the loops exist.
  if (groups_) groups_->Stop();
  if (txn_) txn_->Stop();
  if (logs_) {
    // Runs the last flush callbacks (acks=all produces, coordinator writes): their answers
    // are posted to the stopped loops and never sent.
    Status s = logs_->Close();
    if (!s.ok()) spdlog::error("closing the partition logs: {}", s.ToString());
  }
  // The loops go first: what is still queued on them (a long-poll fetch's timer) refers to
  // partition logs, which must outlive it.
  server_.reset();
  logs_.reset();
  txn_.reset();
  txn_participants_.reset();
  txn_log_.reset();
  groups_.reset();
  group_log_.reset();
}

Status Broker::OpenGroupCoordinator() {
  static constexpr std::string_view kOffsetsTopic = "__consumer_offsets";
  auto topic = metadata_->Find(kOffsetsTopic);
  // An existing topic keeps its partition count: changing it would move groups.
  int32_t partitions =
      topic != nullptr ? topic->partitions : config_.GetInt("offsets.topic.num.partitions");
  auto open = [this, partitions]() -> Result<std::vector<storage::PartitionLog*>> {
    auto info = metadata_->Find(kOffsetsTopic);
    if (info == nullptr) {
      std::map<std::string, std::string> configs = {
          {"cleanup.policy", "compact"},
          {"compression.type", "producer"},
          {"segment.bytes", std::to_string(config_.GetInt("offsets.topic.segment.bytes"))},
      };
      GREGOR_ASSIGN_OR_RETURN(info, CreateTopic(kOffsetsTopic, partitions, std::move(configs)));
    }
    std::vector<storage::PartitionLog*> logs;
    for (int32_t p = 0; p < info->partitions; ++p) {
      GREGOR_ASSIGN_OR_RETURN(storage::PartitionLog * log, GetPartition(*info, PartitionId(p)));
      logs.push_back(log);
    }
    return logs;
  };
  std::vector<storage::PartitionLog*> logs;
  if (topic != nullptr) {
    GREGOR_ASSIGN_OR_RETURN(logs, open());
  }
  group::CoordinatorConfig gc;
  gc.initial_rebalance_delay_ms = config_.GetInt("group.initial.rebalance.delay.ms");
  gc.min_session_timeout_ms = config_.GetInt("group.min.session.timeout.ms");
  gc.max_session_timeout_ms = config_.GetInt("group.max.session.timeout.ms");
  gc.max_group_size = config_.GetInt("group.max.size");
  gc.offsets_retention_ms = int64_t{config_.GetInt("offsets.retention.minutes")} * 60 * 1000;
  gc.offsets_retention_check_interval_ms = config_.GetLong("offsets.retention.check.interval.ms");
  gc.offset_metadata_max_bytes = config_.GetInt("offset.metadata.max.bytes");
  group_log_ = std::make_unique<group::PartitionCoordinatorLog>(
      partitions, std::move(logs), std::move(open), logs_->flush_scheduler(),
      SystemClock::Instance());
  groups_ = std::make_unique<group::GroupCoordinator>(gc, *group_log_, SystemClock::Instance());
  return Status::Ok();
}

Status Broker::OpenTxnCoordinator() {
  GREGOR_ASSIGN_OR_RETURN(producer_ids_, txn::ProducerIdManager::Open(data_dir_));
  auto topic = metadata_->Find(txn::kTransactionStateTopic);
  // An existing topic keeps its partition count: changing it would move transactional ids.
  int32_t partitions = topic != nullptr ? topic->partitions
                                        : config_.GetInt("transaction.state.log.num.partitions");
  auto open = [this, partitions]() -> Result<std::vector<storage::PartitionLog*>> {
    auto info = metadata_->Find(txn::kTransactionStateTopic);
    if (info == nullptr) {
      std::map<std::string, std::string> configs = {
          {"cleanup.policy", "compact"},
          {"compression.type", "producer"},
          {"segment.bytes",
           std::to_string(config_.GetInt("transaction.state.log.segment.bytes"))},
      };
      GREGOR_ASSIGN_OR_RETURN(
          info, CreateTopic(txn::kTransactionStateTopic, partitions, std::move(configs)));
    }
    std::vector<storage::PartitionLog*> logs;
    for (int32_t p = 0; p < info->partitions; ++p) {
      GREGOR_ASSIGN_OR_RETURN(storage::PartitionLog * log, GetPartition(*info, PartitionId(p)));
      logs.push_back(log);
    }
    return logs;
  };
  std::vector<storage::PartitionLog*> logs;
  if (topic != nullptr) {
    GREGOR_ASSIGN_OR_RETURN(logs, open());
  }
  txn_log_ = std::make_unique<group::PartitionCoordinatorLog>(
      partitions, std::move(logs), std::move(open), logs_->flush_scheduler(),
      SystemClock::Instance());
  auto find_log = [this](const group::TopicPartition& tp) -> Result<storage::PartitionLog*> {
    auto info = metadata_->Find(tp.topic);
    if (info == nullptr || tp.partition.value() >= info->partitions) {
      return Status(ErrorCode::kUnknownTopicOrPartition,
                    fmt::format("{}-{} no longer exists", tp.topic, tp.partition.value()));
    }
    return GetPartition(*info, tp.partition);
  };
  txn_participants_ = std::make_unique<txn::BrokerParticipants>(
      std::move(find_log), logs_->flush_scheduler(), *groups_, SystemClock::Instance());
  txn::TxnCoordinatorConfig tc;
  tc.max_timeout_ms = config_.GetInt("transaction.max.timeout.ms");
  tc.id_expiration_ms = config_.GetInt("transactional.id.expiration.ms");
  tc.abort_check_interval_ms =
      config_.GetInt("transaction.abort.timed.out.transaction.cleanup.interval.ms");
  tc.expiration_check_interval_ms =
      config_.GetInt("transaction.remove.expired.transaction.cleanup.interval.ms");
  txn_ = std::make_unique<txn::TxnCoordinator>(tc, *txn_log_, *txn_participants_, *producer_ids_,
                                               SystemClock::Instance());
  return Status::Ok();
}

std::vector<group::PartitionLag> Broker::GroupLag(const std::string& group_id) {
  group::OffsetFetchResult committed = groups_->FetchOffsets(group_id, std::nullopt);
  return group::ComputeLag(committed.offsets,
                           [this](const group::TopicPartition& tp) -> std::optional<Offset> {
                             storage::PartitionLog* log = logs_->Get(tp.topic, tp.partition);
                             if (log == nullptr) return std::nullopt;
                             return log->high_watermark();
                           });
}

Result<storage::PartitionLog*> Broker::FindPartition(const cluster::TopicInfo* topic,
                                                     int32_t index) {
  if (!cluster::HasPartition(topic, index)) {
    return Status(ErrorCode::kUnknownTopicOrPartition, "");
  }
  return GetPartition(*topic, PartitionId(index));
}

Result<storage::PartitionLog*> Broker::GetPartition(const cluster::TopicInfo& topic,
                                                    PartitionId partition) {
  if (storage::PartitionLog* log = logs_->Get(topic.name, partition)) return log;
  std::lock_guard lock(admin_mu_);
  // `topic` is a snapshot: the topic may have been deleted (or deleted and re-created)
  // since it was read, and creating its directory now would resurrect it.
  auto current = metadata_->Find(topic.name);
  if (current == nullptr || current->id != topic.id || partition.value() >= current->partitions) {
    return Status(
        ErrorCode::kUnknownTopicOrPartition,
        fmt::format("topic {} partition {} no longer exists", topic.name, partition.value()));
  }
  return OpenLogLocked(*current, partition);
}

Result<storage::PartitionLog*> Broker::OpenLogLocked(const cluster::TopicInfo& topic,
                                                     PartitionId partition) {
  return logs_->GetOrCreate(topic.name, partition,
                            cluster::MakeLogConfig(*effective_config(), topic.configs));
}

void Broker::RemoveOrphanPartitions() {
  for (const auto& [topic, partition] : logs_->Partitions()) {
    auto info = metadata_->Find(topic);
    if (info != nullptr && partition.value() < info->partitions) continue;
    if (!metadata_->registry_existed()) {
      spdlog::warn("partition directory {}-{} has no topic: no topics.json in {}; leaving it",
                   topic, partition.value(), data_dir_);
      continue;
    }
    // DeleteTopic removes the registry entry before the directories; a crash in between
    // leaves these behind.
    Status s = logs_->RemovePartition(topic, partition);
    if (s.ok()) {
      spdlog::info("removed partition {}-{}: its topic was deleted", topic, partition.value());
    } else {
      spdlog::warn("removing orphan partition {}-{}: {}", topic, partition.value(), s.ToString());
    }
  }
}

Broker::Address Broker::advertised() const { return advertised_; }

Result<std::shared_ptr<const cluster::TopicInfo>> Broker::CreateTopic(
    std::string_view name, int32_t partitions, std::map<std::string, std::string> configs) {
  std::lock_guard lock(admin_mu_);
  auto created = metadata_->CreateTopic(name, partitions, std::move(configs));
  if (created.ok()) {
    // A failure here leaves the topic registered; its missing logs are created on first
    // use or at the next start.
    for (int32_t p = 0; p < partitions; ++p) {
      GREGOR_RETURN_IF_ERROR(OpenLogLocked(**created, PartitionId(p)).status());
    }
    spdlog::info("created topic {} with {} partition(s), id {}", name, partitions,
                 (*created)->id.ToBase64());
  }
  return created;
}

Status Broker::DeleteTopic(std::string_view name) {
  std::lock_guard lock(admin_mu_);
  auto info = metadata_->Find(name);
  if (info == nullptr) {
    return Status(ErrorCode::kUnknownTopicOrPartition, fmt::format("no topic '{}'", name));
  }
  // The registry first: once it is persisted the topic is gone for clients, and a crash
  // before the directories are renamed is completed by RemoveOrphanPartitions at start.
  GREGOR_RETURN_IF_ERROR(metadata_->DeleteTopic(name));
  int removed = 0;
  for (const auto& [topic, partition] : logs_->Partitions()) {
    if (topic != name) continue;
    // Fetches and produces holding this log's pointer get errors from now on; the
    // log manager keeps the object alive.
    Status s = logs_->RemovePartition(topic, partition);
    if (s.ok()) {
      ++removed;
    } else {
      spdlog::warn("deleting topic {}: partition {}: {} (removed at the next start)", name,
                   partition.value(), s.ToString());
    }
  }
  spdlog::info("deleted topic {} (id {}): {} partition director{} queued for deletion", name,
               info->id.ToBase64(), removed, removed == 1 ? "y" : "ies");
  return Status::Ok();
}

Status Broker::CreatePartitions(std::string_view name, int32_t partitions) {
  std::lock_guard lock(admin_mu_);
  auto before = metadata_->Find(name);
  GREGOR_RETURN_IF_ERROR(metadata_->SetPartitionCount(name, partitions));
  auto info = metadata_->Find(name);
  GREGOR_CHECK(info != nullptr);
  for (int32_t p = before->partitions; p < info->partitions; ++p) {
    GREGOR_RETURN_IF_ERROR(OpenLogLocked(*info, PartitionId(p)).status());
  }
  spdlog::info("topic {}: partitions {} -> {}", name, before->partitions, info->partitions);
  return Status::Ok();
}

Status Broker::SetTopicConfigs(std::string_view name, std::map<std::string, std::string> configs) {
  std::lock_guard lock(admin_mu_);
  return SetTopicConfigsLocked(name, std::move(configs));
}

Status Broker::AlterTopicConfigs(std::string_view name, const ConfigUpdate& compute,
                                 bool validate_only) {
  std::lock_guard lock(admin_mu_);
  auto info = metadata_->Find(name);
  if (info == nullptr) {
    return Status(ErrorCode::kUnknownTopicOrPartition,
                  fmt::format("topic '{}' does not exist", name));
  }
  GREGOR_ASSIGN_OR_RETURN(auto configs, compute(*info));
  if (validate_only) return Status::Ok();
  return SetTopicConfigsLocked(name, std::move(configs));
}

Status Broker::SetTopicConfigsLocked(std::string_view name,
                                     std::map<std::string, std::string> configs) {
  GREGOR_RETURN_IF_ERROR(metadata_->SetConfigs(name, std::move(configs)));
  auto info = metadata_->Find(name);
  GREGOR_CHECK(info != nullptr);
  storage::LogConfig log_config = cluster::MakeLogConfig(*effective_config(), info->configs);
  for (int32_t p = 0; p < info->partitions; ++p) {
    if (storage::PartitionLog* log = logs_->Get(info->name, PartitionId(p))) {
      log->UpdateConfig(log_config);
    }
  }
  spdlog::info("topic {}: config overrides now {{{}}}", name, [&] {
    std::string out;
    for (const auto& [k, v] : info->configs) out += (out.empty() ? "" : ", ") + k + "=" + v;
    return out;
  }());
  return Status::Ok();
}

std::shared_ptr<const ConfigSet> Broker::effective_config() const {
  std::lock_guard lock(effective_mu_);
  return effective_config_;
}

Status Broker::AlterBrokerConfigs(const BrokerConfigUpdate& compute, bool validate_only) {
  std::lock_guard lock(admin_mu_);
  GREGOR_ASSIGN_OR_RETURN(auto next, compute(dynamic_configs_));
  if (validate_only || next == dynamic_configs_) return Status::Ok();
  GREGOR_RETURN_IF_ERROR(cluster::SaveDynamicBrokerConfigs(data_dir_, next));
  dynamic_configs_ = std::move(next);
  auto effective =
      std::make_shared<const ConfigSet>(cluster::WithDynamicConfigs(config_, dynamic_configs_));
  {
    std::lock_guard elock(effective_mu_);
    effective_config_ = effective;
  }
  // Topics without their own override take the new defaults at once.
  for (const auto& topic : metadata_->List()) {
    storage::LogConfig log_config = cluster::MakeLogConfig(*effective, topic->configs);
    for (int32_t p = 0; p < topic->partitions; ++p) {
      if (storage::PartitionLog* log = logs_->Get(topic->name, PartitionId(p))) {
        log->UpdateConfig(log_config);
      }
    }
  }
  spdlog::info("dynamic broker configs now {{{}}}", [&] {
    std::string out;
    for (const auto& [k, v] : dynamic_configs_) out += (out.empty() ? "" : ", ") + k + "=" + v;
    return out;
  }());
  return Status::Ok();
}

}  // namespace gregor::broker
