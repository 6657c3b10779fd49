#include "broker/handlers/create_topics.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "broker/broker.h"
#include "cluster/config_describe.h"
#include "cluster/topic_config.h"
#include "cluster/topic_name.h"
#include "protocol/messages/create_topics_request.h"
#include "protocol/messages/create_topics_response.h"

namespace gregor::broker {
namespace {

using protocol::CreateTopicsRequest;
using protocol::CreateTopicsResponse;
using TopicResult = CreateTopicsResponse::CreatableTopicResult;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 7;
// Far above what one node serves well; it keeps a single request from creating millions
// of directories on an event loop.
constexpr int32_t kMaxPartitions = 100000;
constexpr int32_t kLiveBrokers = 1;

struct Plan {
  int32_t partitions = 0;
  int16_t replication_factor = 0;
  std::map<std::string, std::string> configs;  // normalised overrides
};

// Checks one topic's partitions, replication factor, assignments and configs.
Result<Plan> PlanTopic(const Broker& broker, const CreateTopicsRequest::CreatableTopic& t) {
  Plan plan;
  int32_t node = broker.node_id().value();
  if (!t.assignments.empty()) {
    if (t.num_partitions != -1 || t.replication_factor != -1) {
      return Status(ErrorCode::kInvalidRequest,
                    "a manual partition assignment was given, so num_partitions and "
                    "replication_factor must be -1");
    }
    std::set<int32_t> indexes;
    size_t replicas = t.assignments.front().broker_ids.size();
    for (const auto& a : t.assignments) indexes.insert(a.partition_index);
    if (indexes.size() != t.assignments.size() || *indexes.begin() != 0 ||
        *indexes.rbegin() != static_cast<int32_t>(indexes.size()) - 1) {
      return Status(ErrorCode::kInvalidReplicaAssignment,
                    "partitions of a manual assignment must be 0, 1, ..., n-1, each once");
    }
    for (const auto& a : t.assignments) {
      if (a.broker_ids.empty()) {
        return Status(ErrorCode::kInvalidReplicaAssignment,
                      fmt::format("partition {} has an empty replica list", a.partition_index));
      }
      if (a.broker_ids.size() != replicas) {
        return Status(ErrorCode::kInvalidReplicaAssignment,
                      fmt::format("partition {} has {} replica(s), inconsistent with the {} of "
                                  "partition 0",
                                  a.partition_index, a.broker_ids.size(), replicas));
      }
      std::set<int32_t> seen;
      for (int32_t b : a.broker_ids) {
        if (!seen.insert(b).second) {
          return Status(
              ErrorCode::kInvalidReplicaAssignment,
              fmt::format("partition {} lists broker {} more than once", a.partition_index, b));
        }
        if (b != node) {
          return Status(ErrorCode::kInvalidReplicaAssignment,
                        fmt::format("partition {} is assigned to broker {}, but the only "
                                    "registered broker is {}",
                                    a.partition_index, b, node));
        }
      }
    }
    plan.partitions = static_cast<int32_t>(t.assignments.size());
    plan.replication_factor = static_cast<int16_t>(replicas);
  } else {
    plan.partitions =
        t.num_partitions == -1 ? broker.config().GetInt("num.partitions") : t.num_partitions;
    plan.replication_factor =
        t.replication_factor == -1
            ? static_cast<int16_t>(broker.config().GetInt("default.replication.factor"))
            : t.replication_factor;
    if (plan.partitions <= 0) {
      return Status(ErrorCode::kInvalidPartitions,
                    "number of partitions must be larger than 0, or -1 for num.partitions");
    }
    if (plan.partitions > kMaxPartitions) {
      return Status(ErrorCode::kInvalidPartitions,
                    fmt::format("{} partitions requested; at most {} per topic", plan.partitions,
                                kMaxPartitions));
    }
    if (plan.replication_factor <= 0) {
      return Status(ErrorCode::kInvalidReplicationFactor,
                    "replication factor must be larger than 0, or -1 for "
                    "default.replication.factor");
    }
    if (plan.replication_factor > kLiveBrokers) {
      return Status(ErrorCode::kInvalidReplicationFactor,
                    fmt::format("replication factor {} cannot be reached: only {} broker is "
                                "registered (a single-node Gregor keeps one replica)",
                                plan.replication_factor, kLiveBrokers));
    }
  }
  std::map<std::string, std::string> raw;
  for (const auto& c : t.configs) {
    if (!c.value.has_value()) {
      return Status(ErrorCode::kInvalidConfig,
                    fmt::format("null value for topic config '{}'", c.name));
    }
    raw[c.name] = *c.value;
  }
  GREGOR_ASSIGN_OR_RETURN(plan.configs, cluster::NormalizeTopicConfigs(raw));
  return plan;
}

void SetError(TopicResult& r, const Status& s) {
  r.error_code = static_cast<int16_t>(s.code());
  r.error_message = s.message();
  r.num_partitions = -1;
  r.replication_factor = -1;
}

void SetCreated(const Broker& broker, TopicResult& r, const Plan& plan) {
  r.error_code = 0;
  r.num_partitions = plan.partitions;
  r.replication_factor = plan.replication_factor;
  auto& configs = r.configs.emplace();
  for (const cluster::DescribedConfig& c :
       cluster::DescribeTopicConfigs(*broker.effective_config(), plan.configs)) {
    CreateTopicsResponse::CreatableTopicConfigs out;
    out.name = c.name;
    out.value = c.value;
    out.read_only = c.read_only;
    out.config_source = static_cast<int8_t>(c.source);
    out.is_sensitive = c.sensitive;
    configs.push_back(std::move(out));
  }
}

void Handle(RequestContext ctx, CreateTopicsRequest request) {
  Broker& broker = *ctx.broker;
  CreateTopicsResponse response;
  std::map<std::string, int> count;
  for (const auto& t : request.topics) ++count[t.name];
  for (const auto& t : request.topics) {
    TopicResult& r = response.topics.emplace_back();
    r.name = t.name;
    if (count[t.name] > 1) {
      SetError(r, Status(ErrorCode::kInvalidRequest,
                         fmt::format("topic '{}' appears more than once in the request", t.name)));
      continue;
    }
    Status name_ok = broker.metadata().CheckNewTopicName(t.name);
    if (!name_ok.ok()) {
      SetError(r, name_ok);
      continue;
    }
    if (cluster::IsInternalTopic(t.name)) {
      SetError(r, Status(ErrorCode::kInvalidRequest,
                         fmt::format("'{}' is an internal topic; the broker creates it", t.name)));
      continue;
    }
    auto plan = PlanTopic(broker, t);
    if (!plan.ok()) {
      SetError(r, plan.status());
      continue;
    }
    if (request.validate_only) {
      SetCreated(broker, r, *plan);
      continue;
    }
    auto created = broker.CreateTopic(t.name, plan->partitions, plan->configs);
    if (!created.ok()) {
      SetError(r, created.status());
      continue;
    }
    r.topic_id = (*created)->id;
    SetCreated(broker, r, *plan);
  }
  SendResponse(ctx, response);
}

}  // namespace

HandlerEntry CreateTopicsHandler() {
  return {CreateTopicsRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<CreateTopicsRequest, &Handle>};
}

}  // namespace gregor::broker
