#include "cluster/metadata_store.h"

#include <fmt/format.h>

#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/fs.h"
#include "cluster/topic_name.h"

namespace gregor::cluster {
namespace {

constexpr int kTopicsFileVersion = 1;

Status Corrupt(const std::string& path, std::string_view why) {
  return Status(ErrorCode::kKafkaStorageError, fmt::format("{} is malformed: {}", path, why));
}

}  // namespace

Result<std::unique_ptr<MetadataStore>> MetadataStore::Open(const std::string& data_dir,
                                                           NodeId node) {
  std::unique_ptr<MetadataStore> store(new MetadataStore(data_dir, node));
  GREGOR_RETURN_IF_ERROR(MakeDirectories(data_dir));
  GREGOR_RETURN_IF_ERROR(store->LoadOrCreateMeta());
  GREGOR_RETURN_IF_ERROR(store->LoadTopics());
  return store;
}

Status MetadataStore::LoadOrCreateMeta() {
  // Kafka's meta.properties layout: key=value lines.
  std::string path = dir_ + "/meta.properties";
  if (std::filesystem::exists(path)) {
    GREGOR_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.starts_with("cluster.id=")) cluster_id_ = line.substr(11);
    }
    if (!Uuid::FromBase64(cluster_id_)) return Corrupt(path, "no valid cluster.id");
    return Status::Ok();
  }
  cluster_id_ = Uuid::Random().ToBase64();
  std::string text = fmt::format("# written by gregor\nversion=1\ncluster.id={}\nnode.id={}\n",
                                 cluster_id_, node_id_.value());
  return WriteFileAtomically(path, text);
}

Status MetadataStore::LoadTopics() {
  std::string path = dir_ + "/topics.json";
  if (!std::filesystem::exists(path)) return Status::Ok();
  registry_existed_ = true;
  GREGOR_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Corrupt(path, "not a JSON object");
  if (doc.value("version", 0) != kTopicsFileVersion) return Corrupt(path, "unknown version");
  const auto& topics = doc["topics"];
  if (!topics.is_array()) return Corrupt(path, "topics is not an array");
  std::unique_lock lock(mu_);
  for (const auto& t : topics) {
    if (!t.is_object() || !t["name"].is_string() || !t["id"].is_string() ||
        !t["partitions"].is_number_integer()) {
      return Corrupt(path, "bad topic entry");
    }
    auto info = std::make_shared<TopicInfo>();
    info->name = t["name"].get<std::string>();
    auto id = Uuid::FromBase64(t["id"].get<std::string>());
    if (!id) return Corrupt(path, "bad topic id");
    info->id = *id;
    info->partitions = t["partitions"].get<int32_t>();
    info->internal = IsInternalTopic(info->name);
    if (t.contains("configs") && t["configs"].is_object()) {
      for (const auto& [k, v] : t["configs"].items()) {
        if (v.is_string()) info->configs[k] = v.get<std::string>();
      }
    }
    by_id_[info->id] = info;
    by_name_[info->name] = std::move(info);
  }
  return Status::Ok();
}

Status MetadataStore::PersistLocked() const {
  nlohmann::json topics = nlohmann::json::array();
  for (const auto& [name, info] : by_name_) {
    nlohmann::json configs = nlohmann::json::object();
    for (const auto& [k, v] : info->configs) configs[k] = v;
    topics.push_back({{"name", info->name},
                      {"id", info->id.ToBase64()},
                      {"partitions", info->partitions},
                      {"configs", configs}});
  }
  nlohmann::json doc = {{"version", kTopicsFileVersion}, {"topics", topics}};
  return WriteFileAtomically(dir_ + "/topics.json", doc.dump(1));
}

std::shared_ptr<const TopicInfo> MetadataStore::Find(std::string_view name) const {
  std::shared_lock lock(mu_);
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

std::shared_ptr<const TopicInfo> MetadataStore::FindById(const Uuid& id) const {
  std::shared_lock lock(mu_);
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const TopicInfo>> MetadataStore::List() const {
  std::shared_lock lock(mu_);
  std::vector<std::shared_ptr<const TopicInfo>> out;
  out.reserve(by_name_.size());
  for (const auto& [name, info] : by_name_) out.push_back(info);
  return out;
}

Result<std::shared_ptr<const TopicInfo>> MetadataStore::CreateTopic(
    std::string_view name, int32_t partitions, std::map<std::string, std::string> configs) {
  GREGOR_RETURN_IF_ERROR(ValidateTopicName(name));
  if (partitions <= 0) {
    return Status(ErrorCode::kInvalidPartitions, "number of partitions must be larger than 0");
  }
  std::unique_lock lock(mu_);
  GREGOR_RETURN_IF_ERROR(CheckNewTopicNameLocked(name));
  auto info = std::make_shared<TopicInfo>();
  info->name = std::string(name);
  do {
    info->id = Uuid::Random();
  } while (by_id_.count(info->id));
  info->partitions = partitions;
  info->configs = std::move(configs);
  info->internal = IsInternalTopic(name);
  by_name_[info->name] = info;
  by_id_[info->id] = info;
  Status s = PersistLocked();
  if (!s.ok()) {
    by_name_.erase(info->name);
    by_id_.erase(info->id);
    return s;
  }
  return std::shared_ptr<const TopicInfo>(info);
}

Status MetadataStore::CheckNewTopicName(std::string_view name) const {
  GREGOR_RETURN_IF_ERROR(ValidateTopicName(name));
  std::shared_lock lock(mu_);
  return CheckNewTopicNameLocked(name);
}

Status MetadataStore::CheckNewTopicNameLocked(std::string_view name) const {
  if (by_name_.count(name)) {
    return Status(ErrorCode::kTopicAlreadyExists, fmt::format("topic '{}' already exists", name));
  }
  std::string key = CollisionKey(name);
  for (const auto& [other, info] : by_name_) {
    if (CollisionKey(other) == key) {
      return Status(ErrorCode::kInvalidTopicException,
                    fmt::format("topic '{}' collides with existing topic '{}'", name, other));
    }
  }
  return Status::Ok();
}

Status MetadataStore::DeleteTopic(std::string_view name) {
  std::unique_lock lock(mu_);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) {
    return Status(ErrorCode::kUnknownTopicOrPartition, fmt::format("no topic '{}'", name));
  }
  auto info = it->second;
  by_name_.erase(it);
  by_id_.erase(info->id);
  Status s = PersistLocked();
  if (!s.ok()) {
    by_name_[info->name] = info;
    by_id_[info->id] = info;
  }
  return s;
}

Status MetadataStore::SetPartitionCount(std::string_view name, int32_t partitions) {
  std::unique_lock lock(mu_);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) {
    return Status(ErrorCode::kUnknownTopicOrPartition, fmt::format("no topic '{}'", name));
  }
  if (partitions <= it->second->partitions) {
    return Status(
        ErrorCode::kInvalidPartitions,
        fmt::format("topic has {} partitions; the count can only grow", it->second->partitions));
  }
  auto old = it->second;
  auto updated = std::make_shared<TopicInfo>(*old);
  updated->partitions = partitions;
  it->second = updated;
  by_id_[updated->id] = updated;
  Status s = PersistLocked();
  if (!s.ok()) {
    it->second = old;
    by_id_[old->id] = old;
  }
  return s;
}

Status MetadataStore::SetConfigs(std::string_view name,
                                 std::map<std::string, std::string> configs) {
  std::unique_lock lock(mu_);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) {
    return Status(ErrorCode::kUnknownTopicOrPartition, fmt::format("no topic '{}'", name));
  }
  auto old = it->second;
  auto updated = std::make_shared<TopicInfo>(*old);
  updated->configs = std::move(configs);
  it->second = updated;
  by_id_[updated->id] = updated;
  Status s = PersistLocked();
  if (!s.ok()) {
    it->second = old;
    by_id_[old->id] = old;
  }
  return s;
}

}  // namespace gregor::cluster
