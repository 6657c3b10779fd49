#include "broker/broker.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "base/fs.h"
#include "broker/broker_config.h"
#include "cluster/topic_config.h"

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
  storage::LogManagerOptions log_opts;
  log_opts.data_dir = b->data_dir_;
  log_opts.default_config = cluster::MakeLogConfig(c, {});
  log_opts.retention_check_interval_ms = c.GetLong("log.retention.check.interval.ms");
  GREGOR_ASSIGN_OR_RETURN(b->logs_, storage::LogManager::Open(log_opts));
  if (!b->logs_->opened_after_clean_shutdown()) {
    const auto& stats = b->logs_->recovery_stats();
    spdlog::info(
        "recovered partition logs after an unclean shutdown: {} segment(s), {} scanned, {} "
        "byte(s) of torn tail cut",
        stats.segments, stats.segments_recovered, stats.bytes_truncated);
  }
  // Apply each topic's config to its logs (and create logs missing after a crash).
  for (const auto& topic : b->metadata_->List()) {
    for (int32_t p = 0; p < topic->partitions; ++p) {
      GREGOR_RETURN_IF_ERROR(b->GetPartition(*topic, PartitionId(p)).status());
    }
  }

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
  if (logs_) {
    Status s = logs_->Close();
    if (!s.ok()) spdlog::error("closing the partition logs: {}", s.ToString());
    logs_.reset();
  }
}

Result<storage::PartitionLog*> Broker::GetPartition(const cluster::TopicInfo& topic,
                                                    PartitionId partition) {
  if (storage::PartitionLog* log = logs_->Get(topic.name, partition)) return log;
  return logs_->GetOrCreate(topic.name, partition, cluster::MakeLogConfig(config_, topic.configs));
}

Broker::Address Broker::advertised() const { return advertised_; }

Result<std::shared_ptr<const cluster::TopicInfo>> Broker::CreateTopic(
    std::string_view name, int32_t partitions, std::map<std::string, std::string> configs) {
  auto created = metadata_->CreateTopic(name, partitions, std::move(configs));
  if (created.ok()) {
    for (int32_t p = 0; p < partitions; ++p) {
      GREGOR_RETURN_IF_ERROR(GetPartition(**created, PartitionId(p)).status());
    }
    spdlog::info("created topic {} with {} partition(s), id {}", name, partitions,
                 (*created)->id.ToBase64());
  }
  return created;
}

}  // namespace gregor::broker
