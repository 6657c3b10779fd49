#include "cli/admin_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "cli/admin_call.h"

namespace gregor::cli {
namespace {

std::vector<Status> TopicResults(const rd_kafka_topic_result_t** results, size_t n,
                                 const std::vector<std::string>& order) {
  std::map<std::string, Status> by_name;
  for (size_t i = 0; i < n; ++i) {
    const char* msg = rd_kafka_topic_result_error_string(results[i]);
    by_name[rd_kafka_topic_result_name(results[i])] =
        RdkafkaStatus(rd_kafka_topic_result_error(results[i]), msg ? msg : "");
  }
  std::vector<Status> out;
  for (const std::string& name : order) {
    auto it = by_name.find(name);
    out.push_back(it != by_name.end()
                      ? it->second
                      : Status(ErrorCode::kUnknownServerError, "no result for " + name));
  }
  return out;
}

ConfigEntry ToEntry(const rd_kafka_ConfigEntry_t* e) {
  ConfigEntry c;
  c.name = rd_kafka_ConfigEntry_name(e);
  if (const char* v = rd_kafka_ConfigEntry_value(e)) c.value = v;
  c.source = static_cast<int>(rd_kafka_ConfigEntry_source(e));
  c.is_default = rd_kafka_ConfigEntry_is_default(e) != 0;
  c.read_only = rd_kafka_ConfigEntry_is_read_only(e) != 0;
  c.sensitive = rd_kafka_ConfigEntry_is_sensitive(e) != 0;
  return c;
}

}  // namespace

std::string ConfigSourceName(int source) {
  return rd_kafka_ConfigSource_name(static_cast<rd_kafka_ConfigSource_t>(source));
}

Result<std::unique_ptr<AdminClient>> AdminClient::Create(const ClientOptions& options) {
  GREGOR_ASSIGN_OR_RETURN(
      auto handle,
      KafkaHandle::Create(options, RD_KAFKA_PRODUCER, {{"allow.auto.create.topics", "false"}}));
  return std::unique_ptr<AdminClient>(new AdminClient(std::move(handle)));
}

Result<ClusterInfo> AdminClient::Describe(const std::vector<std::string>& topics) {
  ClusterInfo out;
  auto add_topics = [&](const rd_kafka_metadata_t* md) {
    for (int i = 0; i < md->topic_cnt; ++i) {
      const rd_kafka_metadata_topic_t& t = md->topics[i];
      TopicInfo info;
      info.name = t.topic;
      info.error = RdkafkaStatus(t.err);
      for (int p = 0; p < t.partition_cnt; ++p) {
        const rd_kafka_metadata_partition_t& mp = t.partitions[p];
        PartitionInfo pi;
        pi.id = mp.id;
        pi.leader = mp.leader;
        pi.replicas.assign(mp.replicas, mp.replicas + mp.replica_cnt);
        pi.isr.assign(mp.isrs, mp.isrs + mp.isr_cnt);
        pi.error = RdkafkaStatus(mp.err);
        info.partitions.push_back(std::move(pi));
      }
      std::sort(info.partitions.begin(), info.partitions.end(),
                [](const PartitionInfo& a, const PartitionInfo& b) { return a.id < b.id; });
      out.topics.push_back(std::move(info));
    }
  };
  auto add_brokers = [&](const rd_kafka_metadata_t* md) {
    out.brokers.clear();
    for (int i = 0; i < md->broker_cnt; ++i) {
      out.brokers.push_back({md->brokers[i].id, md->brokers[i].host, md->brokers[i].port});
    }
    std::sort(out.brokers.begin(), out.brokers.end(),
              [](const BrokerInfo& a, const BrokerInfo& b) { return a.id < b.id; });
    out.controller_id = rd_kafka_controllerid(handle_->get(), 0);
  };
  if (topics.empty()) {
    GREGOR_ASSIGN_OR_RETURN(auto md, handle_->Metadata());
    add_brokers(md.get());
    add_topics(md.get());
  } else {
    for (const std::string& name : topics) {
      GREGOR_ASSIGN_OR_RETURN(auto md, handle_->Metadata(&name));
      add_brokers(md.get());
      add_topics(md.get());
    }
  }
  std::sort(out.topics.begin(), out.topics.end(),
            [](const TopicInfo& a, const TopicInfo& b) { return a.name < b.name; });
  return out;
}

Result<std::vector<Status>> AdminClient::CreateTopics(const std::vector<NewTopic>& topics,
                                                      bool validate_only) {
  if (topics.empty()) return std::vector<Status>{};
  AdminCall call(*handle_, RD_KAFKA_ADMIN_OP_CREATETOPICS, validate_only);
  std::vector<rd_kafka_NewTopic_t*> items;
  std::vector<std::string> order;
  char errstr[512];
  Status bad;
  for (const NewTopic& t : topics) {
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(t.name.c_str(), t.partitions,
                                                    t.replication_factor, errstr, sizeof(errstr));
    if (nt == nullptr) {
      bad = Status(ErrorCode::kInvalidRequest, fmt::format("{}: {}", t.name, errstr));
      break;
    }
    items.push_back(nt);
    order.push_back(t.name);
    for (const auto& [k, v] : t.configs) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
  }
  if (bad.ok()) {
    rd_kafka_CreateTopics(handle_->get(), items.data(), items.size(), call.options(), call.queue());
  }
  rd_kafka_NewTopic_destroy_array(items.data(), items.size());
  GREGOR_RETURN_IF_ERROR(bad);
  GREGOR_ASSIGN_OR_RETURN(rd_kafka_event_t * ev, call.Wait());
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
  return TopicResults(results, n, order);
}

Result<std::vector<Status>> AdminClient::DeleteTopics(const std::vector<std::string>& names) {
  if (names.empty()) return std::vector<Status>{};
  AdminCall call(*handle_, RD_KAFKA_ADMIN_OP_DELETETOPICS, false);
  std::vector<rd_kafka_DeleteTopic_t*> items;
  for (const std::string& n : names) items.push_back(rd_kafka_DeleteTopic_new(n.c_str()));
  rd_kafka_DeleteTopics(handle_->get(), items.data(), items.size(), call.options(), call.queue());
  rd_kafka_DeleteTopic_destroy_array(items.data(), items.size());
  GREGOR_ASSIGN_OR_RETURN(rd_kafka_event_t * ev, call.Wait());
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
  return TopicResults(results, n, names);
}

Result<std::vector<Status>> AdminClient::CreatePartitions(
    const std::vector<std::pair<std::string, int32_t>>& topics, bool validate_only) {
  if (topics.empty()) return std::vector<Status>{};
  AdminCall call(*handle_, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, validate_only);
  std::vector<rd_kafka_NewPartitions_t*> items;
  std::vector<std::string> order;
  char errstr[512];
  Status bad;
  for (const auto& [name, count] : topics) {
    rd_kafka_NewPartitions_t* np = rd_kafka_NewPartitions_new(
        name.c_str(), static_cast<size_t>(count), errstr, sizeof(errstr));
    if (np == nullptr) {
      bad = Status(ErrorCode::kInvalidPartitions, fmt::format("{}: {}", name, errstr));
      break;
    }
    items.push_back(np);
    order.push_back(name);
  }
  if (bad.ok()) {
    rd_kafka_CreatePartitions(handle_->get(), items.data(), items.size(), call.options(),
                              call.queue());
  }
  rd_kafka_NewPartitions_destroy_array(items.data(), items.size());
  GREGOR_RETURN_IF_ERROR(bad);
  GREGOR_ASSIGN_OR_RETURN(rd_kafka_event_t * ev, call.Wait());
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev), &n);
  return TopicResults(results, n, order);
}

Result<std::vector<TopicConfigs>> AdminClient::DescribeTopicConfigs(
    const std::vector<std::string>& names) {
  std::vector<TopicConfigs> out;
  if (names.empty()) return out;
  AdminCall call(*handle_, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, false);
  std::vector<rd_kafka_ConfigResource_t*> items;
  for (const std::string& n : names) {
    items.push_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, n.c_str()));
  }
  rd_kafka_DescribeConfigs(handle_->get(), items.data(), items.size(), call.options(),
                           call.queue());
  rd_kafka_ConfigResource_destroy_array(items.data(), items.size());
  GREGOR_ASSIGN_OR_RETURN(rd_kafka_event_t * ev, call.Wait());
  size_t n = 0;
  const rd_kafka_ConfigResource_t** results =
      rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &n);
  std::map<std::string, Status> errors;
  std::map<std::string, std::vector<ConfigEntry>> found;
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_ConfigResource_t* r = results[i];
    std::string name = rd_kafka_ConfigResource_name(r);
    rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(r);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* msg = rd_kafka_ConfigResource_error_string(r);
      errors[name] = RdkafkaStatus(err, msg ? msg : "");
      continue;
    }
    size_t cnt = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(r, &cnt);
    std::vector<ConfigEntry>& configs = found[name];
    for (size_t j = 0; j < cnt; ++j) configs.push_back(ToEntry(entries[j]));
    std::sort(configs.begin(), configs.end(),
              [](const ConfigEntry& a, const ConfigEntry& b) { return a.name < b.name; });
  }
  for (const std::string& name : names) {
    TopicConfigs& t = out.emplace_back();
    if (auto e = errors.find(name); e != errors.end()) {
      t.error = e->second;
    } else if (auto f = found.find(name); f != found.end()) {
      t.configs = std::move(f->second);
    } else {
      t.error = Status(ErrorCode::kUnknownServerError, "no result for " + name);
    }
  }
  return out;
}

Result<std::vector<Status>> AdminClient::ReplaceTopicConfigs(
    const std::vector<std::pair<std::string, std::map<std::string, std::string>>>& topics,
    bool validate_only) {
  std::vector<Status> out;
  if (topics.empty()) return out;
  AdminCall call(*handle_, RD_KAFKA_ADMIN_OP_ALTERCONFIGS, validate_only);
  std::vector<rd_kafka_ConfigResource_t*> items;
  std::vector<std::string> order;
  for (const auto& [name, configs] : topics) {
    rd_kafka_ConfigResource_t* r =
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str());
    for (const auto& [k, v] : configs) rd_kafka_ConfigResource_set_config(r, k.c_str(), v.c_str());
    items.push_back(r);
    order.push_back(name);
  }
  rd_kafka_AlterConfigs(handle_->get(), items.data(), items.size(), call.options(), call.queue());
  rd_kafka_ConfigResource_destroy_array(items.data(), items.size());
  GREGOR_ASSIGN_OR_RETURN(rd_kafka_event_t * ev, call.Wait());
  size_t n = 0;
  const rd_kafka_ConfigResource_t** results =
      rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev), &n);
  std::map<std::string, Status> by_name;
  for (size_t i = 0; i < n; ++i) {
    const char* msg = rd_kafka_ConfigResource_error_string(results[i]);
    by_name[rd_kafka_ConfigResource_name(results[i])] =
        RdkafkaStatus(rd_kafka_ConfigResource_error(results[i]), msg ? msg : "");
  }
  for (const std::string& name : order) {
    auto it = by_name.find(name);
    out.push_back(it != by_name.end() ? it->second
                                      : Status(ErrorCode::kUnknownServerError, "no result"));
  }
  return out;
}

Result<Watermarks> AdminClient::QueryWatermarks(const std::string& topic, int32_t partition) {
  Watermarks w;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
      handle_->get(), topic.c_str(), partition, &w.low, &w.high, handle_->options().timeout_ms);
  GREGOR_RETURN_IF_ERROR(RdkafkaStatus(err));
  return w;
}

Result<std::vector<int64_t>> AdminClient::OffsetsForTime(const std::string& topic,
                                                         const std::vector<int32_t>& partitions,
                                                         int64_t timestamp_ms) {
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()));
  for (int32_t p : partitions) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = timestamp_ms;
  }
  rd_kafka_resp_err_t err =
      rd_kafka_offsets_for_times(handle_->get(), list, handle_->options().timeout_ms);
  std::vector<int64_t> out;
  Status status = RdkafkaStatus(err);
  for (int i = 0; status.ok() && i < list->cnt; ++i) {
    status = RdkafkaStatus(list->elems[i].err);
    out.push_back(list->elems[i].offset);
  }
  rd_kafka_topic_partition_list_destroy(list);
  GREGOR_RETURN_IF_ERROR(status);
  return out;
}

}  // namespace gregor::cli
